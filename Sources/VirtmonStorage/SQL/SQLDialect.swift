/// The two SQL databases virtmon stores in, and where their SQL differs.
public enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// The n-th (1-based) parameter placeholder.
    public func placeholder(_ index: Int) -> String {
        switch self {
        case .sqlite: "?\(index)"
        case .postgres: "$\(index)"
        }
    }
}
