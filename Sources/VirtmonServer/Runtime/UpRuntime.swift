import Foundation
import Logging
import ServiceLifecycle
import VirtmonModel

/// `virtmon up`: a collector on SQLite in the data dir and an agent polling this host publishing to it over
/// signed HTTP, in one process. The admin token and the agent secret are generated once and kept.
public struct UpRuntime: Sendable {
    let collector: CollectorRuntime
    let agent: AgentRuntime
    let logger: Logger

    public static func build(
        dataDir: String, listen: CollectorConfig.Endpoint, agentConfig: AgentConfig, interval: Duration?, logger: Logger,
        collectorConfig: CollectorConfig? = nil,
        onReady: @escaping @Sendable (_ url: String, _ token: String) -> Void
    ) async throws -> UpRuntime {
        // The data dir first: a second `up` on it stops here, before it writes anything or starts an agent.
        let lock = try DataDirLock.acquire(dataDir, role: .collector, purpose: "virtmon up")
        // The config file's collector section applies (retention, bounds, project tokens); up decides the
        // data dir, the address, no UDP, and its own generated secret and token.
        var config = collectorConfig ?? CollectorConfig(dataDir: dataDir)
        config.dataDir = dataDir
        config.storage = nil
        config.listen = listen
        config.udp = nil
        config.secret = try SecretFile.loadOrCreate(path: (dataDir as NSString).appendingPathComponent("agent-secret"))
        // The same file the collector would generate it into, read here so the ready message can name it.
        let token = try SecretFile.loadOrCreate(path: (dataDir as NSString).appendingPathComponent("admin-token"))
        config.adminToken = token
        let collector = try await CollectorRuntime.build(config: config, logger: logger, purpose: "virtmon up") { http, _ in
            onReady("http://\(CollectorConfig.Endpoint(host: listen.host, port: http ?? listen.port))", token)
        }
        var agentConfig = agentConfig
        agentConfig.publishing.secret = config.secret
        // The agent's spool makes start-up order irrelevant: batches wait until the API is listening.
        let options = AgentOptions(
            publishers: ["http://\(listen)/api/v1/batches"], interval: interval, dataDir: (dataDir as NSString).appendingPathComponent("agent"))
        let agent = try await AgentRuntime.build(config: agentConfig, options: options, logger: logger)
        withExtendedLifetime(lock) {}  // the collector holds the same lock from here on
        return UpRuntime(collector: collector, agent: agent, logger: logger)
    }

    /// Runs both until SIGINT/SIGTERM. The agent's services come last so they stop first and flush into the
    /// collector, which stops after them.
    public func run() async throws {
        agent.logStart()
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: try collector.serviceConfigurations() + agent.serviceConfigurations(),
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await collector.close()
            throw ListenError.describe(error, listen: collector.config.listen, udp: collector.config.udp)
        }
        await collector.close()
    }
}
