import Foundation

/// Ceilometer's timestamps: ISO 8601 with `T` (samples) or a space (oslo.messaging's envelope), with a
/// fraction of up to 6 digits or none, and with `Z`, `±HH:MM` or no zone at all (then UTC, as Ceilometer means).
public enum CeilometerTime {
    public static func parse(_ text: String) throws(CeilometerError) -> Date {
        let bytes = Array(text.utf8)
        func fail(_ why: String) -> CeilometerError { CeilometerError("timestamp '\(text.prefix(64))' \(why)") }
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[from..<from + count] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard bytes.count >= 19, let year = number(0, 4), bytes[4] == 0x2D, let month = number(5, 2), bytes[7] == 0x2D,
              let day = number(8, 2), bytes[10] == UInt8(ascii: "T") || bytes[10] == 0x20 || bytes[10] == UInt8(ascii: "t"),
              let hour = number(11, 2), bytes[13] == 0x3A, let minute = number(14, 2), bytes[16] == 0x3A,
              let second = number(17, 2)
        else { throw fail("is not YYYY-MM-DDTHH:MM:SS[.ffffff][zone]") }
        guard (1...12).contains(month), hour < 24, minute < 60, second < 60 else { throw fail("has a field out of range") }
        var position = 19
        var fraction = 0.0
        if position < bytes.count, bytes[position] == 0x2E {
            position += 1
            var scale = 0.1
            let start = position
            while position < bytes.count, (0x30...0x39).contains(bytes[position]) {
                fraction += Double(bytes[position] - 0x30) * scale
                scale /= 10
                position += 1
            }
            guard position > start, position - start <= 9 else { throw fail("has a fraction of \(position - start) digits") }
        }
        var offset = 0
        if position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                position += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let negative = bytes[position] == UInt8(ascii: "-")
                guard let hours = number(position + 1, 2) else { throw fail("has a zone that is not ±HH:MM") }
                var minutes = 0
                if position + 3 < bytes.count, bytes[position + 3] == 0x3A, let m = number(position + 4, 2) {
                    minutes = m
                    position += 6
                } else if let m = number(position + 3, 2) {
                    minutes = m
                    position += 5
                } else {
                    position += 3
                }
                guard hours < 24, minutes < 60 else { throw fail("has a zone out of range") }
                offset = (hours * 3600 + minutes * 60) * (negative ? -1 : 1)
            default:
                break
            }
        }
        guard position == bytes.count else { throw fail("has text after the time") }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)),
              calendar.component(.day, from: date) == day
        else { throw fail("names a day that does not exist") }
        return date.addingTimeInterval(fraction - Double(offset))
    }
}
