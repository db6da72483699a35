/// What went wrong talking to a broker, in words: the broker's reply code and text, or the library's status,
/// and what virtmon was doing.
public enum AMQPError: Error, Equatable, CustomStringConvertible {
    case invalidAddress(String, reason: String)
    /// librabbitmq.so.4 is missing or too old.
    case libraryUnavailable(String)
    /// Connecting, logging in or a broker call failed; the connection is unusable.
    case connection(String)
    /// The broker refused or returned a message it was asked to take.
    case refused(String)
    /// The broker did not answer in time.
    case timedOut(String)

    public var description: String {
        switch self {
        case .invalidAddress(let address, let reason): return "invalid AMQP address \(address): \(reason)"
        case .libraryUnavailable(let reason): return reason
        case .connection(let reason): return reason
        case .refused(let reason): return reason
        case .timedOut(let reason): return reason
        }
    }
}
