/// A query that cannot be answered as asked: the message says what was wrong, for a 400 answer.
public enum QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let message): message
        }
    }
}
