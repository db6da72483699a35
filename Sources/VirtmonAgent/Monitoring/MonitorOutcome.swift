import VirtmonModel

/// What one run of a check found. One shape for every path, success or not.
public struct MonitorOutcome: Sendable {
    /// Events to raise (empty when everything is within bounds).
    public var events: [Event]
    /// Values measured on the way, published as samples (`vmm.memory.overhead`).
    public var samples: [Sample]
    /// Why the check could not run, if it could not; the supervisor logs it.
    public var failure: String?

    public init(events: [Event] = [], samples: [Sample] = [], failure: String? = nil) {
        self.events = events
        self.samples = samples
        self.failure = failure
    }

    /// True when it ran and nothing breached.
    public var passed: Bool { events.isEmpty && failure == nil }
}
