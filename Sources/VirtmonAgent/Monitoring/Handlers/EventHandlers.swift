import Logging
import VirtmonModel
import VirtmonPublishers

/// The one registry of event handlers: the names a monitor's `handlers:` list takes and what each makes.
/// Adding a handler is its file plus one case here and its line in `make`.
public enum EventHandlers: String, Sendable, CaseIterable {
    /// A line in the agent's log.
    case log
    /// An event record through the agent's publishers, to the collector.
    case publish
    /// A signed POST to `monitors.webhook`.
    case webhook

    /// Where the handlers deliver.
    public struct Targets: Sendable {
        public var logger: Logger
        public var sink: any EventSink
        /// The webhook's receiver and delivery settings; nil when none is configured.
        public var webhook: (transport: HTTPTransport, signature: BatchSignature, attempts: Int, retry: RetryPolicy, timeout: Duration)?

        public init(logger: Logger, sink: any EventSink,
                    webhook: (transport: HTTPTransport, signature: BatchSignature, attempts: Int, retry: RetryPolicy, timeout: Duration)? = nil) {
            self.logger = logger
            self.sink = sink
            self.webhook = webhook
        }
    }

    /// The handler of this kind, or nil when its target is not configured.
    public func make(_ targets: Targets) -> (any EventHandler)? {
        switch self {
        case .log: return LogEventHandler(logger: targets.logger)
        case .publish: return PublishEventHandler(sink: targets.sink)
        case .webhook:
            guard let webhook = targets.webhook else { return nil }
            return WebhookEventHandler(transport: webhook.transport, signature: webhook.signature, attempts: webhook.attempts,
                                       retry: webhook.retry, timeout: webhook.timeout, logger: targets.logger)
        }
    }

    /// Every handler whose target is configured, by name.
    public static func available(_ targets: Targets) -> [String: any EventHandler] {
        var result: [String: any EventHandler] = [:]
        for kind in allCases { result[kind.rawValue] = kind.make(targets) }
        return result
    }
}
