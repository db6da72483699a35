import VirtmonAgent
import VirtmonModel
import VirtmonPollsters
import Yams

extension MonitorConfig {
    /// The `monitors:` section's keys.
    enum Key: String, CaseIterable {
        case enabled, queue_size, handlers, default_handlers, webhook, webhook_attempts, reraise_interval, pids,
            scan_by_name, guest_memory_limit, memory_usage, cpu_usage, liveness, host_memory
    }

    /// Keys every check takes; a check may add its threshold.
    enum CheckKey: String, CaseIterable {
        case enabled, cycle, level
    }

    static func read(_ reader: ConfigReader, _ node: Node) throws(ConfigError) -> MonitorConfig {
        var config = MonitorConfig()
        for (key, value) in try reader.mapping(node, "monitors", keys: Key.self) {
            let name = "monitors.\(key.rawValue)"
            switch key {
            case .enabled: config.enabled = try reader.bool(value, name)
            case .queue_size: config.queueSize = try reader.integer(value, name, range: 1...1_000_000)
            case .handlers:
                for (type, list) in try reader.mapping(value, name, known: AllMonitors.types.map(\.type)) {
                    config.handlers[type] = try handlerList(reader, list, "\(name).\(type)")
                }
            case .default_handlers: config.defaultHandlers = try handlerList(reader, value, name)
            case .webhook:
                let url = try reader.nonEmptyString(value, name)
                guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    throw reader.error(value, "\(name) must be an http:// or https:// URL; got '\(url)'")
                }
                config.webhookURL = url
            case .webhook_attempts: config.webhookAttempts = try reader.integer(value, name, range: 1...100)
            case .reraise_interval:
                config.reraiseInterval = value.scalar?.string == "off" ? nil : try reader.duration(value, name, minimum: .seconds(1))
            case .pids:
                guard let list = value.sequence else { throw reader.error(value, "\(name) must be a list of PIDs") }
                for item in list {
                    config.pids.append(Int32(try reader.integer(item, "each of \(name)", range: 1...Int(Int32.max))))
                }
            case .scan_by_name: config.scanByName = try reader.bool(value, name)
            case .guest_memory_limit: config.guestMemoryLimitKiB = try kib(reader, value, name)
            case .memory_usage:
                if let node = try readCheck(reader, value, name, into: &config.memoryUsage, threshold: "max_overhead") {
                    config.maxOverheadKiB = try kib(reader, node, "\(name).max_overhead")
                }
            case .cpu_usage:
                if let node = try readCheck(reader, value, name, into: &config.cpuUsage, threshold: "max_percent") {
                    config.maxCPUPercent = try reader.number(node, "\(name).max_percent")
                }
            case .liveness:
                _ = try readCheck(reader, value, name, into: &config.liveness, threshold: nil)
            case .host_memory:
                if let node = try readCheck(reader, value, name, into: &config.hostMemory, threshold: "min_available_share") {
                    let share = try reader.number(node, "\(name).min_available_share")
                    guard share > 0, share < 1 else {
                        throw reader.error(node, "\(name).min_available_share must be between 0 and 1")
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

    /// Handler names from the registry (`EventHandlers`).
    private static func handlerList(_ reader: ConfigReader, _ node: Node, _ name: String) throws(ConfigError) -> [String] {
        let handlerNames = EventHandlers.allCases.map(\.rawValue)
        let list = try reader.stringList(node, name)
        for handler in list where !handlerNames.contains(handler) {
            throw reader.error(node, "\(name): unknown handler '\(handler)'; known: \(handlerNames.joined(separator: ", "))")
        }
        return list
    }

    private static func kib(_ reader: ConfigReader, _ node: Node, _ name: String) throws(ConfigError) -> UInt64 {
        let text = try reader.string(node, name)
        guard let kib = parseKiB(text), kib > 0 else {
            throw reader.error(node, "\(name) must be a size such as 64MiB, 1GiB or a number of KiB; got '\(text)'")
        }
        return kib
    }

    /// One check's mapping: reads the common keys and returns the value of `threshold`, the check's own key.
    private static func readCheck(
        _ reader: ConfigReader, _ node: Node, _ name: String, into check: inout Check, threshold: String?
    ) throws(ConfigError) -> Node? {
        let known = CheckKey.allCases.map(\.rawValue) + (threshold.map { [$0] } ?? [])
        var thresholdNode: Node?
        for (key, value) in try reader.mapping(node, name, known: known) {
            switch CheckKey(rawValue: key) {
            case .enabled: check.enabled = try reader.bool(value, "\(name).enabled")
            case .cycle: check.cycle = try reader.duration(value, "\(name).cycle", minimum: .milliseconds(100))
            case .level:
                let text = try reader.string(value, "\(name).level")
                guard let level = EventLevel(rawValue: text) else {
                    throw reader.error(value, "\(name).level must be info, error or fatal; got '\(text)'")
                }
                check.level = level
            case nil: thresholdNode = value  // the mapping let through only the threshold's own key
            }
        }
        return thresholdNode
    }
}

extension MonitorConfig {
    static func describe(_ key: Key) -> ConfigKey {
        let defaults = MonitorConfig()
        let path = "monitors.\(key.rawValue)"
        func check(_ check: Check, _ threshold: String) -> String {
            "\(check.enabled ? "on" : "off"), every \(ConfigReference.text(check.cycle)), level \(check.level.rawValue); \(threshold)"
        }
        return switch key {
        case .enabled: ConfigKey(path, "true or false", "\(defaults.enabled)", "Run the hypervisor and host checks at all.")
        case .queue_size: ConfigKey(path, "1–1000000", "\(defaults.queueSize)", "Events waiting for their handlers at the most; more are dropped and counted.")
        case .handlers: ConfigKey(path, "event type → handler list", "", "Handlers per event type (\(AllMonitors.types.map(\.type).joined(separator: ", "))); others get default_handlers.")
        case .default_handlers: ConfigKey(path, EventHandlers.allCases.map(\.rawValue).joined(separator: ", "), defaults.defaultHandlers.joined(separator: ", "), "Handlers of event types not listed under handlers (plus `webhook` when its URL is set).")
        case .webhook: ConfigKey(path, "http(s) URL", "", "Where the `webhook` handler POSTs each event as JSON.")
        case .webhook_attempts: ConfigKey(path, "1–100", "\(defaults.webhookAttempts)", "Tries per event before the webhook gives up on it.")
        case .reraise_interval: ConfigKey(path, "duration ≥ 1s or off", defaults.reraiseInterval.map(ConfigReference.text) ?? "off", "A breach is raised when it begins and (as `info`) when it ends; with this set, again this often while it lasts. Process exits are raised each time.")
        case .pids: ConfigKey(path, "list of PIDs", "", "Hypervisor processes to watch besides those found through libvirt and by name.")
        case .scan_by_name: ConfigKey(path, "true or false", "\(defaults.scanByName)", "Find qemu/stratovirt processes by program name.")
        case .guest_memory_limit: ConfigKey(path, "size", ConfigReference.text(kib: defaults.guestMemoryLimitKiB), "Mappings at least this large count as guest RAM when a guest's size is unknown.")
        case .memory_usage: ConfigKey(path, "check (keys below) + max_overhead", check(defaults.memoryUsage, "max_overhead \(ConfigReference.text(kib: defaults.maxOverheadKiB))"), "Hypervisor memory beyond guest RAM.")
        case .cpu_usage: ConfigKey(path, "check + max_percent", check(defaults.cpuUsage, "max_percent \(defaults.maxCPUPercent)"), "Hypervisor process CPU.")
        case .liveness: ConfigKey(path, "check", check(defaults.liveness, "no threshold"), "A watched hypervisor process exited.")
        case .host_memory: ConfigKey(path, "check + min_available_share", check(defaults.hostMemory, "min_available_share \(defaults.minimumAvailableShare)"), "Host MemAvailable below a share of MemTotal.")
        }
    }

    static func describe(_ key: CheckKey) -> ConfigKey {
        let path = "monitors.<check>.\(key.rawValue)"
        return switch key {
        case .enabled: ConfigKey(path, "true or false", "true", "Run this check.")
        case .cycle: ConfigKey(path, "duration ≥ 100ms", "", "How often it checks (defaults above).")
        case .level: ConfigKey(path, "info, error or fatal", "", "Level of the events it raises (defaults above).")
        }
    }
}
