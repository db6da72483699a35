import ArgumentParser
import Foundation
import VirtmonServer

/// The agent configuration a command runs with: defaults, or the file given, where a bad file ends the
/// command with its file:line:column message and exit status 2.
enum AgentConfigFile {
    static func load(_ path: String?) throws -> AgentConfig {
        guard let path else { return AgentConfig.defaults() }
        do {
            return try ConfigLoader.load(path: path)
        } catch {
            FileHandle.standardError.write(Data("virtmon: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
