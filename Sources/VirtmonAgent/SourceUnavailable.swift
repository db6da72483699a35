/// Thrown by a pollster whose source is away in a state it has already reported itself (a daemon not
/// running, access refused): the scheduler counts the run as failed — `virtmon.agent.poll.success` 0 and
/// `virtmon_pollster_failures_total` — but does not log it again each cycle.
public struct SourceUnavailable: Error, Sendable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
