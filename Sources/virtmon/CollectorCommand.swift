import ArgumentParser
import Foundation
import VirtmonServer

struct CollectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collector", abstract: "Receive, verify and store samples; serve the query APIs.")

    @Option(name: .long, help: "YAML configuration file; its collector: section is read.")
    var config: String?
    @Option(name: .long, help: "HTTP address for the APIs and batch ingest (env VIRTMON_LISTEN). Default 127.0.0.1:8777.")
    var listen: String?
    @Option(name: .long, help: "UDP address for batches, or off (env VIRTMON_UDP). Default 127.0.0.1:4952.")
    var udp: String?
    @Option(name: .long, help: "sqlite:///PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DB (env VIRTMON_STORAGE). Default SQLite in the data dir.")
    var storage: String?
    @Option(name: .long, help: "Directory for the SQLite file and the generated admin token (env VIRTMON_DATA_DIR).")
    var dataDir: String?
    @Option(name: .long, help: "Shared secret agents sign batches with; unsigned batches are refused when set (env VIRTMON_SECRET).")
    var secret: String?
    @Option(name: .long, help: "Admin API token (env VIRTMON_ADMIN_TOKEN). Default: generated once into DATA_DIR/admin-token.")
    var adminToken: String?
    @Option(name: .long, help: "RabbitMQ to consume from: amqp://USER:PASSWORD@HOST:5672/VHOST; repeat for the nodes of a cluster (env VIRTMON_AMQP, space-separated).")
    var amqp: [String] = []
    @Option(name: .long, help: "PEM certificate chain for HTTPS on the listen address (env VIRTMON_TLS_CERT); needs --tls-key.")
    var tlsCert: String?
    @Option(name: .long, help: "PEM private key of --tls-cert (env VIRTMON_TLS_KEY).")
    var tlsKey: String?
    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    func validate() throws {
        try OptionChecks.logLevel(logLevel)
    }

    func run() async throws {
        let config = try CollectorOptions.resolve(
            file: config, listen: listen, udp: udp, storage: storage, dataDir: dataDir, secret: secret, adminToken: adminToken,
            amqp: amqp, tlsCertificate: tlsCert, tlsKey: tlsKey, logLevel: logLevel)
        let logger = LoggingBootstrap.logger(label: "virtmon.collector", level: config.logLevel)
        let runtime: CollectorRuntime
        do {
            runtime = try await CollectorRuntime.build(config: config, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("virtmon: cannot start the collector: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if config.adminToken == nil {
            logger.notice("admin token in \((config.dataDir as NSString).appendingPathComponent("admin-token"))")
        }
        do {
            try await runtime.run()
        } catch let error as ListenError {
            FileHandle.standardError.write(Data("virtmon: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// Merges flags, environment and file into a CollectorConfig, failing with exit 2 and a clear message.
enum CollectorOptions {
    static func resolve(
        file: String?, listen: String?, udp: String?, storage: String?, dataDir: String?, secret: String?, adminToken: String?,
        amqp: [String] = [], tlsCertificate: String? = nil, tlsKey: String? = nil, logLevel: String?
    ) throws -> CollectorConfig {
        let environment = ProcessInfo.processInfo.environment
        var config = CollectorConfig(dataDir: AgentConfig.defaultDataDir())
        if let file {
            do {
                try CollectorConfigLoader.load(path: file, into: &config)
            } catch {
                fail("\(error)")
            }
        }
        if let value = listen ?? environment["VIRTMON_LISTEN"] {
            guard let endpoint = CollectorConfig.Endpoint(parsing: value) else { fail("--listen must be HOST:PORT, got '\(value)'") }
            config.listen = endpoint
        }
        if let value = udp ?? environment["VIRTMON_UDP"] {
            if value == "off" {
                config.udp = nil
            } else {
                guard let endpoint = CollectorConfig.Endpoint(parsing: value) else { fail("--udp must be HOST:PORT or off, got '\(value)'") }
                config.udp = endpoint
            }
        }
        if let value = storage ?? environment["VIRTMON_STORAGE"] { config.storage = value }
        if let value = dataDir ?? environment["VIRTMON_DATA_DIR"] { config.dataDir = value }
        if let value = secret ?? environment["VIRTMON_SECRET"] { config.secret = value }
        if let value = adminToken ?? environment["VIRTMON_ADMIN_TOKEN"] { config.adminToken = value }
        let brokers = amqp.isEmpty ? (environment["VIRTMON_AMQP"]?.split(separator: " ").map(String.init) ?? []) : amqp
        if !brokers.isEmpty {
            if let problem = CollectorConfig.amqpProblem(brokers) { fail("--amqp: \(problem)") }
            config.amqp = brokers
        }
        if let value = tlsCertificate ?? environment["VIRTMON_TLS_CERT"] { config.tlsCertificate = value }
        if let value = tlsKey ?? environment["VIRTMON_TLS_KEY"] { config.tlsKey = value }
        if let logLevel { config.logLevel = logLevel }
        return config
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("virtmon: \(message)\n".utf8))
        Foundation.exit(2)
    }
}
