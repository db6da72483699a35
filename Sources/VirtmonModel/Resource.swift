/// Something measured: a host, a domain, a device of either. Samples refer to it by `id`.
public struct Resource: Sendable, Hashable, Codable {
    public var id: String
    public var userID: String?
    public var projectID: String?
    public var source: String
    public var metadata: [String: JSONValue]

    public init(
        id: String, userID: String? = nil, projectID: String? = nil, source: String = Sample.defaultSource,
        metadata: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.userID = userID
        self.projectID = projectID
        self.source = source
        self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey {
        case id = "resource_id"
        case userID = "user_id"
        case projectID = "project_id"
        case source
        case metadata
    }
}
