/// One message a consumer received, copied out of the C client's buffers.
public struct AMQPDelivery: Sendable {
    /// Acknowledge or return it with this tag, on the connection it came from.
    public var tag: UInt64
    /// The broker delivered it before (to this or another consumer) without an acknowledgement.
    public var redelivered: Bool
    /// The broker's count of earlier deliveries (`x-delivery-count`, quorum queues only).
    public var deliveryCount: Int?
    public var exchange: String
    public var routingKey: String
    public var contentType: String?
    public var messageID: String?
    public var body: [UInt8]
}
