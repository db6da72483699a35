/// How bad an event is. Ordered: `info < error < fatal`.
public enum EventLevel: String, Sendable, Codable, CaseIterable, Comparable {
    case info
    case error
    case fatal

    private var rank: Int {
        switch self {
        case .info: return 0
        case .error: return 1
        case .fatal: return 2
        }
    }

    public static func < (lhs: EventLevel, rhs: EventLevel) -> Bool { lhs.rank < rhs.rank }
}
