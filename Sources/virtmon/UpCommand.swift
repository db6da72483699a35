import ArgumentParser
import Foundation
import VirtmonServer

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up", abstract: "Run a collector and an agent for this host in one process (SQLite, local API).")

    @Option(name: .long, help: "Data directory: SQLite file, admin token, agent spool. Default as for the agent.")
    var dataDir: String?
    @Option(name: .long, help: "HTTP address of the API.")
    var listen = "127.0.0.1:8777"
    @Option(name: .long, help: "Seconds between agent cycles (10, 2.5, 500ms, 1m).")
    var interval: String?
    @Option(name: .long, help: "YAML configuration for the agent part.")
    var config: String?
    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "notice"

    func validate() throws {
        if CollectorConfig.Endpoint(parsing: listen) == nil { throw ValidationError("--listen must be HOST:PORT, got '\(listen)'") }
        try OptionChecks.interval(interval)
        try OptionChecks.logLevel(logLevel)
    }

    func run() async throws {
        let agentConfig = try AgentConfigFile.load(config)
        let directory = dataDir ?? AgentConfig.defaultDataDir()
        let logger = LoggingBootstrap.logger(label: "virtmon", level: logLevel)
        let runtime: UpRuntime
        do {
            runtime = try await UpRuntime.build(
                dataDir: directory, listen: CollectorConfig.Endpoint(parsing: listen)!, agentConfig: agentConfig,
                interval: interval.flatMap(ConfigDuration.parse), logger: logger
            ) { url, token in
                let text = """
                    virtmon is up.
                      API          \(url)   (Ceilometer v2 under /v2, virtmon's own under /api/v1)
                      admin token  \(token)
                      data         \(directory)
                    Try:  virtmon meter list
                          virtmon statistics -m hardware.cpu.util -p 60
                          ceilometer --os-endpoint \(url) --os-token \(token) meter-list
                    Ctrl-C stops; a restart continues with the same data.

                    """
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        } catch {
            FileHandle.standardError.write(Data("virtmon: cannot start: \(error)\n".utf8))
            throw ExitCode(2)
        }
        do {
            try await runtime.run()
        } catch let error as ListenError {
            FileHandle.standardError.write(Data("virtmon: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
