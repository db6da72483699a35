import Foundation
import VirtmonModel

/// A resource as the query API shows it: ids, latest metadata, the span of its samples and its meters.
public struct ResourceRecord: Sendable, Hashable {
    public var resourceID: String
    public var projectID: String?
    public var userID: String?
    public var source: String
    public var firstSample: Date
    public var lastSample: Date
    public var metadata: [String: JSONValue]
    /// Names of the meters that have samples for it, sorted.
    public var meters: [String]

    public init(
        resourceID: String, projectID: String?, userID: String?, source: String, firstSample: Date, lastSample: Date,
        metadata: [String: JSONValue], meters: [String]
    ) {
        self.resourceID = resourceID
        self.projectID = projectID
        self.userID = userID
        self.source = source
        self.firstSample = firstSample
        self.lastSample = lastSample
        self.metadata = metadata
        self.meters = meters
    }
}
