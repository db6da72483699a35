import Crypto
import Foundation

/// The tokens the API accepts: one admin token and any number of per-project tokens, kept only as SHA-256
/// digests, so that a memory dump or a debugger shows no token that could be replayed.
public struct TokenTable: Sendable {
    private let admin: [UInt8]
    /// digest → project id
    private let projects: [([UInt8], String)]

    /// - Parameter projectTokens: token → project id.
    public init(adminToken: String, projectTokens: [String: String] = [:]) {
        admin = TokenTable.digest(adminToken)
        projects = projectTokens.map { (TokenTable.digest($0.key), $0.value) }
    }

    /// The scope a presented token grants, or nil when it grants nothing. Every stored digest is compared, in
    /// constant time and at equal length, so that timing reveals neither how much of a token was right nor
    /// which kind of token it was.
    public func scope(for token: String?) -> AccessScope? {
        guard let token, !token.isEmpty else { return nil }
        let presented = TokenTable.digest(token)
        var found: AccessScope?
        if TokenTable.equal(presented, admin) { found = .admin }
        for (candidate, project) in projects where TokenTable.equal(presented, candidate) && found == nil {
            found = .project(project)
        }
        return found
    }

    static func digest(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Data(token.utf8))) }

    static func equal(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
