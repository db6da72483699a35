import Foundation
import Yams

/// Reads the agent's YAML configuration file over the defaults. Unknown keys and bad values are refused with
/// the file, line, column and reason. Each section is read beside the type it fills
/// (`AgentConfig+Loading`, `MonitorConfig+Loading`, `PublisherSettings+Loading`, …); the `collector:` section
/// is `CollectorConfigLoader`'s.
///
/// ```yaml
/// agent:
///   host: node1              # default: the kernel's host name
///   data_dir: /var/lib/virtmon
///   interval: 10s
///   log_level: info
///   proc_root: /proc
///   sys_root: /sys
/// sources:
///   - name: host
///     meters: ["hardware.*", "!hardware.system_stats.uptime"]
///     interval: 30s
///     sinks: [default]
/// sinks:
///   - name: default
///     transformers:
///       - type: rate_of_change
///         meters: ["hardware.network.*.bytes"]
///         target: {name: "{name}.rate", unit: "B/s"}
///     publishers: ["http://127.0.0.1:8777/api/v1/batches"]
/// publishing:
///   secret: change-me
///   batch_size: 500
///   spool_max_bytes: 256MiB
/// ```
public enum ConfigLoader {
    /// The file's top-level sections.
    enum Section: String, CaseIterable {
        case agent, sources, sinks, publishing, monitors, collector
    }

    /// Loads `path`; a missing or unreadable file is an error (only no path at all means defaults).
    public static func load(path: String) throws(ConfigError) -> AgentConfig {
        try parse(try ConfigDocument.read(path), file: path)
    }

    /// Parses YAML text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> AgentConfig {
        var config = AgentConfig.defaults()
        guard let root = try ConfigDocument.compose(text, file: file) else { return config }
        let reader = ConfigReader(file: file)
        for (section, value) in try reader.mapping(root, "the file", keys: Section.self) {
            switch section {
            case .agent: try config.readAgentSection(reader, value)
            case .sources: config.sources = try AgentConfig.Source.readList(reader, value)
            case .sinks: config.sinks = try AgentConfig.Sink.readList(reader, value)
            case .publishing: try config.publishing.read(reader, value)
            case .monitors: config.monitors = try MonitorConfig.read(reader, value)
            case .collector: continue  // CollectorConfigLoader reads it; one file may configure both for `virtmon up`.
            }
        }
        config.publishing.dataDir = config.dataDir
        try crossCheck(config, reader: reader, root: root)
        return config
    }

    /// Checks that need the whole file: sources name sinks that exist.
    private static func crossCheck(_ config: AgentConfig, reader: ConfigReader, root: Node) throws(ConfigError) {
        let sinkNames = Set(config.sinks.map(\.name))
        for source in config.sources {
            for sink in source.sinks where !sinkNames.contains(sink) {
                throw reader.error(root["sources"],
                                   "source '\(source.name)' names sink '\(sink)', which is not defined; sinks: "
                                   + sinkNames.sorted().joined(separator: ", "))
            }
        }
    }
}
