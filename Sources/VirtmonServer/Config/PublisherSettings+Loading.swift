import VirtmonPublishers
import Yams

extension PublisherSettings {
    /// The `publishing:` section's keys.
    enum Key: String, CaseIterable {
        case secret, batch_size, spool_max_bytes, spool_max_batches, retry_initial, retry_max, flush_timeout,
            http_timeout, file_max_bytes, file_backups, tls_ca
    }

    mutating func read(_ reader: ConfigReader, _ node: Node) throws(ConfigError) {
        for (key, value) in try reader.mapping(node, "publishing", keys: Key.self) {
            let name = "publishing.\(key.rawValue)"
            switch key {
            case .secret: secret = try reader.string(value, name)
            case .batch_size: batchSize = try reader.integer(value, name, range: 1...100_000)
            case .spool_max_bytes: spoolMaxBytes = try reader.size(value, name)
            case .spool_max_batches: spoolMaxBatches = try reader.integer(value, name, range: 1...10_000_000)
            case .retry_initial: retry.initial = try reader.duration(value, name)
            case .retry_max: retry.maximum = try reader.duration(value, name)
            case .flush_timeout: flushTimeout = try reader.duration(value, name, minimum: .zero)
            case .http_timeout: httpTimeout = try reader.duration(value, name)
            case .file_max_bytes: fileMaxBytes = try reader.size(value, name)
            case .file_backups: fileBackups = try reader.integer(value, name, range: 0...1000)
            case .tls_ca: tlsCA = try reader.nonEmptyString(value, name)
            }
        }
        // The policy's initializer orders and bounds the two durations read separately above.
        retry = RetryPolicy(initial: retry.initial, maximum: retry.maximum)
    }
}

extension PublisherSettings {
    static func describe(_ key: Key) -> ConfigKey {
        let defaults = PublisherSettings(dataDir: "")
        let path = "publishing.\(key.rawValue)"
        return switch key {
        case .secret: ConfigKey(path, "text", "", "HMAC-SHA256 secret batches are signed with; must match the collector's (`up` keeps it in DATA_DIR/agent-secret). Empty sends unsigned batches.")
        case .batch_size: ConfigKey(path, "1–100000", "\(defaults.batchSize)", "Samples per batch at the most.")
        case .spool_max_bytes: ConfigKey(path, "size", ConfigReference.text(bytes: defaults.spoolMaxBytes), "Disk one destination's spool may use while it is away; the oldest batches are dropped (and counted) past it.")
        case .spool_max_batches: ConfigKey(path, "1–10000000", "\(defaults.spoolMaxBatches)", "Batches one spool may hold.")
        case .retry_initial: ConfigKey(path, "duration", ConfigReference.text(defaults.retry.initial), "First wait after a failed send; doubles per failure.")
        case .retry_max: ConfigKey(path, "duration", ConfigReference.text(defaults.retry.maximum), "Longest wait between sends to a failing destination.")
        case .flush_timeout: ConfigKey(path, "duration", ConfigReference.text(defaults.flushTimeout), "How long a stopping agent keeps sending spooled batches.")
        case .http_timeout: ConfigKey(path, "duration", ConfigReference.text(defaults.httpTimeout), "One HTTP send's deadline.")
        case .file_max_bytes: ConfigKey(path, "size", ConfigReference.text(bytes: defaults.fileMaxBytes), "Size at which `file://` output rotates.")
        case .file_backups: ConfigKey(path, "0–1000", "\(defaults.fileBackups)", "Rotated `file://` files kept.")
        case .tls_ca: ConfigKey(path, "path", "the system's", "PEM certificate authorities that https:// destinations' certificates must chain to, instead of the system's trust store; the host name is always checked. Env VIRTMON_TLS_CA.")
        }
    }
}
