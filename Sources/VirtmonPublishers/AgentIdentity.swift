import Foundation

/// Who sends batches: a random id kept in the agent's data dir (so it survives restarts and two hosts with one
/// name stay apart) and the host name.
public struct AgentIdentity: Sendable, Hashable {
    public var id: String
    public var host: String

    public init(id: String, host: String) {
        self.id = id
        self.host = host
    }

    /// The identity stored under `dataDir`, created on first use.
    public static func load(dataDir: String, host: String) throws(PublisherError) -> AgentIdentity {
        try DurableFile.createDirectory(dataDir)
        let path = dataDir + "/agent-id"
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if UUID(uuidString: id) != nil { return AgentIdentity(id: id, host: host) }
        }
        let id = UUID().uuidString.lowercased()
        try DurableFile.write(Data((id + "\n").utf8), to: path)
        return AgentIdentity(id: id, host: host)
    }
}
