import Foundation

/// Something a monitor noticed: a threshold crossed, a process gone. Travels beside samples in a batch.
public struct Event: Sendable, Hashable {
    public var id: String
    public var time: Date
    /// What kind of check raised it, such as `memory_usage` or `liveness`.
    public var type: String
    public var level: EventLevel
    /// The host the agent runs on.
    public var host: String
    /// What it is about: a domain UUID, a pid, a host.
    public var resource: String
    public var message: String
    public var details: [String: JSONValue]

    public init(
        id: String = MessageID.random(), time: Date, type: String, level: EventLevel, host: String,
        resource: String, message: String, details: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.time = time
        self.type = type
        self.level = level
        self.host = host
        self.resource = resource
        self.message = message
        self.details = details
    }
}

extension Event: Codable {
    enum CodingKeys: String, CodingKey {
        case id, time, type, level, host, resource, message, details
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        time = try container.decodeWireTimestamp(forKey: .time)
        type = try container.decode(String.self, forKey: .type)
        level = try container.decode(EventLevel.self, forKey: .level)
        host = try container.decode(String.self, forKey: .host)
        resource = try container.decode(String.self, forKey: .resource)
        message = try container.decode(String.self, forKey: .message)
        details = try container.decodeIfPresent([String: JSONValue].self, forKey: .details) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(WireTimestamp.format(time), forKey: .time)
        try container.encode(type, forKey: .type)
        try container.encode(level, forKey: .level)
        try container.encode(host, forKey: .host)
        try container.encode(resource, forKey: .resource)
        try container.encode(message, forKey: .message)
        try container.encode(details, forKey: .details)
    }
}
