import ArgumentParser
import Foundation
import VirtmonServer

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Work with configuration files.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a configuration file; print what it sets up, or where it is wrong (exit 1).")

        @Argument(help: "The YAML file.")
        var file: String

        func run() async throws {
            do {
                let config = try ConfigLoader.load(path: file)
                print(ConfigSummary.describe(config, file: file))
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
