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

/// The tokens the API accepts: one admin token and any number of per-project tokens.
public struct TokenTable: Sendable {
    public var adminToken: String
    /// token → project id
    public var projectTokens: [String: String]

    public init(adminToken: String, projectTokens: [String: String] = [:]) {
        self.adminToken = adminToken
        self.projectTokens = projectTokens
    }

    /// The scope a presented token grants, or nil when it grants nothing. Compared in constant time so that
    /// response timing does not reveal how much of a token was right.
    public func scope(for token: String?) -> AccessScope? {
        guard let token, !token.isEmpty else { return nil }
        if TokenTable.equal(token, adminToken) { return .admin }
        var found: String?
        for (candidate, project) in projectTokens where TokenTable.equal(token, candidate) { found = project }
        return found.map(AccessScope.project)
    }

    static func equal(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8), right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
