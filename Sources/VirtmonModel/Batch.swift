import Foundation

/// What an agent sends in one HTTP request or UDP datagram: samples and events under the agent's identity and a
/// sequence number. See docs/wire-format.md.
public struct Batch: Sendable, Hashable {
    /// Wire format version; receivers refuse versions they do not know.
    public static let currentVersion = 1

    public var version: Int
    /// A stable random id of the agent (kept in its data dir), so that two hosts with one name stay apart.
    public var agent: String
    public var host: String
    /// Per agent, strictly increasing, assigned when the batch is made and kept across retries: a receiver that
    /// sees the same (agent, seq) twice has been sent a retry or a replay and stores nothing new.
    public var sequence: UInt64
    /// When this attempt was sent; receivers refuse batches outside their clock window.
    public var sentAt: Date
    public var samples: [Sample]
    public var events: [Event]

    public init(
        version: Int = Batch.currentVersion, agent: String, host: String, sequence: UInt64, sentAt: Date,
        samples: [Sample], events: [Event] = []
    ) {
        self.version = version
        self.agent = agent
        self.host = host
        self.sequence = sequence
        self.sentAt = sentAt
        self.samples = samples
        self.events = events
    }

    /// The JSON body, with sorted keys so that the bytes are reproducible.
    public func encoded() -> Data {
        WireJSON.encode(self)
    }

    /// Decodes a body; the error says which field was wrong.
    public static func decode(_ data: Data) throws(WireDecodeError) -> Batch {
        try WireDecoder.batch(data)
    }
}

extension Batch: Codable {
    enum CodingKeys: String, CodingKey {
        case version, agent, host
        case sequence = "seq"
        case sentAt = "sent_at"
        case samples, events
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        agent = try container.decode(String.self, forKey: .agent)
        host = try container.decode(String.self, forKey: .host)
        sequence = try container.decode(UInt64.self, forKey: .sequence)
        sentAt = try container.decodeWireTimestamp(forKey: .sentAt)
        samples = try container.decodeIfPresent([Sample].self, forKey: .samples) ?? []
        events = try container.decodeIfPresent([Event].self, forKey: .events) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(agent, forKey: .agent)
        try container.encode(host, forKey: .host)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(WireTimestamp.format(sentAt), forKey: .sentAt)
        try container.encode(samples, forKey: .samples)
        try container.encode(events, forKey: .events)
    }
}
