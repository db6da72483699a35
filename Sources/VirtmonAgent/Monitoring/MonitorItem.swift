/// One registered monitor with its state machine and on/off switch. An actor, so concurrent start, stop,
/// enable and disable calls are applied one at a time and an illegal one is refused, never half-applied.
public actor MonitorItem {
    public let monitor: any Monitor
    public private(set) var state: MonitorState = .initial
    /// A disabled item stays in its state but skips its checks until enabled again.
    public private(set) var isEnabled = true

    public init(_ monitor: any Monitor, enabled: Bool = true) {
        self.monitor = monitor
        self.isEnabled = enabled
    }

    public nonisolated var type: String { monitor.type }

    /// Moves to `next`, or throws without changing anything when the machine does not allow it.
    public func transition(to next: MonitorState) throws(IllegalTransition) {
        guard state.canMove(to: next) else { throw IllegalTransition(type: monitor.type, from: state, to: next) }
        state = next
    }

    public func setEnabled(_ enabled: Bool) {
        isEnabled = enabled
    }

    /// Whether a check should run now.
    public var shouldCheck: Bool { state == .running && isEnabled }
}
