/// What a token may see: everything, or one project's data.
public enum AccessScope: Sendable, Equatable {
    case admin
    case project(String)

    /// The project a query must be limited to, or nil for admin.
    public var project: String? {
        if case .project(let id) = self { return id }
        return nil
    }
}
