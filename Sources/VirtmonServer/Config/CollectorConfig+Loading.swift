import Logging
import VirtmonAMQP
import VirtmonCollector
import Yams

/// Reads the `collector:` section of a virtmon YAML file (`ConfigLoader` reads the agent's sections of the same
/// file), with the same file:line:column errors.
public enum CollectorConfigLoader {
    public static func load(path: String, into config: inout CollectorConfig) throws(ConfigError) {
        try parse(try ConfigDocument.read(path), file: path, into: &config)
    }

    public static func parse(_ text: String, file: String, into config: inout CollectorConfig) throws(ConfigError) {
        guard let root = try ConfigDocument.compose(text, file: file), let section = root.mapping?["collector"] else { return }
        try config.read(ConfigReader(file: file), section)
    }
}

extension CollectorConfig {
    /// The `collector:` section's keys.
    enum Key: String, CaseIterable {
        case listen, udp, storage, data_dir, secret, admin_token, project_tokens, retention, maintenance_interval,
            clock_window, log_level, allow_unsigned_batches, max_statistics_rows, max_series_per_project,
            max_metadata_bytes, max_connections, max_connections_per_address, header_timeout, idle_timeout,
            request_timeout, storage_startup_timeout, storage_timeout, alarm_evaluation_interval, amqp, ceilometer_secret,
            tls_cert, tls_key, max_failed_token_checks
    }

    mutating func read(_ reader: ConfigReader, _ node: Node) throws(ConfigError) {
        for (key, value) in try reader.mapping(node, "collector", keys: Key.self) {
            let name = "collector.\(key.rawValue)"
            switch key {
            case .listen:
                let text = try reader.string(value, name)
                guard let endpoint = Endpoint(parsing: text) else {
                    throw reader.error(value, "\(name) must be HOST:PORT, got '\(text)'")
                }
                listen = endpoint
            case .udp:
                let text = try reader.string(value, name)
                if text == "off" || text.isEmpty {
                    udp = nil
                } else {
                    guard let endpoint = Endpoint(parsing: text) else {
                        throw reader.error(value, "\(name) must be HOST:PORT or off, got '\(text)'")
                    }
                    udp = endpoint
                }
            case .storage:
                let text = try reader.nonEmptyString(value, name)
                guard text.hasPrefix("sqlite://") || text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
                    throw reader.error(value, "\(name) must be sqlite:///PATH or postgres://USER@HOST:PORT/DB")
                }
                storage = text
            case .data_dir: dataDir = try reader.nonEmptyString(value, name)
            case .secret: secret = try reader.string(value, name)
            case .admin_token: adminToken = try reader.nonEmptyString(value, name)
            case .project_tokens: projectTokens = try Self.tokens(reader, value, name)
            case .retention: retention = try reader.duration(value, name, minimum: .seconds(60))
            case .maintenance_interval: maintenanceInterval = try reader.duration(value, name, minimum: .seconds(1))
            case .clock_window: clockWindow = try reader.duration(value, name, minimum: .seconds(1))
            case .log_level: logLevel = try reader.choice(value, name, of: Logger.Level.self).rawValue
            case .allow_unsigned_batches: allowUnsignedBatches = try Self.flag(reader, value, name)
            case .max_statistics_rows: maxStatisticsRows = try Self.count(reader, value, name)
            case .max_series_per_project: maxSeriesPerProject = try Self.count(reader, value, name)
            case .max_metadata_bytes: maxMetadataBytes = try Self.count(reader, value, name)
            case .max_connections: connections.maxConnections = try Self.count(reader, value, name)
            case .max_connections_per_address: connections.maxPerAddress = try Self.count(reader, value, name)
            case .max_failed_token_checks: maxFailedTokenChecks = try Self.count(reader, value, name)
            case .header_timeout: connections.headerTimeout = try reader.duration(value, name, minimum: .seconds(1))
            case .idle_timeout: connections.idleTimeout = try reader.duration(value, name, minimum: .seconds(1))
            case .request_timeout: connections.requestTimeout = try reader.duration(value, name, minimum: .seconds(1))
            case .storage_startup_timeout: storageStartupTimeout = try reader.duration(value, name, minimum: .seconds(1))
            case .storage_timeout: storageTimeout = try reader.duration(value, name, minimum: .seconds(1))
            case .alarm_evaluation_interval: alarmEvaluationInterval = try reader.duration(value, name, minimum: .seconds(1))
            case .amqp:
                let urls = try reader.stringList(value, name)
                do throws(AMQPError) {
                    _ = try AMQPIngestSettings(urls: urls)
                } catch {
                    throw reader.error(value, "\(name): \(error)")
                }
                amqp = urls
            case .ceilometer_secret: ceilometerSecret = try reader.string(value, name)
            case .tls_cert: tlsCertificate = try reader.nonEmptyString(value, name)
            case .tls_key: tlsKey = try reader.nonEmptyString(value, name)
            }
        }
    }

    /// project id → token in the file; token → project id in the settings (requests are looked up by token).
    private static func tokens(_ reader: ConfigReader, _ node: Node, _ name: String) throws(ConfigError) -> [String: String] {
        guard let mapping = node.mapping else { throw reader.error(node, "\(name) must map project ids to tokens") }
        var tokens: [String: String] = [:]
        for (projectNode, tokenNode) in mapping {
            guard let project = projectNode.scalar?.string, !project.isEmpty else {
                throw reader.error(projectNode, "\(name): project ids must be plain text")
            }
            tokens[try reader.nonEmptyString(tokenNode, "\(name).\(project)")] = project
        }
        return tokens
    }

    /// true/yes/on or false/no/off, whatever the YAML version's reading of them.
    private static func flag(_ reader: ConfigReader, _ node: Node, _ name: String) throws(ConfigError) -> Bool {
        guard let text = node.scalar?.string else { throw reader.error(node, "\(name) must be true or false") }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw reader.error(node, "\(name) must be true or false, got '\(text)'")
        }
    }

    private static func count(_ reader: ConfigReader, _ node: Node, _ name: String) throws(ConfigError) -> Int {
        guard let text = node.scalar?.string, let value = Int(text), value > 0 else {
            throw reader.error(node, "\(name) must be a positive whole number, got '\(node.scalar?.string ?? "a list or mapping")'")
        }
        return value
    }
}

