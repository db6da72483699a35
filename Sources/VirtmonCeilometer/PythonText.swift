/// Python 3's `str()` and `repr()` of the values a Ceilometer sample holds, as its signature feeds them to
/// the HMAC: floats in the shortest form that reads back (`12.5`, `1.0`, `1e-05`, `1e+16`), `None`, `True`,
/// and inside lists the `bytes` repr Ceilometer's `decode_unicode` turns strings into (`b'a'`).
enum PythonText {
    /// `str(value)` for a value at the top of a (flattened) sample.
    static func str(_ value: CeilometerValue) -> String {
        switch value {
        case .string(let text): return text
        default: return repr(value, stringsAsBytes: false)
        }
    }

    /// `repr(value)`; inside lists and their dicts Ceilometer has turned strings into UTF-8 bytes.
    static func repr(_ value: CeilometerValue, stringsAsBytes: Bool) -> String {
        switch value {
        case .null: return "None"
        case .bool(let flag): return flag ? "True" : "False"
        case .integer(let number): return String(number)
        case .bigInteger(let text): return text
        case .float(let number): return float(number)
        case .string(let text): return stringsAsBytes ? bytes(Array(text.utf8)) : string(text)
        // decode_unicode turns bytes back into text on Python 3.
        case .bytes(let raw): return string(String(decoding: raw, as: UTF8.self))
        case .array(let items): return "[" + items.map { repr($0, stringsAsBytes: stringsAsBytes) }.joined(separator: ", ") + "]"
        case .object(let pairs):
            // decode_unicode rebuilds dicts in sorted key order.
            let sorted = pairs.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
            let key = { (name: String) in stringsAsBytes ? bytes(Array(name.utf8)) : string(name) }
            return "{" + sorted.map { key($0.0) + ": " + repr($0.1, stringsAsBytes: stringsAsBytes) }.joined(separator: ", ") + "}"
        }
    }

    /// `repr(float)`: the shortest digits that read back, in fixed notation when the decimal exponent is from
    /// -4 to 16, else as d.ddde±XX.
    static func float(_ number: Double) -> String {
        if number.isNaN { return "nan" }
        if number.isInfinite { return number < 0 ? "-inf" : "inf" }
        if number == 0 { return number.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description is also the shortest round-trip form; only the layout differs from Python's.
        var text = Substring(number.magnitude.description)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...])!
            text = text[..<e]
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var digits = Array(parts[0]) + (parts.count > 1 ? Array(parts[1]) : [])
        // value = 0.DIGITS × 10^point
        var point = parts[0].count + exponent
        while digits.first == "0" { digits.removeFirst(); point -= 1 }
        while digits.last == "0" { digits.removeLast() }
        let sign = number < 0 ? "-" : ""
        if point > 16 || point < -3 {
            let mantissa = digits.count == 1 ? String(digits) : String(digits[0]) + "." + String(digits[1...])
            let power = point - 1
            let magnitude = String(abs(power))
            return sign + mantissa + "e" + (power < 0 ? "-" : "+") + (magnitude.count < 2 ? "0" + magnitude : magnitude)
        }
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + String(digits) }
        if digits.count <= point { return sign + String(digits) + String(repeating: "0", count: point - digits.count) + ".0" }
        return sign + String(digits[..<point]) + "." + String(digits[point...])
    }

    /// `repr(str)`: single quotes unless the text has one and no double quote.
    static func string(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(scalar) == quote {
                    out += "\\" + String(quote)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if (0x80..<0xA0).contains(scalar.value) {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else {
                    // Python shows printable non-ASCII as is; unprintable ones are rare in ids and left as is.
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + String(quote)
    }

    /// `repr(bytes)`: b'…' with \xNN for anything outside printable ASCII.
    static func bytes(_ raw: [UInt8]) -> String {
        let quote: UInt8 = raw.contains(0x27) && !raw.contains(0x22) ? 0x22 : 0x27
        var out = "b" + String(Character(Unicode.Scalar(quote)))
        for byte in raw {
            switch byte {
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case quote: out += "\\" + String(Character(Unicode.Scalar(quote)))
            case 0x20..<0x7F: out.append(Character(Unicode.Scalar(byte)))
            default: out += "\\x" + hex(UInt32(byte), width: 2)
            }
        }
        return out + String(Character(Unicode.Scalar(quote)))
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
