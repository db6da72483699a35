import VirtmonModel

/// One meter of one resource, as Ceilometer's meter list shows it.
public struct MeterRecord: Sendable, Hashable {
    public var name: String
    public var type: SampleType
    public var unit: String
    public var resourceID: String
    public var projectID: String?
    public var userID: String?
    public var source: String

    public init(name: String, type: SampleType, unit: String, resourceID: String, projectID: String?, userID: String?, source: String) {
        self.name = name
        self.type = type
        self.unit = unit
        self.resourceID = resourceID
        self.projectID = projectID
        self.userID = userID
        self.source = source
    }
}
