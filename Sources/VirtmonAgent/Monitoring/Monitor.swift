import VirtmonModel

/// A check run on a cycle that may raise events: a VMM's memory overhead, a process gone, host memory low.
///
/// Implementation requirements: `check` reads what it needs (through the context's roots, so tests can use
/// fixtures), keeps any state between runs inside the instance (one instance per monitor item, so one owner),
/// and always returns a `MonitorOutcome`: events for what breached, samples for values worth keeping, and
/// `failure` when it could not check at all. It never throws and never returns a bare flag.
public protocol Monitor: Sendable {
    /// The kind of check, such as `memory_usage`; events carry it and handlers are registered by it.
    var type: String { get }
    /// How often it runs.
    var cycle: Duration { get }
    /// The level of the events it raises when a threshold is crossed.
    var level: EventLevel { get }
    /// Whether its events are conditions (the supervisor raises their changes) or occurrences (each one raised).
    var raises: MonitorEvents { get }
    func check(_ context: MonitorContext) async -> MonitorOutcome
}

extension Monitor {
    /// Threshold checks describe conditions; a monitor of occurrences says so.
    public var raises: MonitorEvents { .conditions }
}
