/// The life of a monitor item: `init → running → stopped`. Nothing goes back.
public enum MonitorState: String, Sendable, Equatable, CustomStringConvertible {
    case initial = "init"
    case running
    case stopped

    public var description: String { rawValue }

    /// Whether the state may move to `next`.
    public func canMove(to next: MonitorState) -> Bool {
        switch (self, next) {
        case (.initial, .running), (.initial, .stopped), (.running, .stopped): return true
        default: return false
        }
    }
}

/// A monitor item was asked for a transition its state machine does not allow.
public struct IllegalTransition: Error, Equatable, CustomStringConvertible {
    public var type: String
    public var from: MonitorState
    public var to: MonitorState
    public var description: String { "monitor \(type): cannot go from \(from) to \(to)" }
}
