import Foundation
import VirtmonAgent
import VirtmonModel
import VirtmonPipeline
import VirtmonPollsters
import VirtmonPublishers
import Yams

/// Reads the agent's YAML configuration file over the defaults. Unknown keys and bad values are refused with
/// the file, line, column and reason.
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
///     publishers: ["http://127.0.0.1:8777/v1/batches"]
/// publishing:
///   secret: change-me
///   batch_size: 500
///   spool_max_bytes: 256MiB
/// ```
public enum ConfigLoader {
    /// Loads `path`; a missing or unreadable file is an error (only no path at all means defaults).
    public static func load(path: String) throws(ConfigError) -> AgentConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, message: "cannot read: \((error as NSError).localizedDescription)")
        }
        return try parse(text, file: path)
    }

    /// Parses YAML text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> AgentConfig {
        var config = AgentConfig.defaults()
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw yamlError(error, file: file)
        } catch {
            throw ConfigError(file: file, message: "not valid YAML: \(error)")
        }
        // An empty file (or one holding only comments or `~`) means all defaults.
        guard let root, root.null == nil else { return config }
        let reader = ConfigReader(file: file)
        for (key, value) in try reader.mapping(
            root, "the file", known: ["agent", "sources", "sinks", "publishing", "monitors", "collector"])
        {
            switch key {
            case "agent":
                for (key, value) in try reader.mapping(
                    value, "agent", known: ["host", "data_dir", "interval", "log_level", "proc_root", "sys_root", "libvirt_uri"])
                {
                    switch key {
                    case "host": config.host = try reader.nonEmptyString(value, "agent.host")
                    case "data_dir":
                        config.dataDir = try absolutePath(reader, value, "agent.data_dir")
                    case "interval": config.interval = try reader.duration(value, "agent.interval")
                    case "log_level":
                        let level = try reader.string(value, "agent.log_level")
                        let known = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
                        guard known.contains(level) else {
                            throw reader.error(value, "agent.log_level must be one of \(known.joined(separator: ", "))")
                        }
                        config.logLevel = level
                    case "proc_root": config.procRoot = try absolutePath(reader, value, "agent.proc_root")
                    case "libvirt_uri": config.libvirtURI = try reader.nonEmptyString(value, "agent.libvirt_uri")
                    default: config.sysRoot = try absolutePath(reader, value, "agent.sys_root")
                    }
                }
            case "sources":
                config.sources = try sources(reader, value)
            case "sinks":
                config.sinks = try sinks(reader, value)
            case "monitors":
                config.monitors = try monitors(reader, value)
            case "collector":
                continue  // CollectorConfigLoader reads it; one file may configure both for `virtmon up`.
            default:
                try publishing(reader, value, into: &config.publishing)
            }
        }
        config.publishing.dataDir = config.dataDir
        try crossCheck(config, reader: reader, root: root)
        return config
    }

    private static func absolutePath(_ reader: ConfigReader, _ node: Node, _ name: String) throws(ConfigError) -> String {
        let path = try reader.nonEmptyString(node, name)
        guard path.hasPrefix("/") else { throw reader.error(node, "\(name) must be an absolute path, got '\(path)'") }
        return path
    }

    private static func selector(_ reader: ConfigReader, _ node: Node, _ name: String) throws(ConfigError) -> MeterSelector {
        do {
            return try MeterSelector(try reader.stringList(node, name))
        } catch let error as MeterSelector.PatternError {
            throw reader.error(node, "\(name): \(error)")
        } catch let error as ConfigError {
            throw error
        } catch {
            throw reader.error(node, "\(name): \(error)")
        }
    }

    private static func sources(_ reader: ConfigReader, _ node: Node) throws(ConfigError) -> [AgentConfig.Source] {
        guard let items = node.sequence else { throw reader.error(node, "sources must be a list") }
        var result: [AgentConfig.Source] = []
        for item in items {
            var source = AgentConfig.Source(name: "", interval: nil, timeout: nil, meters: .all, sinks: [])
            for (key, value) in try reader.mapping(
                item, "a source", known: ["name", "interval", "timeout", "meters", "sinks"])
            {
                switch key {
                case "name": source.name = try reader.nonEmptyString(value, "source name")
                case "interval": source.interval = try reader.duration(value, "source interval")
                case "timeout": source.timeout = try reader.duration(value, "source timeout")
                case "meters": source.meters = try selector(reader, value, "source meters")
                default: source.sinks = try reader.stringList(value, "source sinks")
                }
            }
            guard !source.name.isEmpty else { throw reader.error(item, "every source needs a name") }
            guard !result.contains(where: { $0.name == source.name }) else {
                throw reader.error(item, "two sources are named '\(source.name)'")
            }
            result.append(source)
        }
        guard !result.isEmpty else { throw reader.error(node, "sources must list at least one source") }
        return result
    }

    private static func sinks(_ reader: ConfigReader, _ node: Node) throws(ConfigError) -> [AgentConfig.Sink] {
        guard let items = node.sequence else { throw reader.error(node, "sinks must be a list") }
        var result: [AgentConfig.Sink] = []
        for item in items {
            var sink = AgentConfig.Sink(name: "", transformers: [], publishers: [])
            var publishersNode: Node?
            for (key, value) in try reader.mapping(item, "a sink", known: ["name", "transformers", "publishers"]) {
                switch key {
                case "name": sink.name = try reader.nonEmptyString(value, "sink name")
                case "transformers":
                    guard let list = value.sequence else { throw reader.error(value, "transformers must be a list") }
                    for transformer in list { sink.transformers.append(try transformerSpec(reader, transformer)) }
                default:
                    sink.publishers = try reader.stringList(value, "sink publishers")
                    publishersNode = value
                }
            }
            guard !sink.name.isEmpty else { throw reader.error(item, "every sink needs a name") }
            guard !sink.publishers.isEmpty else {
                throw reader.error(publishersNode ?? item, "sink '\(sink.name)' needs at least one publisher URL")
            }
            for url in sink.publishers {
                do {
                    try PublisherFactory.validate(url)
                } catch {
                    throw reader.error(publishersNode, "\(error)")
                }
            }
            guard !result.contains(where: { $0.name == sink.name }) else {
                throw reader.error(item, "two sinks are named '\(sink.name)'")
            }
            result.append(sink)
        }
        guard !result.isEmpty else { throw reader.error(node, "sinks must list at least one sink") }
        return result
    }

    private static func transformerSpec(_ reader: ConfigReader, _ node: Node) throws(ConfigError) -> AgentConfig.TransformerSpec {
        var kind: AgentConfig.TransformerSpec.Kind?
        var meters: MeterSelector?
        var keepInput = true
        var growthOnly = false
        var targetNode: Node?
        for (key, value) in try reader.mapping(
            node, "a transformer", known: ["type", "meters", "keep_input", "growth_only", "target"])
        {
            switch key {
            case "type":
                let name = try reader.string(value, "transformer type")
                guard let parsed = AgentConfig.TransformerSpec.Kind(rawValue: name) else {
                    let known = AgentConfig.TransformerSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                    throw reader.error(value, "unknown transformer type '\(name)'; known: \(known)")
                }
                kind = parsed
            case "meters": meters = try selector(reader, value, "transformer meters")
            case "keep_input": keepInput = try reader.bool(value, "keep_input")
            case "growth_only": growthOnly = try reader.bool(value, "growth_only")
            default: targetNode = value
            }
        }
        guard let kind else { throw reader.error(node, "a transformer needs a type") }
        guard let meters else { throw reader.error(node, "a transformer needs meters (globs of meter names)") }
        let defaults: TransformTarget
        switch kind {
        case .rateOfChange: defaults = TransformTarget(name: "{name}.rate", unit: "{unit}/s")
        case .delta: defaults = TransformTarget(name: "{name}.delta", unit: "{unit}", type: .delta)
        case .unitConversion: defaults = TransformTarget(name: "{name}", unit: "{unit}", type: .gauge)
        }
        var target = defaults
        var typeGiven = false
        if let targetNode {
            for (key, value) in try reader.mapping(
                targetNode, "a transformer target", known: ["name", "unit", "type", "scale", "max"])
            {
                switch key {
                case "name": target.name = try reader.nonEmptyString(value, "target name")
                case "unit": target.unit = try reader.nonEmptyString(value, "target unit")
                case "type":
                    let name = try reader.string(value, "target type")
                    guard let type = SampleType(rawValue: name) else {
                        throw reader.error(value, "target type must be gauge, delta or cumulative; got '\(name)'")
                    }
                    target.type = type
                    typeGiven = true
                case "scale":
                    if let factor = value.float, value.scalar?.style == .plain, Double(value.scalar!.string) != nil {
                        target.scale = .factor(factor)
                    } else {
                        do {
                            target.scale = .expression(try ScaleExpression(try reader.string(value, "scale")))
                        } catch let error as ScaleExpression.Error {
                            throw reader.error(value, "scale: \(error)")
                        } catch {
                            throw reader.error(value, "scale: \(error)")
                        }
                    }
                default: target.maximum = try reader.number(value, "max")
                }
            }
        }
        if kind == .unitConversion, !typeGiven { target.type = .gauge }
        return AgentConfig.TransformerSpec(
            kind: kind, meters: meters, keepInput: kind == .unitConversion ? false : keepInput, target: target,
            growthOnly: growthOnly)
    }

    private static func publishing(_ reader: ConfigReader, _ node: Node, into settings: inout PublisherSettings) throws(ConfigError) {
        let known = [
            "secret", "batch_size", "spool_max_bytes", "spool_max_batches", "retry_initial", "retry_max",
            "flush_timeout", "http_timeout", "file_max_bytes", "file_backups",
        ]
        for (key, value) in try reader.mapping(node, "publishing", known: known) {
            switch key {
            case "secret": settings.secret = try reader.string(value, "publishing.secret")
            case "batch_size": settings.batchSize = try reader.integer(value, "publishing.batch_size", range: 1...100_000)
            case "spool_max_bytes": settings.spoolMaxBytes = try reader.size(value, "publishing.spool_max_bytes")
            case "spool_max_batches":
                settings.spoolMaxBatches = try reader.integer(value, "publishing.spool_max_batches", range: 1...10_000_000)
            case "retry_initial": settings.retry.initial = try reader.duration(value, "publishing.retry_initial")
            case "retry_max": settings.retry.maximum = try reader.duration(value, "publishing.retry_max")
            case "flush_timeout":
                settings.flushTimeout = try reader.duration(value, "publishing.flush_timeout", minimum: .zero)
            case "http_timeout": settings.httpTimeout = try reader.duration(value, "publishing.http_timeout")
            case "file_max_bytes": settings.fileMaxBytes = try reader.size(value, "publishing.file_max_bytes")
            default: settings.fileBackups = try reader.integer(value, "publishing.file_backups", range: 0...1000)
            }
        }
        settings.retry = RetryPolicy(initial: settings.retry.initial, maximum: settings.retry.maximum)
    }

    private static func monitors(_ reader: ConfigReader, _ node: Node) throws(ConfigError) -> MonitorConfig {
        var config = MonitorConfig()
        let known = ["enabled", "queue_size", "handlers", "default_handlers", "webhook", "webhook_attempts", "pids",
                     "scan_by_name", "guest_memory_limit", "memory_usage", "cpu_usage", "liveness", "host_memory"]
        let handlerNames = EventHandlers.allCases.map(\.rawValue)
        func handlerList(_ value: Node, _ name: String) throws(ConfigError) -> [String] {
            let list = try reader.stringList(value, name)
            for handler in list where !handlerNames.contains(handler) {
                throw reader.error(value, "\(name): unknown handler '\(handler)'; known: \(handlerNames.joined(separator: ", "))")
            }
            return list
        }
        func kib(_ value: Node, _ name: String) throws(ConfigError) -> UInt64 {
            let text = try reader.string(value, name)
            guard let kib = MonitorConfig.parseKiB(text), kib > 0 else {
                throw reader.error(value, "\(name) must be a size such as 64MiB, 1GiB or a number of KiB; got '\(text)'")
            }
            return kib
        }
        func check(_ value: Node, _ name: String, into check: inout MonitorConfig.Check,
                   extra: [String], _ readExtra: (String, Node) throws(ConfigError) -> Void) throws(ConfigError) {
            for (key, value) in try reader.mapping(value, "monitors.\(name)", known: ["enabled", "cycle", "level"] + extra) {
                switch key {
                case "enabled": check.enabled = try reader.bool(value, "monitors.\(name).enabled")
                case "cycle": check.cycle = try reader.duration(value, "monitors.\(name).cycle", minimum: .milliseconds(100))
                case "level":
                    let text = try reader.string(value, "monitors.\(name).level")
                    guard let level = EventLevel(rawValue: text) else {
                        throw reader.error(value, "monitors.\(name).level must be info, error or fatal; got '\(text)'")
                    }
                    check.level = level
                default: try readExtra(key, value)
                }
            }
        }
        for (key, value) in try reader.mapping(node, "monitors", known: known) {
            switch key {
            case "enabled": config.enabled = try reader.bool(value, "monitors.enabled")
            case "queue_size": config.queueSize = try reader.integer(value, "monitors.queue_size", range: 1...1_000_000)
            case "handlers":
                for (type, list) in try reader.mapping(value, "monitors.handlers", known: AllMonitors.types.map(\.type)) {
                    config.handlers[type] = try handlerList(list, "monitors.handlers.\(type)")
                }
            case "default_handlers": config.defaultHandlers = try handlerList(value, "monitors.default_handlers")
            case "webhook":
                let url = try reader.nonEmptyString(value, "monitors.webhook")
                guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    throw reader.error(value, "monitors.webhook must be an http:// or https:// URL; got '\(url)'")
                }
                config.webhookURL = url
            case "webhook_attempts":
                config.webhookAttempts = try reader.integer(value, "monitors.webhook_attempts", range: 1...100)
            case "pids":
                guard let list = value.sequence else { throw reader.error(value, "monitors.pids must be a list of PIDs") }
                for item in list {
                    config.pids.append(Int32(try reader.integer(item, "each of monitors.pids", range: 1...Int(Int32.max))))
                }
            case "scan_by_name": config.scanByName = try reader.bool(value, "monitors.scan_by_name")
            case "guest_memory_limit": config.guestMemoryLimitKiB = try kib(value, "monitors.guest_memory_limit")
            case "memory_usage":
                try check(value, key, into: &config.memoryUsage, extra: ["max_overhead"]) { _, value throws(ConfigError) in
                    config.maxOverheadKiB = try kib(value, "monitors.memory_usage.max_overhead")
                }
            case "cpu_usage":
                try check(value, key, into: &config.cpuUsage, extra: ["max_percent"]) { _, value throws(ConfigError) in
                    config.maxCPUPercent = try reader.number(value, "monitors.cpu_usage.max_percent")
                }
            case "liveness":
                try check(value, key, into: &config.liveness, extra: []) { _, _ throws(ConfigError) in }
            default:
                try check(value, key, into: &config.hostMemory, extra: ["min_available_share"]) { _, value throws(ConfigError) in
                    let share = try reader.number(value, "monitors.host_memory.min_available_share")
                    guard share > 0, share < 1 else {
                        throw reader.error(value, "monitors.host_memory.min_available_share must be between 0 and 1")
                    }
                    config.minimumAvailableShare = share
                }
            }
        }
        let usesWebhook = config.defaultHandlers.contains("webhook") || config.handlers.values.contains { $0.contains("webhook") }
        if usesWebhook, config.webhookURL == nil {
            throw reader.error(node, "a monitor handler list names 'webhook' but monitors.webhook (its URL) is not set")
        }
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

    private static func yamlError(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "not valid YAML: \(problem)"
            if let context { message += " \(context.text)" }
            return ConfigError(file: file, line: mark.line, column: mark.column, message: message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return ConfigError(file: file, line: context.mark.line, column: context.mark.column,
                               message: "\(keys) appears twice in one mapping")
        default:
            return ConfigError(file: file, message: "not valid YAML: \(error)")
        }
    }
}
