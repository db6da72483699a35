import Logging
import VirtmonModel
import Yams

extension AgentConfig {
    /// The `agent:` section's keys.
    enum AgentKey: String, CaseIterable {
        case host, data_dir, interval, log_level, proc_root, sys_root, libvirt_uri, listen, metrics_timestamps
    }

    mutating func readAgentSection(_ reader: ConfigReader, _ node: Node) throws(ConfigError) {
        for (key, value) in try reader.mapping(node, "agent", keys: AgentKey.self) {
            let name = "agent.\(key.rawValue)"
            switch key {
            case .host: host = try reader.nonEmptyString(value, name)
            case .data_dir: dataDir = try reader.absolutePath(value, name)
            case .interval: interval = try reader.duration(value, name)
            case .log_level: logLevel = try reader.choice(value, name, of: Logger.Level.self).rawValue
            case .proc_root: procRoot = try reader.absolutePath(value, name)
            case .sys_root: sysRoot = try reader.absolutePath(value, name)
            case .libvirt_uri: libvirtURI = try reader.nonEmptyString(value, name)
            case .listen:
                let text = try reader.string(value, name)
                if text == "off" {
                    listen = nil
                } else {
                    guard let endpoint = CollectorConfig.Endpoint(parsing: text) else {
                        throw reader.error(value, "\(name) must be HOST:PORT or off, got '\(text)'")
                    }
                    listen = endpoint
                }
            case .metrics_timestamps: metricsTimestamps = try reader.bool(value, name)
            }
        }
    }
}

extension ConfigReader {
    /// A list of meter globs (`!` excludes).
    func selector(_ node: Node, _ name: String) throws(ConfigError) -> MeterSelector {
        let patterns = try stringList(node, name)
        do {
            return try MeterSelector(patterns)
        } catch {
            throw self.error(node, "\(name): \(error)")
        }
    }
}

extension AgentConfig {
    static func describe(_ key: AgentKey) -> ConfigKey {
        let defaults = AgentConfig.defaults()
        let path = "agent.\(key.rawValue)"
        return switch key {
        case .host: ConfigKey(path, "text", "", "Host name in every sample and batch; default: the kernel's host name (not a DNS lookup).")
        case .data_dir: ConfigKey(path, "absolute path", "", "Spools, the agent lock and sequence numbers; default `/var/lib/virtmon` for root, else `$XDG_DATA_HOME/virtmon` or `~/.local/share/virtmon`.")
        case .interval: ConfigKey(path, "duration", ConfigReference.text(defaults.interval), "How often sources poll, unless a source sets its own.")
        case .log_level: ConfigKey(path, "trace, debug, info, notice, warning, error or critical", defaults.logLevel, "Least severe log line written to standard error.")
        case .proc_root: ConfigKey(path, "absolute path", defaults.procRoot, "Where /proc is read from (a container's view of the host, or a fixture).")
        case .sys_root: ConfigKey(path, "absolute path", defaults.sysRoot, "Where /sys is read from.")
        case .libvirt_uri: ConfigKey(path, "libvirt URI or `off`", "", "libvirt connection for VM meters; default `qemu:///system` when libvirt is installed, loaded only once a daemon's socket (`/run/libvirt/libvirt-sock-ro` or `virtqemud-sock-ro`) exists, so a host without VMs does not map libvirt's ~10 MiB of libraries; `off` polls no VMs.")
        case .listen: ConfigKey(path, "HOST:PORT or off", "off", "Where the agent serves /healthz (each pollster's last run, each spool's depth) and /metrics (what it read in its latest cycle under node_exporter's and the libvirt exporter's names, and its self-metrics; docs/prometheus.md).")
        case .metrics_timestamps: ConfigKey(path, "true or false", "false", "Whether each series on /metrics carries the time of the cycle that read it (otherwise Prometheus stamps the scrape's time).")
        }
    }
}
