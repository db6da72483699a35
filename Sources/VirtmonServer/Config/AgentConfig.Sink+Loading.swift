import VirtmonPublishers
import Yams

extension AgentConfig.Sink {
    /// A sink's keys.
    enum Key: String, CaseIterable {
        case name, transformers, publishers
    }

    /// The `sinks:` list: at least one, each named once, each with a publisher URL the factory knows.
    static func readList(_ reader: ConfigReader, _ node: Node) throws(ConfigError) -> [Self] {
        guard let items = node.sequence else { throw reader.error(node, "sinks must be a list") }
        var result: [Self] = []
        for item in items {
            let sink = try read(reader, item)
            guard !result.contains(where: { $0.name == sink.name }) else {
                throw reader.error(item, "two sinks are named '\(sink.name)'")
            }
            result.append(sink)
        }
        guard !result.isEmpty else { throw reader.error(node, "sinks must list at least one sink") }
        return result
    }

    private static func read(_ reader: ConfigReader, _ node: Node) throws(ConfigError) -> Self {
        var sink = Self(name: "", transformers: [], publishers: [])
        var publishersNode: Node?
        for (key, value) in try reader.mapping(node, "a sink", keys: Key.self) {
            switch key {
            case .name: sink.name = try reader.nonEmptyString(value, "sink name")
            case .transformers:
                guard let list = value.sequence else { throw reader.error(value, "transformers must be a list") }
                for transformer in list { sink.transformers.append(try AgentConfig.TransformerSpec.read(reader, transformer)) }
            case .publishers:
                sink.publishers = try reader.stringList(value, "sink publishers")
                publishersNode = value
            }
        }
        guard !sink.name.isEmpty else { throw reader.error(node, "every sink needs a name") }
        guard !sink.publishers.isEmpty else {
            throw reader.error(publishersNode ?? node, "sink '\(sink.name)' needs at least one publisher URL")
        }
        for url in sink.publishers {
            do {
                try PublisherFactory.validate(url)
            } catch {
                throw reader.error(publishersNode, "\(error)")
            }
        }
        return sink
    }
}

extension AgentConfig.Sink {
    static func describe(_ key: Key) -> ConfigKey {
        let path = "sinks[].\(key.rawValue)"
        return switch key {
        case .name: ConfigKey(path, "text (required)", "", "The sink's name, unique in the file. Default: one sink `default` with the rate transformer below and `log://`.")
        case .transformers: ConfigKey(path, "list", "", "Steps applied in order before publishing (keys below).")
        case .publishers: ConfigKey(path, "URL or list (required)", "log://", "Destinations: `http(s)://HOST:PORT/api/v1/batches`, `udp://HOST:PORT`, `amqp://USER:PASS@HOST:5672/VHOST` (RabbitMQ, confirmed; docs/scaling.md), `file:///PATH`, `log://`.")
        }
    }
}
