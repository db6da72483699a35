import ArgumentParser
import Foundation
import VirtmonServer

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up", abstract: "Run a collector and an agent for this host in one process (SQLite, local API).")

    @Option(name: .long, help: "Data directory: SQLite file, admin token, agent spool. Default as for the agent.")
    var dataDir: String?
    @Option(name: .long, help: "HTTP address of the API (env VIRTMON_LISTEN, then the config's collector.listen; default 127.0.0.1:8777).")
    var listen: String?
    @Option(name: .long, help: "Seconds between agent cycles (10, 2.5, 500ms, 1m).")
    var interval: String?
    @Option(name: .long, help: "YAML configuration: its agent settings and its collector: section.")
    var config: String?
    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "notice"

    /// How to run this same virtmon from the shell: `swift run virtmon` from a checkout, else the binary.
    static var selfCommand: String {
        let path = CommandLine.arguments.first ?? "virtmon"
        if path.contains("/.build/") { return "swift run virtmon" }
        return path.contains("/") ? path : "virtmon"
    }

    func validate() throws {
        if let listen, CollectorConfig.Endpoint(parsing: listen) == nil { throw ValidationError("--listen must be HOST:PORT, got '\(listen)'") }
        try OptionChecks.interval(interval)
        try OptionChecks.logLevel(logLevel)
    }

    func run() async throws {
        let agentConfig = try AgentConfigFile.load(config)
        // Flags, then environment, then the file, then defaults — as for `virtmon collector`.
        var collectorConfig = CollectorConfig(dataDir: AgentConfig.defaultDataDir())
        if let config {
            do {
                try CollectorConfigLoader.load(path: config, into: &collectorConfig)
            } catch {
                FileHandle.standardError.write(Data("virtmon: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        let environment = ProcessInfo.processInfo.environment
        let listenText = listen ?? environment["VIRTMON_LISTEN"] ?? collectorConfig.listen.description
        guard let endpoint = CollectorConfig.Endpoint(parsing: listenText) else {
            FileHandle.standardError.write(Data("virtmon: VIRTMON_LISTEN must be HOST:PORT, got '\(listenText)'\n".utf8))
            throw ExitCode(2)
        }
        let directory = dataDir ?? environment["VIRTMON_DATA_DIR"] ?? AgentConfig.defaultDataDir()
        let logger = LoggingBootstrap.logger(label: "virtmon", level: logLevel)
        let runtime: UpRuntime
        do {
            runtime = try await UpRuntime.build(
                dataDir: directory, listen: endpoint, agentConfig: agentConfig,
                interval: interval.flatMap(ConfigDuration.parse), logger: logger, collectorConfig: collectorConfig
            ) { url, token in
                let text = """
                    virtmon is up.
                      dashboard    \(url)/   (sign in with the admin token)
                      API          \(url)   (Ceilometer v2 under /v2, virtmon's own under /api/v1)
                      admin token  \(token)
                      data         \(directory)
                      agent secret \((directory as NSString).appendingPathComponent("agent-secret"))
                    An agent on another host (with publishing.secret set to that file's contents):
                          virtmon agent --publisher \(url)/api/v1/batches --config agent.yaml
                    Try:  \(UpCommand.selfCommand) meter list
                          \(UpCommand.selfCommand) statistics -m hardware.cpu.util -p 60
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
