import Logging
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
            request_timeout, storage_startup_timeout
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
            case .header_timeout: connections.headerTimeout = try reader.duration(value, name, minimum: .seconds(1))
            case .idle_timeout: connections.idleTimeout = try reader.duration(value, name, minimum: .seconds(1))
            case .request_timeout: connections.requestTimeout = try reader.duration(value, name, minimum: .seconds(1))
            case .storage_startup_timeout: storageStartupTimeout = try reader.duration(value, name, minimum: .seconds(1))
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
