import VirtmonModel

/// What makes samples one series: meter, resource, type, unit, ids, source and the resource metadata they
/// carried. A change in any of them (a VM moved to another project, renamed) starts a new series, so every
/// sample keeps exactly the description it arrived with.
public struct SeriesKey: Sendable, Hashable {
    public var meter: String
    public var type: SampleType
    public var unit: String
    public var resourceID: String
    public var projectID: String?
    public var userID: String?
    public var source: String
    public var metadata: [String: JSONValue]

    public init(_ sample: Sample) {
        meter = sample.name
        type = sample.type
        unit = sample.unit
        resourceID = sample.resourceID
        projectID = sample.projectID
        userID = sample.userID
        source = sample.source
        metadata = sample.resourceMetadata
    }

    public init(meter: String, type: SampleType, unit: String, resourceID: String, projectID: String?, userID: String?, source: String, metadata: [String: JSONValue]) {
        self.meter = meter
        self.type = type
        self.unit = unit
        self.resourceID = resourceID
        self.projectID = projectID
        self.userID = userID
        self.source = source
        self.metadata = metadata
    }

    /// A sample of this series.
    public func sample(volume: Double, at micros: Int64, messageID: String) -> Sample {
        Sample(
            name: meter, type: type, unit: unit, volume: volume, userID: userID, projectID: projectID,
            resourceID: resourceID, timestamp: dateFromMicroseconds(micros), resourceMetadata: metadata,
            source: source, messageID: messageID)
    }
}

extension SeriesKey {
    /// Hashes everything but the metadata, which equality still compares: hashing a nested dictionary per
    /// sample cost more than the rest of the lookup, and series of one meter and resource rarely differ only in
    /// metadata.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(meter)
        hasher.combine(resourceID)
        hasher.combine(type)
        hasher.combine(unit)
        hasher.combine(projectID)
        hasher.combine(userID)
        hasher.combine(source)
    }
}

/// A series with the id storage gave it.
public struct SeriesRecord: Sendable, Hashable {
    public var id: Int64
    public var key: SeriesKey

    public init(id: Int64, key: SeriesKey) {
        self.id = id
        self.key = key
    }
}
