import VirtmonAMQP

/// What the collector consumes from RabbitMQ, from `collector.amqp` (one or more URLs: the nodes of one
/// cluster) and the options on the first URL:
///
/// - `queue` (`virtmon.batches`), `exchange` (`virtmon`), `quorum` (false): virtmon agents' queue, durable;
/// - `ceilometer` (true): also consume Ceilometer's `metering.sample` and `notifications.sample`;
///   `ceilometer_exchange` (`ceilometer`), `ceilometer_durable` (false, as oslo.messaging's
///   `amqp_durable_queues`), `ceilometer_quorum` (false, as `rabbit_quorum_queue`);
/// - `prefetch` (100): unacknowledged messages held at once, which bounds memory;
/// - `max_deliveries` (5): storage failures of one message, while others are stored, before it is dead-lettered;
/// - `dead_letter_queue` (`virtmon.dead-letter`).
public struct AMQPIngestSettings: Sendable, Equatable {
    public var address: AMQPAddress
    public var queues: [AMQPQueue]
    public var prefetch: Int
    public var maxDeliveries: Int
    public var deadLetterQueue: String

    public static let options: Set<String> = [
        "queue", "exchange", "quorum", "ceilometer", "ceilometer_exchange", "ceilometer_durable", "ceilometer_quorum",
        "prefetch", "max_deliveries", "dead_letter_queue",
    ]

    /// Reads one or more URLs naming the nodes of one cluster; their user, password, vhost and options must agree.
    public init(urls: [String]) throws(AMQPError) {
        guard let first = urls.first else { throw .invalidAddress("(none)", reason: "no amqp:// URL given") }
        var address = try AMQPAddress(first)
        for other in urls.dropFirst() {
            let next = try AMQPAddress(other)
            guard next.user == address.user, next.password == address.password, next.vhost == address.vhost else {
                throw .invalidAddress(next.description, reason: "the nodes of one cluster need the same user, password and vhost as \(address)")
            }
            guard next.options.isEmpty || next.options == address.options else {
                throw .invalidAddress(next.description, reason: "options differ from the first URL's; give them once, on the first")
            }
            address.nodes += next.nodes.filter { !address.nodes.contains($0) }
        }
        try address.refuseUnknownOptions(Self.options)
        var queues = [AMQPQueue.virtmon(
            name: address.options["queue"] ?? "virtmon.batches", exchange: address.options["exchange"] ?? "virtmon",
            quorum: try address.flag("quorum", default: false))]
        if try address.flag("ceilometer", default: true) {
            let exchange = address.options["ceilometer_exchange"] ?? "ceilometer"
            let durable = try address.flag("ceilometer_durable", default: false)
            let quorum = try address.flag("ceilometer_quorum", default: false)
            queues.append(.ceilometer("metering.sample", exchange: exchange, durable: durable, quorum: quorum))
            queues.append(.ceilometer("notifications.sample", exchange: exchange, durable: durable, quorum: quorum))
        }
        self.address = address
        self.queues = queues
        prefetch = try address.integer("prefetch", default: 100, in: 1...65_535)
        maxDeliveries = try address.integer("max_deliveries", default: 5, in: 1...1_000)
        deadLetterQueue = address.options["dead_letter_queue"] ?? "virtmon.dead-letter"
    }
}
