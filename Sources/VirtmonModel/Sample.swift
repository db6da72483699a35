import Foundation

/// One measurement of one meter for one resource: Ceilometer's sample, field for field.
///
/// Encoded with Ceilometer's `counter_*` wire keys so that the shape existing tools expect carries over.
public struct Sample: Sendable, Hashable {
    /// Meter name, such as `hardware.cpu.util` or `cpu`.
    public var name: String
    public var type: SampleType
    public var unit: String
    public var volume: Double
    public var userID: String?
    public var projectID: String?
    /// What was measured: a host name, a domain UUID, or a device named after its owner (`host-eth0`).
    public var resourceID: String
    /// When the value was read, in UTC.
    public var timestamp: Date
    public var resourceMetadata: [String: JSONValue]
    /// Who produced the sample (`virtmon` for the agent's own).
    public var source: String
    /// Unique per sample; receivers use it to recognise a sample they already have.
    public var messageID: String
    /// The agent's monotonic clock (seconds) at the read, for rate math that must not jump with the wall clock.
    public var monotonicTime: Double?

    public init(
        name: String, type: SampleType, unit: String, volume: Double,
        userID: String? = nil, projectID: String? = nil, resourceID: String,
        timestamp: Date, resourceMetadata: [String: JSONValue] = [:], source: String = Sample.defaultSource,
        messageID: String = MessageID.random(), monotonicTime: Double? = nil
    ) {
        self.name = name
        self.type = type
        self.unit = unit
        self.volume = volume
        self.userID = userID
        self.projectID = projectID
        self.resourceID = resourceID
        self.timestamp = timestamp
        self.resourceMetadata = resourceMetadata
        self.source = source
        self.messageID = messageID
        self.monotonicTime = monotonicTime
    }

    /// The source name the agent stamps on what it measures.
    public static let defaultSource = "virtmon"

    /// The key rate math and series ownership use: one meter of one resource.
    public var seriesKey: SeriesKey { SeriesKey(meter: name, resourceID: resourceID) }
}

/// Identifies one series: a meter of a resource.
public struct SeriesKey: Sendable, Hashable, CustomStringConvertible {
    public var meter: String
    public var resourceID: String
    public init(meter: String, resourceID: String) {
        self.meter = meter
        self.resourceID = resourceID
    }
    public var description: String { "\(meter)@\(resourceID)" }
}

extension Sample: Codable {
    enum CodingKeys: String, CodingKey {
        case name = "counter_name"
        case type = "counter_type"
        case unit = "counter_unit"
        case volume = "counter_volume"
        case userID = "user_id"
        case projectID = "project_id"
        case resourceID = "resource_id"
        case timestamp
        case resourceMetadata = "resource_metadata"
        case source
        case messageID = "message_id"
        case monotonicTime = "monotonic_time"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        type = try container.decode(SampleType.self, forKey: .type)
        unit = try container.decode(String.self, forKey: .unit)
        volume = try container.decode(Double.self, forKey: .volume)
        userID = try container.decodeIfPresent(String.self, forKey: .userID)
        projectID = try container.decodeIfPresent(String.self, forKey: .projectID)
        resourceID = try container.decode(String.self, forKey: .resourceID)
        timestamp = try container.decodeWireTimestamp(forKey: .timestamp)
        resourceMetadata = try container.decodeIfPresent([String: JSONValue].self, forKey: .resourceMetadata) ?? [:]
        source = try container.decodeIfPresent(String.self, forKey: .source) ?? Sample.defaultSource
        messageID = try container.decodeIfPresent(String.self, forKey: .messageID) ?? MessageID.random()
        monotonicTime = try container.decodeIfPresent(Double.self, forKey: .monotonicTime)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(type, forKey: .type)
        try container.encode(unit, forKey: .unit)
        try container.encode(volume, forKey: .volume)
        // Ceilometer writes null ids rather than leaving the keys out; keep the keys for its readers.
        try container.encode(userID, forKey: .userID)
        try container.encode(projectID, forKey: .projectID)
        try container.encode(resourceID, forKey: .resourceID)
        try container.encode(WireTimestamp.format(timestamp), forKey: .timestamp)
        try container.encode(resourceMetadata, forKey: .resourceMetadata)
        try container.encode(source, forKey: .source)
        try container.encode(messageID, forKey: .messageID)
        try container.encodeIfPresent(monotonicTime, forKey: .monotonicTime)
    }
}

extension Sample {
    /// A fresh message id, as derived samples need.
    public static func newMessageID() -> String { MessageID.random() }
}
