import Foundation
import Logging
import NIOSSL
import ServiceLifecycle
import VirtmonAMQP
import Synchronization
import VirtmonAPI
import VirtmonCollector
import VirtmonModel
import VirtmonNetwork
import VirtmonStorage
import VirtmonStoragePostgres
import VirtmonStorageSQLite

/// The collector, assembled: storage opened and migrated, ingest, the HTTP API and UDP receiver as services.
public struct CollectorRuntime: Sendable {
    public let config: CollectorConfig
    public let storage: any Storage
    public let ingestor: Ingestor
    public let adminToken: String
    /// Alarms: evaluated as batches commit and on a timer; their notifications delivered with retries.
    public let alarms: AlarmEvaluator
    public let notifier: AlarmNotifier
    /// RabbitMQ to consume from, when configured.
    let amqp: AMQPIngestSettings?
    /// The HTTPS listener's certificate and key, when configured.
    let tls: TLSConfiguration?
    /// This process's claim on the data dir, held as long as the runtime is.
    public let dataDirLock: DataDirLock
    /// With PostgreSQL, this collector's membership of the collectors sharing the database, and whether it
    /// holds the fleet's housekeeping duty.
    let membership: PostgresFleetMembership?
    let logger: Logger
    /// Called with the bound HTTP and UDP ports (useful with port 0).
    let onBound: @Sendable (_ http: Int?, _ udp: Int?) -> Void
    let boundPorts = BoundPorts()

    /// Opens the store named by the config; errors say which store and why.
    public static func build(
        config: CollectorConfig, logger: Logger, purpose: String = "virtmon collector",
        onBound: @escaping @Sendable (_ http: Int?, _ udp: Int?) -> Void = { _, _ in }
    ) async throws -> CollectorRuntime {
        do {
            try config.validate()
        } catch {
            throw CollectorStartError(message: error.message)
        }
        if !config.projectTokens.isEmpty && config.secret.isEmpty {
            logger.warning("UNSIGNED BATCHES ACCEPTED: project tokens are configured but no agent secret is; anyone who can reach the ingest port can store samples under any project (collector.allow_unsigned_batches is true)")
        }
        // Before anything is opened: a certificate problem is a start-up error in words, not a failed handshake later.
        let tls: TLSConfiguration?
        if let certificate = config.tlsCertificate, let key = config.tlsKey {
            do {
                tls = try TLSFiles.server(certificate: certificate, key: key, setting: "collector.tls_cert/tls_key:")
            } catch {
                throw CollectorStartError(message: "\(error)")
            }
        } else {
            tls = nil
        }
        let lock = try DataDirLock.acquire(config.dataDir, role: .collector, purpose: purpose)
        let url = config.storageURL
        let membership = url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")
            ? try await PostgresFleetMembership.acquire(url: url, purpose: purpose, logger: logger, timeout: config.storageStartupTimeout) : nil
        let storage: any Storage
        do {
            storage = try await openStorage(url, logger: logger, startupTimeout: config.storageStartupTimeout, statementTimeout: config.storageTimeout)
        } catch {
            await membership?.release()
            throw error
        }
        let adminToken = try config.adminToken ?? SecretFile.loadOrCreate(path: (config.dataDir as NSString).appendingPathComponent("admin-token"))
        var limits = IngestLimits()
        limits.clockWindow = config.clockWindow.inSeconds
        limits.maxMetadataBytes = config.maxMetadataBytes
        limits.maxSeriesPerProject = config.maxSeriesPerProject
        let ingestor = Ingestor(storage: storage, secret: config.secret, limits: limits, logger: logger)
        let notifier = AlarmNotifier(store: storage, metrics: ingestor.counters.metrics, logger: logger)
        let alarms = AlarmEvaluator(storage: storage, notifier: notifier, interval: config.alarmEvaluationInterval,
                                    metrics: ingestor.counters.metrics, logger: logger,
                                    onDuty: { membership?.holdsDuty ?? true })
        ingestor.onCommit { batch in alarms.committed(batch.samples, events: batch.events) }
        let amqp: AMQPIngestSettings?
        do {
            amqp = config.amqp.isEmpty ? nil : try AMQPIngestSettings(urls: config.amqp)
        } catch {
            await storage.close()
            await membership?.release()
            throw CollectorStartError(message: "collector.amqp: \(error)")
        }
        return CollectorRuntime(
            config: config, storage: storage, ingestor: ingestor, adminToken: adminToken, alarms: alarms, notifier: notifier,
            amqp: amqp, tls: tls, dataDirLock: lock, membership: membership, logger: logger, onBound: onBound)
    }

