import ArgumentParser
import Foundation
import VirtmonServer
import VirtmonStorage

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Work with configuration files.", subcommands: [Check.self, Reference.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a configuration file; print what it sets up, or where it is wrong (exit 1).")

        @Argument(help: "The YAML file.")
        var file: String

        func run() async throws {
            do {
                let config = try ConfigLoader.load(path: file)
                // The collector: section too, as `virtmon collector` and `up` would read it.
                var collector = CollectorConfig(dataDir: config.dataDir)
                try CollectorConfigLoader.load(path: file, into: &collector)
                try collector.validate()
                print(ConfigSummary.describe(config, file: file))
                print("collector: listen \(collector.listen), udp \(collector.udp.map(\.description) ?? "off"), storage \(StorageURL.redacted(collector.storageURL)), retention \(collector.retention), \(collector.projectTokens.count) project token(s)")
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    struct Reference: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the reference of every configuration key, with its type and default (docs/configuration.md).")

        func run() {
            print(ConfigReference.markdown(), terminator: "")
        }
    }
}
