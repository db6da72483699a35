import Foundation
import VirtmonModel
import Yams

/// Reads typed values out of a YAML node tree and says where a value is wrong. Every reader refuses what it
/// does not know rather than ignoring it, so a typo in a key cannot silently leave a default in force.
struct ConfigReader {
    let file: String

    func error(_ node: Node?, _ message: String) -> ConfigError {
        ConfigError(file: file, line: node?.mark?.line, column: node?.mark?.column, message: message)
    }

    /// The pairs of a mapping, refusing keys not in `known` (with a suggestion when one is close).
    func mapping(_ node: Node, _ context: String, known: [String]) throws(ConfigError) -> [(key: String, value: Node)] {
        guard let mapping = node.mapping else { throw error(node, "\(context) must be a mapping of keys to values") }
        var pairs: [(String, Node)] = []
        var seen: Set<String> = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else { throw error(keyNode, "\(context): keys must be plain text") }
            guard known.contains(key) else {
                var message = "unknown key '\(key)' in \(context)"
                if let close = ConfigReader.closest(to: key, in: known) { message += " (did you mean '\(close)'?)" }
                message += "; known keys: \(known.joined(separator: ", "))"
                throw error(keyNode, message)
            }
            guard seen.insert(key).inserted else { throw error(keyNode, "'\(key)' appears twice in \(context)") }
            pairs.append((key, value))
        }
        return pairs
    }

    /// The pairs of a mapping keyed by a section's key enum: the switch over them is exhaustive, so a key
    /// added to the enum without a reader, or a reader without a key, does not compile.
    func mapping<Key: RawRepresentable & CaseIterable>(
        _ node: Node, _ context: String, keys: Key.Type
    ) throws(ConfigError) -> [(key: Key, value: Node)] where Key.RawValue == String {
        // Every name passed as known comes from Key.allCases, so each one maps back.
        try mapping(node, context, known: Key.allCases.map(\.rawValue)).map { (Key(rawValue: $0.key)!, $0.value) }
    }

    /// One of a fixed set of words; the error lists them.
    func choice<Value: RawRepresentable & CaseIterable>(
        _ node: Node, _ name: String, of type: Value.Type
    ) throws(ConfigError) -> Value where Value.RawValue == String {
        let text = try string(node, name)
        guard let value = Value(rawValue: text) else {
            let known = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw error(node, "\(name) must be one of \(known); got '\(text)'")
        }
        return value
    }

    /// An absolute file-system path.
    func absolutePath(_ node: Node, _ name: String) throws(ConfigError) -> String {
        let path = try nonEmptyString(node, name)
        guard path.hasPrefix("/") else { throw error(node, "\(name) must be an absolute path, got '\(path)'") }
        return path
    }

    func string(_ node: Node, _ name: String) throws(ConfigError) -> String {
        guard let scalar = node.scalar else { throw error(node, "\(name) must be text") }
        return scalar.string
    }

    func nonEmptyString(_ node: Node, _ name: String) throws(ConfigError) -> String {
        let value = try string(node, name)
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty else { throw error(node, "\(name) must not be empty") }
        return value
    }

    func bool(_ node: Node, _ name: String) throws(ConfigError) -> Bool {
        guard node.scalar != nil, let value = node.bool else { throw error(node, "\(name) must be true or false") }
        return value
    }

    func integer(_ node: Node, _ name: String, range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard node.scalar != nil, let value = node.int else {
            throw error(node, "\(name) must be a whole number, got '\(node.scalar?.string ?? "a collection")'")
        }
        guard range.contains(value) else {
            throw error(node, "\(name) must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }

    func number(_ node: Node, _ name: String) throws(ConfigError) -> Double {
        guard node.scalar != nil, let value = node.float, value.isFinite else {
            throw error(node, "\(name) must be a number, got '\(node.scalar?.string ?? "a collection")'")
        }
        return value
    }

    func stringList(_ node: Node, _ name: String) throws(ConfigError) -> [String] {
        if node.scalar != nil { return [try nonEmptyString(node, name)] }
        guard let sequence = node.sequence else { throw error(node, "\(name) must be a list") }
        var values: [String] = []
        for item in sequence { values.append(try nonEmptyString(item, "each entry of \(name)")) }
        return values
    }

    /// `10`, `2.5` (seconds), or with a unit: `500ms`, `10s`, `5m`, `1h`.
    func duration(_ node: Node, _ name: String, minimum: Duration = .milliseconds(10)) throws(ConfigError) -> Duration {
        let text = try string(node, name)
        guard let value = ConfigReader.parseDuration(text) else {
            throw error(node, "\(name) must be a duration such as 10, 10s, 500ms, 5m or 1h; got '\(text)'")
        }
        guard value >= minimum else { throw error(node, "\(name) must be at least \(minimum); got '\(text)'") }
        return value
    }

    /// `1048576` (bytes) or with a unit: `512KiB`, `64MiB`, `1GiB` (also KB, MB, GB as powers of 1000).
    func size(_ node: Node, _ name: String) throws(ConfigError) -> Int {
        let text = try string(node, name)
        guard let value = ConfigReader.parseSize(text), value > 0 else {
            throw error(node, "\(name) must be a size such as 1048576, 512KiB, 64MiB or 1GiB; got '\(text)'")
        }
        return value
    }

    static func parseDuration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let value = Double(trimmed.dropLast(suffix.count)), value.isFinite, value >= 0 else { return nil }
            return .milliseconds(Int64((value * factor * 1000).rounded()))
        }
        guard let seconds = Double(trimmed), seconds.isFinite, seconds >= 0 else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    static func parseSize(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [
            ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776), ("KB", 1e3), ("MB", 1e6),
            ("GB", 1e9), ("TB", 1e12), ("B", 1),
        ]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let value = Double(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)),
                value.isFinite, value >= 0, value * factor < 9e18
            else { return nil }
            return Int((value * factor).rounded())
        }
        return Int(trimmed)
    }

    /// The known word nearest to `word`, if it is near enough to be a likely typo.
    static func closest(to word: String, in candidates: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var row = Array(0...b.count)
            for i in 1...max(1, a.count) where !a.isEmpty {
                var previous = row[0]
                row[0] = i
                for j in stride(from: 1, through: b.count, by: 1) {
                    let current = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                    previous = current
                }
            }
            return a.isEmpty ? b.count : row[b.count]
        }
        let scored = candidates.map { ($0, distance(Array(word), Array($0))) }.min { $0.1 < $1.1 }
        guard let (best, score) = scored, score <= max(2, word.count / 3) else { return nil }
        return best
    }
}
