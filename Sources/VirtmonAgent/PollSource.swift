import VirtmonModel

/// A named set of pollsters run together on one interval, with the meters it keeps (Ceilometer's polling
/// source).
public struct PollSource: Sendable {
    public var name: String
    public var interval: Duration
    public var selector: MeterSelector
    /// Fresh instances for this source alone, so that stateful pollsters have one owner.
    public var pollsters: [any Pollster]
    /// How long the cycle waits for one pollster before moving on without it.
    public var timeout: Duration

    public init(
        name: String, interval: Duration, selector: MeterSelector, pollsters: [any Pollster],
        timeout: Duration? = nil
    ) {
        self.name = name
        self.interval = interval
        self.selector = selector
        self.pollsters = pollsters.filter { pollster in pollster.meters.contains { selector.matches($0.name) } }
        self.timeout = timeout ?? interval
    }

    /// Whether a cycle yields all selected meters only once a previous cycle has run.
    public var needsPreviousRead: Bool { pollsters.contains { $0.needsPreviousRead } }
}
