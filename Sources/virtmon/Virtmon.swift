import ArgumentParser
import Foundation

@main
struct Virtmon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "virtmon",
        abstract: "Metering and monitoring for virtualization hosts.",
        version: Version.text,
        subcommands: [
            UpCommand.self, AgentCommand.self, CollectorCommand.self, MeterCommand.self, SampleCommand.self,
            StatisticsCommand.self, ResourceCommand.self, EventCommand.self, AlarmCommand.self, CheckCommand.self, ConfigCommand.self,
            MetersCommand.self, StorageCommand.self,
        ])

    /// Parses and runs like ArgumentParser's own main, except that bad usage exits 2 (as the agent does for
    /// a bad configuration) rather than 64, so scripts can tell "over the limit" (1) from "called wrongly".
    static func main() async {
        // What virtmon writes — the database, tokens, secrets, spool — is the operator's alone: files 0600,
        // directories 0700, whatever umask the shell had.
        umask(0o077)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
