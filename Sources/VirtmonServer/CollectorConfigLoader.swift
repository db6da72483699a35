import Foundation
import Yams

/// Reads the `collector:` section of a virtmon YAML file (the agent's loader reads the rest), with the same
/// file:line:column errors.
public enum CollectorConfigLoader {
    public static func load(path: String, into config: inout CollectorConfig) throws(ConfigError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, message: "cannot read: \((error as NSError).localizedDescription)")
        }
        try parse(text, file: path, into: &config)
    }

    private static func bool(_ reader: ConfigReader, _ node: Node, _ name: String) throws(ConfigError) -> Bool {
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

    public static func parse(_ text: String, file: String, into config: inout CollectorConfig) throws(ConfigError) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigError(file: file, message: "not valid YAML: \(error)")
        }
        guard let root, root.null == nil, let section = root.mapping?["collector"] else { return }
        let reader = ConfigReader(file: file)
        let keys = ["listen", "udp", "storage", "data_dir", "secret", "admin_token", "project_tokens", "retention", "maintenance_interval", "clock_window", "log_level",
                    "allow_unsigned_batches", "max_statistics_rows", "max_series_per_project", "max_metadata_bytes",
                    "max_connections", "max_connections_per_address", "header_timeout", "idle_timeout", "request_timeout", "storage_startup_timeout"]
        for (key, value) in try reader.mapping(section, "collector", known: keys) {
            switch key {
            case "listen":
                let text = try reader.string(value, "collector.listen")
                guard let endpoint = CollectorConfig.Endpoint(parsing: text) else {
                    throw reader.error(value, "collector.listen must be HOST:PORT, got '\(text)'")
                }
                config.listen = endpoint
            case "udp":
                let text = try reader.string(value, "collector.udp")
                if text == "off" || text.isEmpty {
                    config.udp = nil
                } else {
                    guard let endpoint = CollectorConfig.Endpoint(parsing: text) else {
                        throw reader.error(value, "collector.udp must be HOST:PORT or off, got '\(text)'")
                    }
                    config.udp = endpoint
                }
            case "storage":
                let text = try reader.nonEmptyString(value, "collector.storage")
                guard text.hasPrefix("sqlite://") || text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
                    throw reader.error(value, "collector.storage must be sqlite:///PATH or postgres://USER@HOST:PORT/DB")
                }
                config.storage = text
            case "data_dir": config.dataDir = try reader.nonEmptyString(value, "collector.data_dir")
            case "secret": config.secret = try reader.string(value, "collector.secret")
            case "admin_token": config.adminToken = try reader.nonEmptyString(value, "collector.admin_token")
            case "project_tokens":
                var tokens: [String: String] = [:]
                guard let mapping = value.mapping else {
                    throw reader.error(value, "collector.project_tokens must map project ids to tokens")
                }
                for (projectNode, tokenNode) in mapping {
                    guard let project = projectNode.scalar?.string, !project.isEmpty else {
                        throw reader.error(projectNode, "collector.project_tokens: project ids must be plain text")
                    }
                    tokens[try reader.nonEmptyString(tokenNode, "collector.project_tokens.\(project)")] = project
                }
                config.projectTokens = tokens
            case "retention": config.retention = try reader.duration(value, "collector.retention", minimum: .seconds(60))
            case "maintenance_interval":
                config.maintenanceInterval = try reader.duration(value, "collector.maintenance_interval", minimum: .seconds(1))
            case "clock_window": config.clockWindow = try reader.duration(value, "collector.clock_window", minimum: .seconds(1))
            case "allow_unsigned_batches": config.allowUnsignedBatches = try bool(reader, value, "collector.allow_unsigned_batches")
            case "max_statistics_rows": config.maxStatisticsRows = try count(reader, value, "collector.max_statistics_rows")
            case "max_series_per_project": config.maxSeriesPerProject = try count(reader, value, "collector.max_series_per_project")
            case "max_metadata_bytes": config.maxMetadataBytes = try count(reader, value, "collector.max_metadata_bytes")
            case "max_connections": config.connections.maxConnections = try count(reader, value, "collector.max_connections")
            case "max_connections_per_address": config.connections.maxPerAddress = try count(reader, value, "collector.max_connections_per_address")
            case "header_timeout": config.connections.headerTimeout = try reader.duration(value, "collector.header_timeout", minimum: .seconds(1))
            case "idle_timeout": config.connections.idleTimeout = try reader.duration(value, "collector.idle_timeout", minimum: .seconds(1))
            case "storage_startup_timeout":
                config.storageStartupTimeout = try reader.duration(value, "collector.storage_startup_timeout", minimum: .seconds(1))
            case "request_timeout": config.connections.requestTimeout = try reader.duration(value, "collector.request_timeout", minimum: .seconds(1))
            case "log_level":
                let level = try reader.string(value, "collector.log_level")
                guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(level) else {
                    throw reader.error(value, "collector.log_level must be trace, debug, info, notice, warning, error or critical")
                }
                config.logLevel = level
            default:
                throw reader.error(value, "collector.\(key) is not a collector setting")
            }
        }
    }
}
