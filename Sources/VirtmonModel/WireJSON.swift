import Foundation

/// Writes samples, events and batches as JSON bytes in the wire shape, with sorted keys.
///
/// Foundation's JSONEncoder took half of the agent's CPU per cycle (boxing through Codable, dynamic casts);
/// this writer appends bytes directly. Its output decodes with the types' Codable conformances, which remain
/// the reading side.
public enum WireJSON {
    /// One sample as a JSON object.
    public static func append(_ sample: Sample, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"counter_name":"#.utf8)
        append(string: sample.name, to: &out)
        out.append(contentsOf: #","counter_type":""#.utf8)
        out.append(contentsOf: sample.type.rawValue.utf8)
        out.append(contentsOf: #"","counter_unit":"#.utf8)
        append(string: sample.unit, to: &out)
        out.append(contentsOf: #","counter_volume":"#.utf8)
        append(number: sample.volume, to: &out)
        out.append(contentsOf: #","message_id":"#.utf8)
        append(string: sample.messageID, to: &out)
        if let monotonic = sample.monotonicTime {
            out.append(contentsOf: #","monotonic_time":"#.utf8)
            append(number: monotonic, to: &out)
        }
        out.append(contentsOf: #","project_id":"#.utf8)
        append(optional: sample.projectID, to: &out)
        out.append(contentsOf: #","resource_id":"#.utf8)
        append(string: sample.resourceID, to: &out)
        out.append(contentsOf: #","resource_metadata":"#.utf8)
        append(object: sample.resourceMetadata, to: &out)
        out.append(contentsOf: #","source":"#.utf8)
        append(string: sample.source, to: &out)
        out.append(contentsOf: #","timestamp":""#.utf8)
        WireTimestamp.append(sample.timestamp, to: &out)
        out.append(contentsOf: #"","user_id":"#.utf8)
        append(optional: sample.userID, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// One event as a JSON object.
    public static func append(_ event: Event, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"details":"#.utf8)
        append(object: event.details, to: &out)
        out.append(contentsOf: #","host":"#.utf8)
        append(string: event.host, to: &out)
        out.append(contentsOf: #","id":"#.utf8)
        append(string: event.id, to: &out)
        out.append(contentsOf: #","level":""#.utf8)
        out.append(contentsOf: event.level.rawValue.utf8)
        out.append(contentsOf: #"","message":"#.utf8)
        append(string: event.message, to: &out)
        out.append(contentsOf: #","resource":"#.utf8)
        append(string: event.resource, to: &out)
        out.append(contentsOf: #","time":""#.utf8)
        WireTimestamp.append(event.time, to: &out)
        out.append(contentsOf: #"","type":"#.utf8)
        append(string: event.type, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// A whole batch body.
    public static func encode(_ batch: Batch) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(200 + batch.samples.count * 360)
        out.append(contentsOf: #"{"agent":"#.utf8)
        append(string: batch.agent, to: &out)
        out.append(contentsOf: #","events":["#.utf8)
        for (index, event) in batch.events.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            append(event, to: &out)
        }
        out.append(contentsOf: #"],"host":"#.utf8)
        append(string: batch.host, to: &out)
        out.append(contentsOf: #","samples":["#.utf8)
        for (index, sample) in batch.samples.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            append(sample, to: &out)
        }
        out.append(contentsOf: #"],"sent_at":""#.utf8)
        WireTimestamp.append(batch.sentAt, to: &out)
        out.append(contentsOf: #"","seq":"#.utf8)
        out.append(contentsOf: String(batch.sequence).utf8)
        out.append(contentsOf: #","version":"#.utf8)
        out.append(contentsOf: String(batch.version).utf8)
        out.append(UInt8(ascii: "}"))
        return Data(out)
    }

    /// A JSON number; whole numbers without a fraction, and null for NaN or infinity (which JSON cannot hold
    /// and the pipeline drops before publishing).
    public static func append(number: Double, to out: inout [UInt8]) {
        guard number.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        if let whole = number.exactInteger {
            append(integer: whole, to: &out)
        } else {
            // Swift's description is the shortest text that reads back to the same Double, and JSON-valid.
            out.append(contentsOf: number.description.utf8)
        }
    }

    /// Decimal digits without making a String first: statistics answers write several per row.
    public static func append(integer: Int64, to out: inout [UInt8]) {
        if integer < 0 { out.append(UInt8(ascii: "-")) }
        var rest = integer.magnitude
        var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // room for 20 digits
        withUnsafeMutableBytes(of: &digits) { buffer in
            var position = buffer.count
            repeat {
                position -= 1
                buffer[position] = UInt8(48 + rest % 10)
                rest /= 10
            } while rest > 0
            out.append(contentsOf: buffer[position...])
        }
    }

    static func append(optional: String?, to out: inout [UInt8]) {
        if let optional { append(string: optional, to: &out) } else { out.append(contentsOf: "null".utf8) }
    }

    static func append(object: [String: JSONValue], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (index, key) in object.keys.sorted().enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            append(string: key, to: &out)
            out.append(UInt8(ascii: ":"))
            append(value: object[key]!, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Any JSON value as bytes, object keys sorted: what the collector stores as metadata and answers with.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        append(value: value, to: &out)
        return out
    }

    /// At least as many bytes as `encode` would produce (every character escaped at worst), found without
    /// encoding: a size limit checks this first and encodes only values that might be over it.
    public static func encodedLengthBound(_ value: JSONValue) -> Int {
        switch value {
        case .null, .bool: 5
        case .number: 32
        case .string(let text): text.utf8.count * 6 + 2
        case .array(let items): items.reduce(2) { $0 + encodedLengthBound($1) + 1 }
        case .object(let object): object.reduce(2) { $0 + $1.key.utf8.count * 6 + 4 + encodedLengthBound($1.value) }
        }
    }

    /// An object as text, keys sorted.
    public static func text(of object: [String: JSONValue]) -> String {
        var out: [UInt8] = []
        append(object: object, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func append(value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number): append(number: number, to: &out)
        case .string(let text): append(string: text, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                append(value: item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object): append(object: object, to: &out)
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string with the escapes RFC 8259 requires; runs that need none are copied whole (most strings are
    /// one such run).
    public static func append(string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var copied = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<index]))
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
                case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
                case UInt8(ascii: "\r"): out.append(contentsOf: #"\r"#.utf8)
                case UInt8(ascii: "\t"): out.append(contentsOf: #"\t"#.utf8)
                default:
                    out.append(contentsOf: #"\u00"#.utf8)
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0xF)])
                }
                copied = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
        }
        out.append(UInt8(ascii: "\""))
    }
}
