import VirtmonModel

/// A value as Ceilometer's Python code held it before serialising: integers and floats stay apart, because
/// the per-sample signature is computed over Python's `str()` of each value (`12` and `12.0` sign
/// differently). Read from JSON (the bus) or msgpack (the UDP publisher).
public enum CeilometerValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    /// An integer beyond 64 bits, kept as its decimal text.
    case bigInteger(String)
    case float(Double)
    case string(String)
    /// Raw bytes that are not UTF-8 (old msgpack's raw type carrying binary).
    case bytes([UInt8])
    case array([CeilometerValue])
    /// Keys in the order they came; signing sorts them.
    case object([(String, CeilometerValue)])

    public static func == (lhs: CeilometerValue, rhs: CeilometerValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.bigInteger(let a), .bigInteger(let b)): return a == b
        case (.float(let a), .float(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.bytes(let a), .bytes(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .object(let pairs): for (key, value) in pairs { hasher.combine(key); hasher.combine(value) }
        case .array(let items): hasher.combine(items)
        case .string(let text): hasher.combine(text)
        default: hasher.combine(String(describing: self))
        }
    }

    /// The member `key` of an object.
    public subscript(key: String) -> CeilometerValue? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.last { $0.0 == key }?.1
    }

    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// A number as a double (integers, floats, and numbers written as text).
    public var number: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .bigInteger(let text): return Double(text)
        case .float(let value): return value
        case .string(let text): return Double(text)
        default: return nil
        }
    }

    /// The same value as virtmon's free-form metadata holds it.
    public var json: JSONValue {
        switch self {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .integer(let value): return .number(Double(value))
        case .bigInteger(let text): return .number(Double(text) ?? 0)
        case .float(let value): return .number(value)
        case .string(let text): return .string(text)
        case .bytes(let bytes): return .string(String(decoding: bytes, as: UTF8.self))
        case .array(let items): return .array(items.map(\.json))
        case .object(let pairs): return .object(Dictionary(pairs.map { ($0.0, $0.1.json) }, uniquingKeysWith: { _, last in last }))
        }
    }
}
