/// A few lines on what a configuration sets up, for `virtmon config check`.
public enum ConfigSummary {
    public static func describe(_ config: AgentConfig, file: String) -> String {
        var lines = ["\(file): OK"]
        lines.append("  host \(config.host), data dir \(config.dataDir), interval \(config.interval)")
        for source in config.sources {
            let sinks = source.sinks.isEmpty ? "all sinks" : source.sinks.joined(separator: ", ")
            lines.append("  source \(source.name): meters \(source.meters), every \(config.interval(of: source)) → \(sinks)")
        }
        for sink in config.sinks {
            let transformers = sink.transformers.map { "\($0.kind.rawValue)(\($0.meters))" }
            lines.append("  sink \(sink.name): "
                + (transformers.isEmpty ? "" : transformers.joined(separator: " → ") + " → ")
                + sink.publishers.joined(separator: ", "))
        }
        lines.append("  batches signed: \(config.publishing.secret.isEmpty ? "no (no secret set)" : "yes")")
        return lines.joined(separator: "\n")
    }
}
