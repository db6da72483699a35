import VirtmonModel
import Yams

extension AgentConfig.Source {
    /// A source's keys.
    enum Key: String, CaseIterable {
        case name, interval, timeout, meters, sinks
    }

    /// The `sources:` list: at least one, each named once.
    static func readList(_ reader: ConfigReader, _ node: Node) throws(ConfigError) -> [Self] {
        guard let items = node.sequence else { throw reader.error(node, "sources must be a list") }
        var result: [Self] = []
        for item in items {
            let source = try read(reader, item)
            guard !result.contains(where: { $0.name == source.name }) else {
                throw reader.error(item, "two sources are named '\(source.name)'")
            }
            result.append(source)
        }
        guard !result.isEmpty else { throw reader.error(node, "sources must list at least one source") }
        return result
    }

    private static func read(_ reader: ConfigReader, _ node: Node) throws(ConfigError) -> Self {
        var source = Self(name: "", interval: nil, timeout: nil, meters: .all, sinks: [])
        for (key, value) in try reader.mapping(node, "a source", keys: Key.self) {
            switch key {
            case .name: source.name = try reader.nonEmptyString(value, "source name")
            case .interval: source.interval = try reader.duration(value, "source interval")
            case .timeout: source.timeout = try reader.duration(value, "source timeout")
            case .meters: source.meters = try reader.selector(value, "source meters")
            case .sinks: source.sinks = try reader.stringList(value, "source sinks")
            }
        }
        guard !source.name.isEmpty else { throw reader.error(node, "every source needs a name") }
        return source
    }
}

extension AgentConfig.Source {
    static func describe(_ key: Key) -> ConfigKey {
        let path = "sources[].\(key.rawValue)"
        return switch key {
        case .name: ConfigKey(path, "text (required)", "", "The source's name, unique in the file. Default sources: one named `host` with every meter.")
        case .interval: ConfigKey(path, "duration", "agent.interval", "How often this source polls.")
        case .timeout: ConfigKey(path, "duration", "the interval", "How long one poll may take before it is counted failed and skipped.")
        case .meters: ConfigKey(path, "glob or list of globs", "*", "Meters this source polls; a leading `!` excludes (`[\"hardware.*\", \"!hardware.cpu.*\"]`).")
        case .sinks: ConfigKey(path, "sink name or list", "every sink", "Where this source's samples go.")
        }
    }
}
