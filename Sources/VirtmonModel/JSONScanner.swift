import Foundation

/// A forward-only JSON reader over bytes: the pieces `WireDecoder` builds batches from without going through
/// Codable, which cost the collector about half of its CPU per sample.
struct JSONScanner: ~Copyable {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    /// The path being read, for error messages.
    var path: [String] = []
    /// The last resource_metadata object read and where its bytes were: the samples of one resource carry the
    /// same metadata, and reusing the decoded dictionary saves both the allocations and, later, deep
    /// comparisons (equal storage compares equal at once).
    var lastMetadata: (start: Int, count: Int, value: [String: JSONValue])?

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    func error(_ message: String) -> WireDecodeError {
        WireDecodeError(path: path.joined().drop(while: { $0 == "." }).description, offset: index, message: message)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// The next non-space byte, without consuming it.
    mutating func peek() throws(WireDecodeError) -> UInt8 {
        skipWhitespace()
        guard index < bytes.count else { throw error("unexpected end of the body") }
        return bytes[index]
    }

    mutating func expect(_ byte: UInt8) throws(WireDecodeError) {
        guard try peek() == byte else { throw error("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    /// Reads `{ "key": value, … }`, calling `field` with each key; `field` must consume the value.
    mutating func object(_ field: (inout JSONScanner, JSONKey) throws(WireDecodeError) -> Void) throws(WireDecodeError) {
        try expect(UInt8(ascii: "{"))
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            let key = try self.key()
            try expect(UInt8(ascii: ":"))
            try field(&self, key)
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return
            default: throw error("expected ',' or '}' in an object")
            }
        }
    }

    /// Reads `[ value, … ]`, calling `element` with each position; `element` must consume the value.
    mutating func array(_ element: (inout JSONScanner, Int) throws(WireDecodeError) -> Void) throws(WireDecodeError) {
        try expect(UInt8(ascii: "["))
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        var position = 0
        while true {
            try element(&self, position)
            position += 1
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return
            default: throw error("expected ',' or ']' in a list")
            }
        }
    }

    /// A key: its bytes in place when it holds no escapes (every key virtmon writes), else decoded.
    private mutating func key() throws(WireDecodeError) -> JSONKey {
        guard try peek() == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
        let start = index + 1
        var cursor = start
        while cursor < bytes.count {
            let byte = bytes[cursor]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<cursor])
                guard JSONScanner.isUTF8(raw) else { throw error("a key is not valid UTF-8") }
                index = cursor + 1
                return JSONKey(raw: raw, decoded: nil)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character in a key") }
            cursor += 1
        }
        return JSONKey(raw: nil, decoded: try string())
    }

    mutating func string() throws(WireDecodeError) -> String {
        guard try peek() == UInt8(ascii: "\"") else { throw error("expected a string") }
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                // JSON is UTF-8: bytes that are not are refused, never replaced, so what is stored is what was sent.
                guard let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self) else {
                    throw error("a string is not valid UTF-8")
                }
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character in a string") }
            index += 1
        }
        var scalars = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: scalars, as: UTF8.self) else { throw error("a string is not valid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw error("unfinished escape") }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                        else { throw error("lone UTF-16 surrogate") }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("bad UTF-16 surrogate pair") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                    scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw error("unknown escape '\\\(Character(Unicode.Scalar(escaped)))'")
                }
            default:
                if byte < 0x20 { throw error("control character in a string") }
                scalars.append(byte)
            }
        }
        throw error("unterminated string")
    }

    /// Whether `raw` is UTF-8; ASCII, as nearly every key is, is checked without building a String.
    static func isUTF8(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        if raw.allSatisfy({ $0 < 0x80 }) { return true }
        return String(validating: raw, as: UTF8.self) != nil
    }

    private mutating func hex4() throws(WireDecodeError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            index += 1
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("bad hex digit in \\u escape")
            }
            value = value << 4 | digit
        }
        return value
    }

    /// A string, or nil for `null`.
    mutating func optionalString() throws(WireDecodeError) -> String? {
        if try peek() == UInt8(ascii: "n") {
            try literal("null")
            return nil
        }
        return try string()
    }

    mutating func literal(_ word: StaticString) throws(WireDecodeError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
              memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0
        else { throw error("expected \(word)") }
        index += count
    }

    /// A JSON number, checked against JSON's grammar before it is converted.
    mutating func number() throws(WireDecodeError) -> Double {
        _ = try peek()
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let digitsStart = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        guard index > digitsStart else { throw error("expected a number") }
        // JSON has no leading zeros ("06.5"), which other readers refuse or read as octal.
        guard bytes[digitsStart] != UInt8(ascii: "0") || index - digitsStart == 1 else { throw error("a number with a leading zero") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fraction = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > fraction else { throw error("expected digits after '.'") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let exponent = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > exponent else { throw error("expected digits in an exponent") }
        }
        let length = index - start
        // Copy into a terminated buffer: strtod must not read past the number (or the body).
        let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for offset in 0..<length { buffer[offset] = CChar(bitPattern: bytes[start + offset]) }
            buffer[length] = 0
            return strtod(buffer.baseAddress!, nil)
        }
        // 1e400 would read as infinity, which no JSON reader round-trips and no store keeps.
        guard value.isFinite else { throw error("a number beyond the range of a double") }
        return value
    }

    /// A number or `null`.
    mutating func optionalNumber() throws(WireDecodeError) -> Double? {
        if try peek() == UInt8(ascii: "n") {
            try literal("null")
            return nil
        }
        return try number()
    }

    /// Any value, as a JSONValue.
    mutating func value(depth: Int = 0) throws(WireDecodeError) -> JSONValue {
        guard depth < 64 else { throw error("nested more than 64 levels deep") }
        switch try peek() {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "{"): return .object(try objectValue(depth: depth + 1))
        case UInt8(ascii: "["):
            var items: [JSONValue] = []
            try array { (scanner: inout JSONScanner, _: Int) throws(WireDecodeError) in items.append(try scanner.value(depth: depth + 1)) }
            return .array(items)
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default:
            return .number(try number())
        }
    }

    mutating func objectValue(depth: Int = 0) throws(WireDecodeError) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        try object { (scanner: inout JSONScanner, key: JSONKey) throws(WireDecodeError) in
            let name = key.text
            guard result.updateValue(try scanner.value(depth: depth), forKey: name) == nil else {
                throw scanner.error("key \"\(name.prefix(100))\" is given twice in one object")
            }
        }
        return result
    }

    /// Moves past the object that starts here by matching brackets outside strings, building nothing. It does
    /// not check what lies between: callers decode (and so validate) any bytes they have not seen before.
    mutating func skipObject() throws(WireDecodeError) {
        guard try peek() == UInt8(ascii: "{") else { throw error("expected an object") }
        var position = index
        var depth = 0
        repeat {
            guard position < bytes.count else { throw error("unexpected end of the body") }
            switch bytes[position] {
            case UInt8(ascii: "\""):
                position += 1
                while position < bytes.count && bytes[position] != UInt8(ascii: "\"") {
                    position += bytes[position] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard position < bytes.count else { throw error("unexpected end of the body") }
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
            position += 1
        } while depth > 0
        index = position
    }

    /// Skips any value.
    mutating func skip() throws(WireDecodeError) {
        _ = try value()
    }
}

/// An object key as the scanner found it.
struct JSONKey {
    let raw: UnsafeBufferPointer<UInt8>?
    let decoded: String?

    /// Whether the key is `word`, compared without making a String.
    func equals(_ word: StaticString) -> Bool {
        if let raw {
            return raw.count == word.utf8CodeUnitCount && (raw.count == 0 || memcmp(raw.baseAddress!, word.utf8Start, raw.count) == 0)
        }
        return decoded == word.description
    }

    var text: String { raw.map { String(decoding: $0, as: UTF8.self) } ?? decoded ?? "" }
}
