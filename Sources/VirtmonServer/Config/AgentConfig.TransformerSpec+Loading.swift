import VirtmonModel
import VirtmonPipeline
import Yams

extension AgentConfig.TransformerSpec {
    /// A transformer's keys.
    enum Key: String, CaseIterable {
        case type, meters, keep_input, growth_only, target
    }

    /// A transformer target's keys.
    enum TargetKey: String, CaseIterable {
        case name, unit, type, scale, max
    }

    static func read(_ reader: ConfigReader, _ node: Node) throws(ConfigError) -> Self {
        var kind: Kind?
        var meters: MeterSelector?
        var keepInput = true
        var growthOnly = false
        var targetNode: Node?
        for (key, value) in try reader.mapping(node, "a transformer", keys: Key.self) {
            switch key {
            case .type:
                let name = try reader.string(value, "transformer type")
                guard let parsed = Kind(rawValue: name) else {
                    let known = Kind.allCases.map(\.rawValue).joined(separator: ", ")
                    throw reader.error(value, "unknown transformer type '\(name)'; known: \(known)")
                }
                kind = parsed
            case .meters: meters = try reader.selector(value, "transformer meters")
            case .keep_input: keepInput = try reader.bool(value, "keep_input")
            case .growth_only: growthOnly = try reader.bool(value, "growth_only")
            case .target: targetNode = value
            }
        }
        guard let kind else { throw reader.error(node, "a transformer needs a type") }
        guard let meters else { throw reader.error(node, "a transformer needs meters (globs of meter names)") }
        var target = defaultTarget(of: kind)
        var typeGiven = false
        if let targetNode {
            typeGiven = try readTarget(reader, targetNode, into: &target)
        }
        if kind == .unitConversion, !typeGiven { target.type = .gauge }
        return Self(
            kind: kind, meters: meters, keepInput: kind == .unitConversion ? false : keepInput, target: target,
            growthOnly: growthOnly)
    }

    private static func defaultTarget(of kind: Kind) -> TransformTarget {
        switch kind {
        case .rateOfChange: TransformTarget(name: "{name}.rate", unit: "{unit}/s")
        case .delta: TransformTarget(name: "{name}.delta", unit: "{unit}", type: .delta)
        case .unitConversion: TransformTarget(name: "{name}", unit: "{unit}", type: .gauge)
        }
    }

    /// Reads `target:` over the kind's defaults; true when it set the sample type.
    private static func readTarget(_ reader: ConfigReader, _ node: Node, into target: inout TransformTarget) throws(ConfigError) -> Bool {
        var typeGiven = false
        for (key, value) in try reader.mapping(node, "a transformer target", keys: TargetKey.self) {
            switch key {
            case .name: target.name = try reader.nonEmptyString(value, "target name")
            case .unit: target.unit = try reader.nonEmptyString(value, "target unit")
            case .type:
                let name = try reader.string(value, "target type")
                guard let type = SampleType(rawValue: name) else {
                    throw reader.error(value, "target type must be gauge, delta or cumulative; got '\(name)'")
                }
                target.type = type
                typeGiven = true
            case .scale: target.scale = try scale(reader, value)
            case .max: target.maximum = try reader.number(value, "max")
            }
        }
        return typeGiven
    }

    /// A plain number is a factor; anything else is an expression over the sample.
    private static func scale(_ reader: ConfigReader, _ node: Node) throws(ConfigError) -> TransformTarget.Scale {
        if let factor = node.float, let scalar = node.scalar, scalar.style == .plain, Double(scalar.string) != nil {
            return .factor(factor)
        }
        let text = try reader.string(node, "scale")
        do {
            return .expression(try ScaleExpression(text))
        } catch {
            throw reader.error(node, "scale: \(error)")
        }
    }
}

extension AgentConfig.TransformerSpec {
    static func describe(_ key: Key) -> ConfigKey {
        let path = "sinks[].transformers[].\(key.rawValue)"
        return switch key {
        case .type: ConfigKey(path, Kind.allCases.map(\.rawValue).joined(separator: ", ") + " (required)", "", "What the step does.")
        case .meters: ConfigKey(path, "glob or list of globs (required)", "", "Meters the step applies to.")
        case .keep_input: ConfigKey(path, "true or false", "true", "Publish the input samples too (always false for unit_conversion).")
        case .growth_only: ConfigKey(path, "true or false", "false", "Treat a counter that goes down as reset (no negative rate).")
        case .target: ConfigKey(path, "mapping", "", "The output sample (keys below).")
        }
    }

    static func describe(_ key: TargetKey) -> ConfigKey {
        let path = "sinks[].transformers[].target.\(key.rawValue)"
        return switch key {
        case .name: ConfigKey(path, "template", "{name}.rate / {name}.delta / {name}", "Output meter name; `{name}` is the input's.")
        case .unit: ConfigKey(path, "template", "{unit}/s / {unit} / {unit}", "Output unit; `{unit}` is the input's.")
        case .type: ConfigKey(path, "gauge, delta or cumulative", "gauge / delta / gauge", "Output sample type.")
        case .scale: ConfigKey(path, "number or expression", "", "Factor, or an expression over `volume` and `resource_metadata.*` (`100.0 / (10**9 * (resource_metadata.cpu_number or 1))`).")
        case .max: ConfigKey(path, "number", "", "Upper bound the output is clamped to.")
        }
    }
}