    /// Whether this collector runs the housekeeping: always on its own, one member at a time in a fleet.
    public var holdsFleetDuty: Bool { membership?.holdsDuty ?? true }

    /// For a PostgreSQL `url`, takes the database for this process alone and returns what gives it up; nil for
    /// other stores. Throws, naming them, while collectors use the database.
    public static func claimDatabase(_ url: String, purpose: String, logger: Logger, timeout: Duration) async throws -> (@Sendable () async -> Void)? {
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else { return nil }
        let lock = try await PostgresFleetMembership.acquire(url: url, purpose: purpose, role: .exclusive, logger: logger, timeout: timeout)
        return { await lock.release() }
    }

    /// `sqlite:///PATH` or `postgres://…`.
    public static func openStorage(_ url: String, logger: Logger, startupTimeout: Duration = .seconds(30),
                                   statementTimeout: Duration? = nil) async throws -> any Storage {
        try await openChunkStore(url, logger: logger, startupTimeout: startupTimeout, statementTimeout: statementTimeout)
    }

    /// The same, as the engine itself (for the storage command's housekeeping and figures).
    public static func openChunkStore(_ url: String, logger: Logger, startupTimeout: Duration = .seconds(30),
                                      statementTimeout: Duration? = nil) async throws -> ChunkStore {
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard path.hasPrefix("/") else {
                throw StorageURLError(url: url, reason: "needs an absolute path: sqlite:///var/lib/virtmon/virtmon.db")
            }
            return try await reportingDamage(in: SQLiteChunkBackend.open(path: path), at: path, logger: logger)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return try await reportingDamage(
                in: PostgresChunkBackend.open(url: url, logger: logger, startupTimeout: startupTimeout, statementTimeout: statementTimeout),
                at: StorageURL.redacted(url), logger: logger)
        }
        throw StorageURLError(url: url, reason: "unknown storage; use sqlite:///PATH or postgres://USER@HOST:PORT/DATABASE")
    }

    /// Says each record the store skipped at start-up because it could not be read back, so that an operator
    /// learns what was lost and where instead of finding a collector that will not start.
    static func reportingDamage(in store: ChunkStore, at location: String, logger: Logger) async -> ChunkStore {
        let damaged = await store.damagedRecords
        for record in damaged.prefix(20) {
            logger.error("damaged record skipped at start-up; the samples it held that were not yet sealed are missing, everything else is readable",
                         metadata: ["storage": "\(location)", "record": "\(record)"])
        }
        if damaged.count > 20 {
            logger.error("more damaged records skipped at start-up", metadata: ["storage": "\(location)", "more": "\(damaged.count - 20)"])
        }
        return store
    }

    /// The collector's services, in start order.
    public func serviceConfigurations() throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var environment = APIEnvironment(
            storage: storage, ingestor: ingestor,
            tokens: TokenTable(adminToken: adminToken, projectTokens: config.projectTokens), logger: logger)
        environment.maxStatisticsRows = config.maxStatisticsRows
        environment.authFailures = AuthFailureLimiter(limit: config.maxFailedTokenChecks)
        let evaluator = alarms
        environment.alarmsChanged = { evaluator.alarmsChanged() }
        var limits = ConnectionLimits()
        limits.maxConnections = config.connections.maxConnections
        limits.maxPerAddress = config.connections.maxPerAddress
        limits.headerTimeout = config.connections.headerTimeout.inSeconds
        limits.idleTimeout = config.connections.idleTimeout.inSeconds
        limits.requestTimeout = config.connections.requestTimeout.inSeconds
        let (descriptors, connections) = limits.fitDescriptorLimit()
        if connections < config.connections.maxConnections {
            logger.notice("HTTP connections capped at \(connections) by the open-file limit (\(descriptors)); raise LimitNOFILE / ulimit -n for more")
        }
        environment.connections = limits
        let ports = boundPorts
        let notify = onBound
        let expectsUDP = config.udp != nil
        if expectsUDP {
            environment.udpDrops = { ports.udp.flatMap { UDPSocketDrops.count(port: $0) } }
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // First, so that it is shut down last.
        if let membership {
            services.append(.init(service: membership, serviceName: "fleet membership"))
            services.append(.init(service: PeerFollowService(storage: storage, logger: logger), serviceName: "peer follower"))
        }
        let onDuty: @Sendable () -> Bool = { [membership] in membership?.holdsDuty ?? true }
        services += [
            .init(service: RetentionService(storage: storage, retention: config.retention, logger: logger, onDuty: onDuty), serviceName: "retention"),
            .init(service: MaintenanceService(storage: storage, logger: logger, every: config.maintenanceInterval, onDuty: onDuty), serviceName: "maintenance"),
            .init(service: notifier, serviceName: "alarm notifier"),
            .init(service: alarms, serviceName: "alarm evaluator"),
        ]
        let ceilometer = CeilometerIngest(ingestor: ingestor, secret: config.ceilometerSecret ?? config.secret)
        if let settings = amqp {
            services.append(.init(
                service: AMQPIngestService(settings: settings, ingestor: ingestor, ceilometer: ceilometer, logger: logger),
                serviceName: "amqp"))
        }
        if let udp = config.udp {
            services.append(.init(
                service: UDPIngestService(host: udp.host, port: udp.port, ingestor: ingestor, ceilometer: ceilometer, logger: logger) { port in
                    if let (http, udp) = ports.set(udp: port, expectsUDP: expectsUDP) { notify(http, udp) }
                },
                serviceName: "udp"))
        }
        let listen = config.listen
        let logger = self.logger
        services.append(.init(
            service: try APIServer.application(environment, host: listen.host, port: listen.port, tls: tls) { [tls] port in
                let scheme = tls == nil ? "http" : "https"
                logger.notice("collector API listening", metadata: ["url": "\(scheme)://\(CollectorConfig.Endpoint(host: listen.host, port: port))"])
                if let (http, udp) = ports.set(http: port, expectsUDP: expectsUDP) { notify(http, udp) }
            },
            serviceName: "http"))
        return services
    }

    /// Runs until SIGINT/SIGTERM, then closes the store.
    public func run() async throws {
        logger.notice("virtmon collector starting", metadata: [
            "storage": "\(StorageURL.redacted(config.storageURL))", "listen": "\(config.listen)",
            "udp": "\(config.udp.map(\.description) ?? "off")",
            "amqp": "\(amqp.map(\.address.description) ?? "off")", "signed": "\(!config.secret.isEmpty)",
            "tls": "\(tls != nil)",
        ])
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: try serviceConfigurations(), gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await close()
            throw ListenError.describe(error, listen: config.listen, udp: config.udp)
        }
        await close()
    }

    /// Checkpoints and closes the store, then gives up the database lock (after the store's last write).
    public func close() async {
        // In a fleet the stop's checkpoint is housekeeping like any other: the duty's holder does it. The
        // others' unsealed samples are in the shared write-ahead records, which every member holds in its heads.
        guard membership?.holdsDuty ?? true else {
            await storage.close()
            await membership?.release()
            return
        }
        do {
            let report = try await storage.checkpointForStop()
            logger.info("storage checkpointed for the stop", metadata: [
                "sealed": "\(report.sealedChunks)", "reclaimed_bytes": "\(report.reclaimedBytes)",
            ])
        } catch {
            // Nothing is lost: the records stay and the next start replays them, as after a crash.
            logger.error("could not checkpoint the storage at the stop; the next start replays its write-ahead records", metadata: ["error": "\(error)"])
        }
        await storage.close()
        await membership?.release()
    }
}

/// A collector that cannot start as configured, with what to change.
public struct CollectorStartError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Collects the bound ports until both are known, then reports them once.
final class BoundPorts: Sendable {
    private let state = Mutex<(http: Int?, udp: Int?, reported: Bool)>((nil, nil, false))

    var udp: Int? { state.withLock { $0.udp } }

    func set(http: Int? = nil, udp: Int? = nil, expectsUDP: Bool) -> (Int?, Int?)? {
        state.withLock { value in
            if let http { value.http = http }
            if let udp { value.udp = udp }
            guard !value.reported, value.http != nil, value.udp != nil || !expectsUDP else { return nil }
            value.reported = true
            return (value.http, value.udp)
        }
    }
}
