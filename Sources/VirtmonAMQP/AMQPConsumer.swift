import VirtmonThreads

/// Consumes queues on a broker (or the first answering node of a cluster) with manual acknowledgements and a
/// prefetch bound, and moves messages nobody can store to a dead-letter queue.
///
/// The C client blocks, so the actor runs on a thread of its own. It keeps two connections: one consuming,
/// and one with publisher confirms for dead letters — a confirmation waited for on the consuming connection
/// could swallow a delivery. After any failure both are dropped and the next call connects again; the
/// broker gives unacknowledged messages to another consumer, and tags from the old connection are ignored.
public actor AMQPConsumer {
    private let executor = SerialThreadExecutor(name: "vm-amqp-sub")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    public let address: AMQPAddress
    public let queues: [AMQPQueue]
    public let prefetch: Int
    public let deadLetterQueue: String
    private var consuming: AMQPConnection?
    private var publishing: AMQPConnection?
    private var generation = 0
    private var nextNode = 0
    /// The node consumed from, for logs.
    public private(set) var connectedNode: AMQPAddress.Node?

    /// A delivery and the connection it came on.
    public struct Received: Sendable {
        public var delivery: AMQPDelivery
        fileprivate var generation: Int
    }

    public init(address: AMQPAddress, queues: [AMQPQueue], prefetch: Int, deadLetterQueue: String) {
        self.address = address
        self.queues = queues
        self.prefetch = prefetch
        self.deadLetterQueue = deadLetterQueue
    }

    private func connection() throws(AMQPError) -> AMQPConnection {
        if let consuming { return consuming }
        var failures: [String] = []
        for offset in 0..<address.nodes.count {
            let index = (nextNode + offset) % address.nodes.count
            let node = address.nodes[index]
            do {
                // Heartbeats let a consumer that only waits notice a broker that vanished without closing.
                let opened = try AMQPConnection(node: node, address: address, heartbeatSeconds: 30)
                try opened.declarePlainQueue(deadLetterQueue, quorum: queues.contains { $0.quorum })
                for queue in queues { try opened.declare(queue) }
                for queue in queues { try opened.consume(queue.name, prefetch: prefetch) }
                consuming = opened
                generation += 1
                nextNode = index
                connectedNode = node
                return opened
            } catch {
                failures.append(error.description)
            }
        }
        nextNode = (nextNode + 1) % address.nodes.count
        throw .connection(failures.joined(separator: "; "))
    }

    /// Drops both connections (after a failure, or to stop).
    public func disconnect() {
        consuming?.close()
        publishing?.close()
        consuming = nil
        publishing = nil
        connectedNode = nil
    }

    /// The next message, or nil when none came within `milliseconds`; connects first when needed.
    public func next(within milliseconds: Int) throws(AMQPError) -> Received? {
        let connection = try connection()
        do {
            return try connection.next(within: milliseconds).map { Received(delivery: $0, generation: generation) }
        } catch {
            disconnect()
            throw error
        }
    }

    /// Acknowledges `received`: the broker forgets it. A delivery from an older connection is not acknowledged
    /// (its tag means nothing now); the broker delivers it again and the store recognises it.
    public func ack(_ received: Received) throws(AMQPError) {
        guard received.generation == generation, let consuming else { return }
        do { try consuming.ack(received.delivery.tag) } catch { disconnect(); throw error }
    }

    /// Gives `received` back to the queue, to be delivered again.
    public func requeue(_ received: Received) throws(AMQPError) {
        guard received.generation == generation, let consuming else { return }
        do { try consuming.nack(received.delivery.tag, requeue: true) } catch { disconnect(); throw error }
    }

    /// Publishes `received` to the dead-letter queue with `reason` in its `x-virtmon-reason` header, waits for the
    /// broker's confirmation, then acknowledges the original.
    public func deadLetter(_ received: Received, reason: String) throws(AMQPError) {
        do {
            let publisher = try publishingConnection()
            try publisher.publish(
                exchange: "", routingKey: deadLetterQueue, body: received.delivery.body, persistent: true,
                contentType: received.delivery.contentType ?? "application/octet-stream",
                header: ("x-virtmon-reason", String(reason.prefix(1000))), confirmWithin: 10_000)
        } catch {
            publishing?.close()
            publishing = nil
            throw error
        }
        try ack(received)
    }

    private func publishingConnection() throws(AMQPError) -> AMQPConnection {
        if let publishing { return publishing }
        let node = connectedNode ?? address.nodes[nextNode]
        let opened = try AMQPConnection(node: node, address: address)
        try opened.confirmSelect()
        publishing = opened
        return opened
    }
}
