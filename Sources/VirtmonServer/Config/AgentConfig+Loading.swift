import Logging
import VirtmonModel
import Yams

extension AgentConfig {
    /// The `agent:` section's keys.
    enum AgentKey: String, CaseIterable {
        case host, data_dir, interval, log_level, proc_root, sys_root, libvirt_uri
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
