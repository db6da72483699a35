/// Self-metrics of one pollster in one source, kept by the scheduler.
public struct PollsterStats: Sendable, Hashable {
    public var runs = 0
    public var failures = 0
    /// Cycles in which it missed its deadline, plus cycles skipped because it was still running.
    public var overruns = 0
    public var lastDuration: Duration = .zero
    public var lastSucceeded = false
    public var lastSampleCount = 0
    public var lastError: String?

    public init() {}
}
