import VirtmonPublishers
import Yams

extension PublisherSettings {
    /// The `publishing:` section's keys.
    enum Key: String, CaseIterable {
        case secret, batch_size, spool_max_bytes, spool_max_batches, retry_initial, retry_max, flush_timeout,
            http_timeout, file_max_bytes, file_backups
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
            }
        }
        // The policy's initializer orders and bounds the two durations read separately above.
        retry = RetryPolicy(initial: retry.initial, maximum: retry.maximum)
    }
}
