/// What statistics can be grouped by (Ceilometer's `groupby`).
public enum GroupField: Sendable, Hashable, CustomStringConvertible {
    case resourceID, projectID, userID, source
    case metadata(String)

    /// Parses `resource_id`, `project_id`, `user_id`, `source` or `resource_metadata.KEY`.
    public init(parsing name: String) throws(QueryError) {
        switch try QueryField(parsing: name) {
        case .resourceID: self = .resourceID
        case .projectID: self = .projectID
        case .userID: self = .userID
        case .source: self = .source
        case .metadata(let key): self = .metadata(key)
        default: throw .invalid("cannot group by '\(name)' (use resource_id, project_id, user_id, source or resource_metadata.KEY)")
        }
    }

    /// The name a result row's `groupby` object uses for it.
    public var description: String {
        switch self {
        case .resourceID: "resource_id"
        case .projectID: "project_id"
        case .userID: "user_id"
        case .source: "source"
        case .metadata(let key): "resource_metadata.\(key)"
        }
    }
}