extension CollectorConfig {
    /// What is wrong with these `amqp://` URLs as one cluster's nodes, or nil.
    public static func amqpProblem(_ urls: [String]) -> String? {
        do throws(AMQPError) {
            _ = try AMQPIngestSettings(urls: urls)
            return nil
        } catch {
            return error.description
        }
    }
}

extension CollectorConfig {
    static func describe(_ key: Key) -> ConfigKey {
        let defaults = CollectorConfig(dataDir: "DATA_DIR")
        let path = "collector.\(key.rawValue)"
        return switch key {
        case .listen: ConfigKey(path, "HOST:PORT", "\(defaults.listen)", "HTTP address of the APIs, batch ingest, /healthz and /metrics.")
        case .udp: ConfigKey(path, "HOST:PORT or off", defaults.udp.map(\.description) ?? "off", "UDP address for signed batches.")
        case .storage: ConfigKey(path, "sqlite:///PATH or postgres://USER@HOST:PORT/DB", defaults.storageURL, "The store.")
        case .data_dir: ConfigKey(path, "path", "as agent.data_dir", "The database, tokens, secret and the collector lock.")
        case .secret: ConfigKey(path, "text", "", "HMAC secret agents sign with; empty accepts unsigned batches (`up` generates one into DATA_DIR/agent-secret).")
        case .admin_token: ConfigKey(path, "text", "", "Token that sees everything; default: generated once into DATA_DIR/admin-token.")
        case .project_tokens: ConfigKey(path, "project id → token", "", "Tokens that see and write one project's data.")
        case .retention: ConfigKey(path, "duration ≥ 1m", ConfigReference.text(defaults.retention), "Raw samples older than this are deleted; rollups keep their own retention.")
        case .maintenance_interval: ConfigKey(path, "duration ≥ 1s", ConfigReference.text(defaults.maintenanceInterval), "How often the store seals idle heads, checkpoints and compacts.")
        case .clock_window: ConfigKey(path, "duration ≥ 1s", ConfigReference.text(defaults.clockWindow), "How far a batch's sent_at may be from the collector's clock.")
        case .log_level: ConfigKey(path, "trace … critical", defaults.logLevel, "Least severe log line written.")
        case .allow_unsigned_batches: ConfigKey(path, "true or false", "\(defaults.allowUnsignedBatches)", "With project tokens and no secret the collector refuses to start unless this is true.")
        case .max_statistics_rows: ConfigKey(path, "positive whole number", "\(defaults.maxStatisticsRows)", "Most rows one statistics answer may hold; more is a 400 naming a period that fits.")
        case .max_series_per_project: ConfigKey(path, "positive whole number", "\(defaults.maxSeriesPerProject)", "Most series one project token's writes may create.")
        case .max_metadata_bytes: ConfigKey(path, "positive whole number", "\(defaults.maxMetadataBytes)", "Largest encoded resource_metadata of one sample.")
        case .max_connections: ConfigKey(path, "positive whole number", "\(defaults.connections.maxConnections)", "HTTP connections at once, lowered at start to the open-file limit less 256 when that is smaller.")
        case .max_connections_per_address: ConfigKey(path, "positive whole number", "\(defaults.connections.maxPerAddress)", "HTTP connections from one client address.")
        case .max_failed_token_checks: ConfigKey(path, "positive whole number", "\(defaults.maxFailedTokenChecks)", "Wrong tokens one client address may send in a minute; past it, its requests with a token are answered 429 until a minute after its oldest failure.")
        case .header_timeout: ConfigKey(path, "duration ≥ 1s", ConfigReference.text(defaults.connections.headerTimeout), "Time a client has to send a request head.")
        case .idle_timeout: ConfigKey(path, "duration ≥ 1s", ConfigReference.text(defaults.connections.idleTimeout), "An idle keep-alive connection is closed after this.")
        case .request_timeout: ConfigKey(path, "duration ≥ 1s", ConfigReference.text(defaults.connections.requestTimeout), "A query handler's deadline (then 503).")
        case .storage_startup_timeout: ConfigKey(path, "duration ≥ 1s", ConfigReference.text(defaults.storageStartupTimeout), "How long an unreachable database is retried at start before the collector exits 2.")
        case .storage_timeout: ConfigKey(path, "duration ≥ 1s", ConfigReference.text(defaults.storageTimeout), "How long one PostgreSQL statement may go unanswered (server away, restarting, overloaded) before the batch fails: HTTP answers 503, the bus requeues.")
        case .amqp: ConfigKey(path, "amqp:// URL or a list (one cluster's nodes)", "", "RabbitMQ to consume agents' batches and Ceilometer's samples from (options in docs/scaling.md); also --amqp and VIRTMON_AMQP.")
        case .ceilometer_secret: ConfigKey(path, "text", "as collector.secret", "Ceilometer's telemetry_secret, checking the per-sample signature of what Ceilometer publishes; empty accepts unsigned samples.")
        case .tls_cert: ConfigKey(path, "path", "none", "PEM certificate chain (leaf first): with `tls_key` the listener speaks HTTPS only, TLS 1.2 or later. UDP and AMQP are not covered. Env VIRTMON_TLS_CERT, flag --tls-cert.")
        case .tls_key: ConfigKey(path, "path", "none", "PEM private key of `tls_cert`, unencrypted; checked against the certificate at start. Env VIRTMON_TLS_KEY, flag --tls-key.")
        case .alarm_evaluation_interval: ConfigKey(path, "duration ≥ 1s", ConfigReference.text(defaults.alarmEvaluationInterval), "How often every enabled alarm is evaluated; a committed batch evaluates the alarms on its meters at once (docs/alarms.md).")
        }
    }
}
