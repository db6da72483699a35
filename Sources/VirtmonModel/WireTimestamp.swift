import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ISO 8601 UTC timestamps with microseconds, the form Ceilometer writes (`2026-11-21T13:45:00.123456Z`).
///
/// Formatting goes through `gmtime_r` rather than a `DateFormatter` because it runs for every sample and must be
/// safe to call from any task.
public enum WireTimestamp {
    /// Formats a date as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    public static func format(_ date: Date) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(27)
        append(date, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the formatted date; the civil date comes from day arithmetic (proleptic Gregorian, as
    /// `gmtime` does), which is many times cheaper than a formatter and safe from any task.
    public static func append(_ date: Date, to out: inout [UInt8]) {
        let totalMicros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = totalMicros / 1_000_000
        var micros = totalMicros % 1_000_000
        if micros < 0 {
            micros += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        // Days since 1970-01-01 to year/month/day (Howard Hinnant's civil_from_days).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)

        // Into a stack buffer from each field's last digit back, then one append: a statistics answer formats
        // four dates a row.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 27) { text in
            func put(_ value: Int64, _ count: Int, at start: Int) {
                var rest = value
                for index in stride(from: start + count - 1, through: start, by: -1) {
                    text[index] = UInt8(truncatingIfNeeded: 48 + rest % 10)
                    rest /= 10
                }
            }
            put(year, 4, at: 0)
            text[4] = UInt8(ascii: "-")
            put(month, 2, at: 5)
            text[7] = UInt8(ascii: "-")
            put(day, 2, at: 8)
            text[10] = UInt8(ascii: "T")
            put(secondOfDay / 3600, 2, at: 11)
            text[13] = UInt8(ascii: ":")
            put(secondOfDay / 60 % 60, 2, at: 14)
            text[16] = UInt8(ascii: ":")
            put(secondOfDay % 60, 2, at: 17)
            text[19] = UInt8(ascii: ".")
            put(micros, 6, at: 20)
            text[26] = UInt8(ascii: "Z")
            out.append(contentsOf: text)
        }
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]`; a timestamp without a zone is taken as UTC, as
    /// Ceilometer does. Returns nil for anything else, including dates that do not exist.
    public static func parse(_ text: String) -> Date? {
        try? check(text)
    }

    /// Parses strictly, as `parse` does, and says what is wrong: a day that does not exist in its month, an
    /// hour, minute or offset out of range, or a leap second (second 60), which no store can order.
    /// `YYYY-MM-DD` alone is midnight UTC; `±HHMM` and `±HH` offsets are read as `±HH:MM`.
    public static func check(_ text: String) throws(TimestampError) -> Date {
        let bytes = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<start + count] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        func shape() -> TimestampError {
            TimestampError(text: text, reason: "is not an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM])")
        }
        guard bytes.count >= 10, let year = number(0, 4), bytes[4] == UInt8(ascii: "-"),
              let month = number(5, 2), bytes[7] == UInt8(ascii: "-"), let day = number(8, 2)
        else { throw shape() }
        var hour = 0, minute = 0, second = 0
        var index = 10
        if bytes.count > 10 {
            guard bytes.count >= 19, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
                  let h = number(11, 2), bytes[13] == UInt8(ascii: ":"),
                  let m = number(14, 2), bytes[16] == UInt8(ascii: ":"), let s = number(17, 2)
            else { throw shape() }
            (hour, minute, second) = (h, m, s)
            index = 19
        }
        guard (1...12).contains(month) else { throw TimestampError(text: text, reason: "has month \(month); months are 01 to 12") }
        let monthDays = [31, year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...monthDays).contains(day) else {
            throw TimestampError(text: text, reason: "has day \(day), but \(String(format: "%04d-%02d", year, month)) has \(monthDays) days")
        }
        guard hour < 24 else { throw TimestampError(text: text, reason: "has hour \(hour); hours are 00 to 23") }
        guard minute < 60 else { throw TimestampError(text: text, reason: "has minute \(minute); minutes are 00 to 59") }
        guard second < 60 else {
            throw TimestampError(text: text, reason: second == 60
                ? "is a leap second (second 60), which is not accepted: use :59.999999 or the next minute"
                : "has second \(second); seconds are 00 to 59")
        }
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ",") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { throw shape() }
        }
        var offsetSeconds = 0
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                index += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign = bytes[index] == UInt8(ascii: "+") ? 1 : -1
                guard let offsetHour = number(index + 1, 2) else { throw shape() }
                var offsetMinute = 0
                index += 3
                if index < bytes.count {
                    if bytes[index] == UInt8(ascii: ":") { index += 1 }
                    guard let minutes = number(index, 2) else { throw shape() }
                    offsetMinute = minutes
                    index += 2
                }
                guard offsetHour < 24, offsetMinute < 60 else {
                    throw TimestampError(text: text, reason: "has a UTC offset out of range; offsets are -23:59 to +23:59")
                }
                offsetSeconds = sign * (offsetHour * 3600 + offsetMinute * 60)
            default:
                throw shape()
            }
        }
        guard index == bytes.count else { throw shape() }
        // Days from the civil date (Howard Hinnant's days_from_civil): no libc time zone state involved.
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}

/// A timestamp that was refused, with the text and what is wrong with it.
public struct TimestampError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String
    public var reason: String

    public var description: String { "'\(text)' \(reason)" }
}
