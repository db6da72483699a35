import VirtmonModel

/// Sends events through the agent's publishers, so they reach the collector beside samples and wait in the
/// spool like them.
public struct PublishEventHandler: EventHandler {
    public let name = "publish"
    private let sink: any EventSink

    public init(sink: any EventSink) {
        self.sink = sink
    }

    public func handle(_ event: Event) async {
        await sink.accept(events: [event])
    }
}
