/// A queue and how it is declared and bound. RabbitMQ refuses a declare whose flags differ from the queue's
/// (406 PRECONDITION_FAILED), so every flag is explicit and configurable: the defaults of `ceilometer(_:)` are
/// oslo.messaging's, so a Ceilometer already publishing keeps working.
public struct AMQPQueue: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var exchange: String
    public var exchangeType: String
    public var routingKey: String
    public var durable: Bool
    public var autoDelete: Bool
    /// `x-queue-type: quorum` (replicated across a cluster; always durable).
    public var quorum: Bool

    public init(name: String, exchange: String, exchangeType: String = "topic", routingKey: String, durable: Bool, autoDelete: Bool = false, quorum: Bool = false) {
        self.name = name
        self.exchange = exchange
        self.exchangeType = exchangeType
        self.routingKey = routingKey
        self.durable = durable || quorum
        self.autoDelete = autoDelete
        self.quorum = quorum
    }

    public var description: String {
        "queue '\(name)' on exchange '\(exchange)' key '\(routingKey)' (\(quorum ? "quorum" : durable ? "durable" : "non-durable"))"
    }

    /// virtmon's own agents' queue: durable, on exchange `virtmon`.
    public static func virtmon(name: String = "virtmon.batches", exchange: String = "virtmon", quorum: Bool = false) -> AMQPQueue {
        AMQPQueue(name: name, exchange: exchange, routingKey: name, durable: true, quorum: quorum)
    }

    /// A queue Ceilometer publishes to (`metering.sample` from the notifier publisher, `notifications.sample`
    /// from a polling agent), declared as oslo.messaging's publisher declares it: queue named after the key.
    public static func ceilometer(_ routingKey: String, exchange: String = "ceilometer", durable: Bool = false, quorum: Bool = false) -> AMQPQueue {
        AMQPQueue(name: routingKey, exchange: exchange, routingKey: routingKey, durable: durable, quorum: quorum)
    }
}
