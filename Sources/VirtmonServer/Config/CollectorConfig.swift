import Foundation

/// The collector's settings. Precedence: command-line flag, then environment variable, then the config
/// file's `collector:` section, then these defaults.
public struct CollectorConfig: Sendable, Equatable {
    /// HTTP address for the APIs and batch ingest.
    public var listen = Endpoint(host: "127.0.0.1", port: 8777)
    /// PEM certificate chain and private key: with both, the HTTP listener speaks only HTTPS.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// UDP address for batches, or nil for none.
    public var udp: Endpoint? = Endpoint(host: "127.0.0.1", port: 4952)
    /// `sqlite:///PATH` or `postgres://…`; nil means SQLite at DATA_DIR/virtmon.db.
    public var storage: String?
    public var dataDir: String
    /// Shared HMAC secret agents sign with; empty accepts unsigned batches.
    public var secret = ""
    /// Ceilometer's `telemetry_secret`, for the per-sample signatures of what Ceilometer publishes; nil uses
    /// `secret`, empty accepts unsigned Ceilometer samples (as Ceilometer does).
    public var ceilometerSecret: String?
    /// RabbitMQ to consume from: `amqp://` URLs naming the nodes of one cluster (options on the first); empty
    /// for none.
    public var amqp: [String] = []
    /// nil: generated once and kept in DATA_DIR/admin-token.
    public var adminToken: String?
    /// token → project id.
    public var projectTokens: [String: String] = [:]
    /// Wrong tokens one client address may present per minute before its token checks answer 429.
    public var maxFailedTokenChecks = 20
    /// Samples older than this are deleted (checked hourly).
    public var retention: Duration = .seconds(30 * 86_400)
    /// How often the store seals idle heads, checkpoints and compacts.
    public var maintenanceInterval: Duration = .seconds(60)
    /// How often every enabled alarm is evaluated (batches evaluate the alarms on their meters at once).
    public var alarmEvaluationInterval: Duration = .seconds(10)
    /// How far a batch's sent_at may be from this clock.
    public var clockWindow: Duration = .seconds(300)
    /// How long an unreachable or refusing database is retried at start before the collector gives up.
    public var storageStartupTimeout: Duration = .seconds(30)
    /// How long one PostgreSQL statement may go unanswered (server away or overloaded) before it fails.
    public var storageTimeout: Duration = .seconds(30)
    public var logLevel = "info"
    /// With project tokens and no secret anyone could post batches into any project: refused at start
    /// unless this is set, and warned about loudly when it is.
    public var allowUnsignedBatches = false
    /// Most rows one statistics query may produce.
    public var maxStatisticsRows = 100_000
    /// Most series one project token's posts may create.
    public var maxSeriesPerProject = 10_000
    /// Largest resource_metadata of one sample, encoded.
    public var maxMetadataBytes = 8 * 1024
    /// Connection bounds (timeouts and caps) of the HTTP listener.
    public var connections = CollectorConfig.defaultConnections

    public init(dataDir: String) {
        self.dataDir = dataDir
    }

    /// A host and port, parsed from `HOST:PORT` (or `[v6]:PORT`).
    public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public init?(parsing text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
            else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { return nil }
            self.init(host: host, port: port)
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// The HTTP listener's defaults; see `ConnectionLimits`.
    public static let defaultConnections = ConnectionSettings()

    /// The configurable part of the listener's connection bounds.
    public struct ConnectionSettings: Sendable, Equatable {
        public var maxConnections = 4096
        public var maxPerAddress = 256
        public var headerTimeout: Duration = .seconds(10)
        public var idleTimeout: Duration = .seconds(120)
        public var requestTimeout: Duration = .seconds(60)
    }

    /// Refuses settings that would leave the collector open or unusable, saying which.
    public func validate() throws(ConfigError) {
        if !projectTokens.isEmpty && secret.isEmpty && !allowUnsignedBatches {
            throw ConfigError(file: "collector", message: "project tokens are configured but no agent secret: anyone could post batches into any project. Set collector.secret (VIRTMON_SECRET, --secret) or, to accept unsigned batches anyway, collector.allow_unsigned_batches: true")
        }
        guard maxStatisticsRows >= 1 else { throw ConfigError(file: "collector", message: "max_statistics_rows must be at least 1") }
        guard maxSeriesPerProject >= 1 else { throw ConfigError(file: "collector", message: "max_series_per_project must be at least 1") }
        guard maxMetadataBytes >= 2 else { throw ConfigError(file: "collector", message: "max_metadata_bytes must be at least 2") }
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw ConfigError(file: "collector", message: "collector.tls_cert (--tls-cert, VIRTMON_TLS_CERT) and collector.tls_key (--tls-key, VIRTMON_TLS_KEY) go together: \(tlsCertificate == nil ? "the key is set without a certificate" : "the certificate is set without its key")")
        }
        guard connections.maxConnections >= 16, connections.maxPerAddress >= 1 else {
            throw ConfigError(file: "collector", message: "max_connections must be at least 16 and max_connections_per_address at least 1")
        }
    }

    /// The storage URL in effect.
    public var storageURL: String { storage ?? "sqlite://\((dataDir as NSString).appendingPathComponent("virtmon.db"))" }
}
