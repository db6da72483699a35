import ArgumentParser

@main
struct Virtmon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "virtmon",
        abstract: "Metering and monitoring for virtualization hosts.",
        subcommands: [AgentCommand.self, ConfigCommand.self, MetersCommand.self])
}
