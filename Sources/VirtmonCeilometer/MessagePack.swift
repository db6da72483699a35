/// Reads one msgpack value (Ceilometer's UDP publisher sends one sample dict per datagram). Strings arrive as
/// the old raw type or the newer str type: both are read as UTF-8, raw bytes that are not UTF-8 stay bytes.
public struct MessagePack {
    public struct DecodeError: Error, Equatable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "invalid msgpack at byte \(offset): \(reason)" }
    }

    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0

    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> CeilometerValue {
        var reader = MessagePack(bytes: bytes)
        let value = try reader.value()
        guard reader.position == bytes.count else { throw reader.fail("\(bytes.count - reader.position) bytes after the value") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func fail(_ reason: String) -> DecodeError { DecodeError(offset: position, reason: reason) }

    private mutating func take(_ count: Int) throws(DecodeError) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - position >= count else { throw fail("the data ends inside a value (needs \(count) more bytes)") }
        defer { position += count }
        return bytes[position..<position + count]
    }

    private mutating func unsigned(_ width: Int) throws(DecodeError) -> UInt64 {
        try take(width).reduce(0) { $0 << 8 | UInt64($1) }
    }

    private mutating func text(_ count: Int) throws(DecodeError) -> CeilometerValue {
        let raw = Array(try take(count))
        if let string = String(validating: raw, as: UTF8.self) { return .string(string) }
        return .bytes(raw)
    }

    private mutating func items(_ count: Int) throws(DecodeError) -> CeilometerValue {
        try nest()
        // Each item takes at least one byte: a count beyond what is left is a lie, refused before allocating.
        guard count <= bytes.count - position else { throw fail("an array claims \(count) items in \(bytes.count - position) bytes") }
        var items: [CeilometerValue] = []
        items.reserveCapacity(count)
        for _ in 0..<count { items.append(try value()) }
        depth -= 1
        return .array(items)
    }

    private mutating func pairs(_ count: Int) throws(DecodeError) -> CeilometerValue {
        try nest()
        guard count <= (bytes.count - position) / 2 else { throw fail("a map claims \(count) entries in \(bytes.count - position) bytes") }
        var pairs: [(String, CeilometerValue)] = []
        pairs.reserveCapacity(count)
        for _ in 0..<count {
            let keyOffset = position
            let key: String
            switch try value() {
            case .string(let text): key = text
            case .integer(let number): key = String(number)
            case .bytes(let raw): key = String(decoding: raw, as: UTF8.self)
            default: throw DecodeError(offset: keyOffset, reason: "a map key is not a string")
            }
            pairs.append((key, try value()))
        }
        depth -= 1
        return .object(pairs)
    }

    private mutating func nest() throws(DecodeError) {
        depth += 1
        guard depth <= CeilometerJSON.maxDepth else { throw fail("nested deeper than \(CeilometerJSON.maxDepth) levels") }
    }

    private mutating func value() throws(DecodeError) -> CeilometerValue {
        let lead = try take(1).first!
        switch lead {
        case 0x00...0x7F: return .integer(Int64(lead))
        case 0x80...0x8F: return try pairs(Int(lead & 0x0F))
        case 0x90...0x9F: return try items(Int(lead & 0x0F))
        case 0xA0...0xBF: return try text(Int(lead & 0x1F))
        case 0xC0: return .null
        case 0xC2: return .bool(false)
        case 0xC3: return .bool(true)
        case 0xC4: return .bytes(Array(try take(Int(try unsigned(1)))))
        case 0xC5: return .bytes(Array(try take(Int(try unsigned(2)))))
        case 0xC6: return .bytes(Array(try take(Int(try unsigned(4)))))
        case 0xCA: return .float(Double(Float(bitPattern: UInt32(try unsigned(4)))))
        case 0xCB: return .float(Double(bitPattern: try unsigned(8)))
        case 0xCC: return .integer(Int64(try unsigned(1)))
        case 0xCD: return .integer(Int64(try unsigned(2)))
        case 0xCE: return .integer(Int64(try unsigned(4)))
        case 0xCF:
            let value = try unsigned(8)
            return value <= UInt64(Int64.max) ? .integer(Int64(value)) : .bigInteger(String(value))
        case 0xD0: return .integer(Int64(Int8(truncatingIfNeeded: try unsigned(1))))
        case 0xD1: return .integer(Int64(Int16(truncatingIfNeeded: try unsigned(2))))
        case 0xD2: return .integer(Int64(Int32(truncatingIfNeeded: try unsigned(4))))
        case 0xD3: return .integer(Int64(bitPattern: try unsigned(8)))
        case 0xD9: return try text(Int(try unsigned(1)))
        case 0xDA: return try text(Int(try unsigned(2)))
        case 0xDB: return try text(Int(try unsigned(4)))
        case 0xDC: return try items(Int(try unsigned(2)))
        case 0xDD: return try items(Int(try unsigned(4)))
        case 0xDE: return try pairs(Int(try unsigned(2)))
        case 0xDF: return try pairs(Int(try unsigned(4)))
        case 0xE0...0xFF: return .integer(Int64(Int8(bitPattern: lead)))
        case 0xD4...0xD8, 0xC7...0xC9: throw DecodeError(offset: position - 1, reason: "extension types are not part of a Ceilometer sample")
        default: throw DecodeError(offset: position - 1, reason: "0x\(String(lead, radix: 16)) is not a msgpack type")
        }
    }
}
