import VirtmonModel

/// Takes events of the types it is registered for: writes them to the log, publishes them, posts them to a
/// webhook. Implementation requirements: return when the event is dealt with; retry transient failures
/// itself; never throw (a handler that cannot deliver logs why).
public protocol EventHandler: Sendable {
    /// Short name for logs and configuration (`log`, `publish`, `webhook`).
    var name: String { get }
    func handle(_ event: Event) async
}

/// Where events and monitor samples go to be published: the agent's pipeline and publishers.
public protocol EventSink: Sendable {
    func accept(events: [Event]) async
}
