import Foundation
import VirtmonAMQP
import VirtmonModel
import VirtmonThreads

/// Publishes each batch as one persistent message to a RabbitMQ exchange and returns only once the broker
/// confirmed it (publisher confirms), so a batch leaves the spool only when the broker has it. The message is
/// the signed frame UDP uses (`virtmon/1 SIGNATURE\n` + the batch's JSON): it carries its own signature
/// through any shovel or federation link.
///
/// The publisher declares its queue (durable, or a quorum queue) and binds it, as oslo.messaging's publishers
/// do, so batches wait in the broker before any collector runs; the publish is mandatory, so a message no
/// queue takes comes back and stays in the spool. A failed connection is dropped and the next attempt
/// connects again, to the next node of a cluster; the spool's backoff paces the attempts.
public actor AMQPTransport: BatchTransport {
    /// The C client blocks: this actor runs on a thread of its own, never on the cooperative pool.
    private let executor = SerialThreadExecutor(name: "vm-amqp-pub")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    public nonisolated let target: String
    public nonisolated let maxBodyBytes: Int? = nil
    private let address: AMQPAddress
    private let queue: AMQPQueue
    private var connection: AMQPConnection?
    private var nextNode = 0

    /// The options an `amqp://` publisher URL takes.
    public static let options: Set<String> = ["exchange", "routing_key", "queue", "quorum", "durable", "declare"]
    private let declares: Bool

    /// - Parameter address: `amqp://…?exchange=virtmon&routing_key=virtmon.batches&quorum=false&declare=true`.
    public init(address: AMQPAddress) throws(AMQPError) {
        try address.refuseUnknownOptions(Self.options)
        if let reason = AMQPConnection.unavailableReason { throw .libraryUnavailable(reason) }
        let routingKey = address.options["routing_key"] ?? "virtmon.batches"
        queue = AMQPQueue(
            name: address.options["queue"] ?? routingKey, exchange: address.options["exchange"] ?? "virtmon",
            routingKey: routingKey, durable: try address.flag("durable", default: true),
            quorum: try address.flag("quorum", default: false))
        declares = try address.flag("declare", default: true)
        self.address = address
        target = address.description
    }

    private func connected(timeout: Duration) throws(DeliveryError) -> AMQPConnection {
        if let connection { return connection }
        var failures: [String] = []
        // One pass over the cluster's nodes, starting after the one that failed last.
        for offset in 0..<address.nodes.count {
            let node = address.nodes[(nextNode + offset) % address.nodes.count]
            do {
                let opened = try AMQPConnection(node: node, address: address, timeoutMilliseconds: timeout.milliseconds)
                try opened.confirmSelect()
                if declares { try opened.declare(queue) }
                connection = opened
                nextNode = (nextNode + offset) % address.nodes.count
                return opened
            } catch {
                failures.append(error.description)
            }
        }
        nextNode = (nextNode + 1) % address.nodes.count
        throw .unreachable(failures.joined(separator: "; "))
    }

    public func send(body: Data, signature: String?, timeout: Duration) async throws(DeliveryError) {
        let message = [UInt8](SignedFrame(signature: signature, body: body).encoded())
        let connection = try connected(timeout: timeout)
        do {
            try connection.publish(
                exchange: queue.exchange, routingKey: queue.routingKey, body: message, persistent: true,
                contentType: SignedFrame.contentType, confirmWithin: timeout.milliseconds)
        } catch {
            self.connection = nil
            connection.close()
            nextNode = (nextNode + 1) % address.nodes.count
            switch error {
            // Returned or nacked: the broker answered, but did not take it; the spool tries again later.
            case .refused(let reason): throw .refused(status: 0, body: reason)
            default: throw .unreachable(error.description)
            }
        }
    }

    public func shutdown() async {
        connection?.close()
        connection = nil
    }
}

extension Duration {
    /// Whole milliseconds, at least 1, for the C client's timeouts.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
