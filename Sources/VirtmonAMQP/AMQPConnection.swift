import CRabbitMQ

/// One connection to one broker node with channel 1 open, through the RabbitMQ C client.
///
/// Every call blocks: use it from a thread of its own (an actor on a `SerialThreadExecutor`), never from the
/// cooperative pool, and from one thread at a time (the C client is not thread-safe per connection). After any
/// failure the connection is unusable; close it and open another.
public final class AMQPConnection {
    private var handle: OpaquePointer?
    public let node: AMQPAddress.Node
    private var error = [CChar](repeating: 0, count: Int(VM_AMQP_ERROR_BYTES))

    /// Why the C client cannot be used here, or nil when it can.
    public static var unavailableReason: String? { vm_amqp_load().map { String(cString: $0) } }

    /// Connects to `node`, logs in and opens channel 1, giving up after `timeoutMilliseconds` per step.
    public init(node: AMQPAddress.Node, address: AMQPAddress, heartbeatSeconds: Int = 0, timeoutMilliseconds: Int = 10_000) throws(AMQPError) {
        if let reason = Self.unavailableReason { throw .libraryUnavailable(reason) }
        self.node = node
        let opened = vm_amqp_open(node.host, Int32(node.port), address.user, address.password, address.vhost,
                                  Int32(heartbeatSeconds), Int32(timeoutMilliseconds), &error)
        guard let opened else { throw .connection(Self.text(error)) }
        handle = opened
    }

    deinit { close() }

    /// Closes politely if still open; idempotent.
    public func close() {
        if let handle { vm_amqp_close(handle) }
        handle = nil
    }

    private static func text(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    private func open() throws(AMQPError) -> OpaquePointer {
        guard let handle else { throw .connection("the connection to \(node) is closed") }
        return handle
    }

    private func checked(_ status: Int32) throws(AMQPError) {
        if status < 0 { throw .connection("\(node): \(Self.text(error))") }
    }

    /// Declares `queue`'s exchange and the queue, and binds them.
    public func declare(_ queue: AMQPQueue) throws(AMQPError) {
        let handle = try open()
        if !queue.exchange.isEmpty {
            try checked(vm_amqp_declare_exchange(handle, queue.exchange, queue.exchangeType, queue.durable ? 1 : 0, 0, &error))
        }
        try checked(vm_amqp_declare_queue(handle, queue.name, queue.durable ? 1 : 0, queue.autoDelete ? 1 : 0, queue.quorum ? 1 : 0,
                                          nil, nil, &error))
        if !queue.exchange.isEmpty {
            try checked(vm_amqp_bind(handle, queue.name, queue.exchange, queue.routingKey, &error))
        }
    }

    /// Declares a durable queue with no binding (a dead-letter queue, reached through the default exchange).
    public func declarePlainQueue(_ name: String, quorum: Bool) throws(AMQPError) {
        try checked(vm_amqp_declare_queue(try open(), name, 1, 0, quorum ? 1 : 0, nil, nil, &error))
    }

    /// Turns on publisher confirms for this channel.
    public func confirmSelect() throws(AMQPError) {
        try checked(vm_amqp_confirm_select(try open(), &error))
    }

    /// Publishes `body` (mandatory, so an unroutable message comes back) and, on a confirming channel, waits
    /// for the broker's confirmation. Returns only when the broker has taken responsibility for the message.
    public func publish(exchange: String, routingKey: String, body: [UInt8], persistent: Bool = true,
                        contentType: String, header: (name: String, value: String)? = nil,
                        confirmWithin milliseconds: Int) throws(AMQPError) {
        let handle = try open()
        let sequence = body.withUnsafeBytes { bytes in
            vm_amqp_publish(handle, exchange, routingKey, bytes.baseAddress, bytes.count, persistent ? 1 : 0, contentType,
                            header?.name, header?.value, &error)
        }
        if sequence < 0 { throw .connection("\(node): \(Self.text(error))") }
        let outcome = vm_amqp_wait_confirm(handle, sequence, Int32(milliseconds), &error)
        switch outcome {
        case VM_AMQP_CONFIRMED: return
        case VM_AMQP_NACKED, VM_AMQP_RETURNED: throw .refused("\(node): \(Self.text(error))")
        case VM_AMQP_TIMED_OUT:
            // A late confirmation would be matched to the wrong publish: this connection is done.
            close()
            throw .timedOut("\(node): \(Self.text(error))")
        default:
            close()
            throw .connection("\(node): \(Self.text(error))")
        }
    }

    /// Starts consuming `queue` with manual acknowledgements and at most `prefetch` unacknowledged messages.
    public func consume(_ queue: String, prefetch: Int) throws(AMQPError) {
        try checked(vm_amqp_consume(try open(), queue, Int32(prefetch), &error))
    }

    /// The next delivery, or nil when none came within `milliseconds`.
    public func next(within milliseconds: Int) throws(AMQPError) -> AMQPDelivery? {
        var raw = vm_amqp_delivery()
        let status = vm_amqp_next(try open(), Int32(milliseconds), &raw, &error)
        if status < 0 { throw .connection("\(node): \(Self.text(error))") }
        guard status == 1 else { return nil }
        defer { vm_amqp_delivery_free(&raw) }
        let body = raw.length == 0 ? [] : [UInt8](UnsafeRawBufferPointer(start: raw.body, count: raw.length))
        return AMQPDelivery(
            tag: raw.delivery_tag, redelivered: raw.redelivered != 0,
            deliveryCount: raw.delivery_count >= 0 ? Int(raw.delivery_count) : nil,
            exchange: String(cString: raw.exchange), routingKey: String(cString: raw.routing_key),
            contentType: raw.content_type.map { String(cString: $0) },
            messageID: raw.message_id.map { String(cString: $0) }, body: body)
    }

    public func ack(_ tag: UInt64) throws(AMQPError) {
        try checked(vm_amqp_ack(try open(), tag, &error))
    }

    /// Returns a delivery to the queue (`requeue`) or lets the queue dead-letter or drop it.
    public func nack(_ tag: UInt64, requeue: Bool) throws(AMQPError) {
        try checked(vm_amqp_nack(try open(), tag, requeue ? 1 : 0, &error))
    }
}
