import Foundation
import VirtmonModel

/// The right-hand side of a filter, typed as Ceilometer's `q.type` says (or as the field implies).
public enum QueryValue: Sendable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case date(Date)

    /// Reads `text` as `type` (`string`, `integer`, `float`, `boolean`, `datetime`, or empty to guess as
    /// Ceilometer does: timestamps are dates, volume is a number, everything else text).
    public static func parse(_ text: String, type: String?, for field: QueryField) throws(QueryError) -> QueryValue {
        let wanted = (type ?? "").lowercased()
        switch wanted {
        case "string":
            return .string(text)
        case "integer", "float", "int", "number":
            guard let number = Double(text), number.isFinite else {
                throw .invalid("'\(text)' is not a \(wanted) for \(field)")
            }
            return .number(number)
        case "boolean", "bool":
            switch text.lowercased() {
            case "true", "1", "yes": return .bool(true)
            case "false", "0", "no": return .bool(false)
            default: throw .invalid("'\(text)' is not a boolean for \(field)")
            }
        case "datetime":
            guard let date = QueryValue.parseDate(text) else { throw .invalid("'\(text)' is not a datetime for \(field)") }
            return .date(date)
        case "":
            switch field {
            case .timestamp:
                guard let date = QueryValue.parseDate(text) else {
                    throw .invalid("'\(text)' is not a timestamp (use ISO 8601, e.g. 2026-11-21T10:00:00)")
                }
                return .date(date)
            case .volume:
                guard let number = Double(text), number.isFinite else { throw .invalid("'\(text)' is not a number for volume") }
                return .number(number)
            default:
                return .string(text)
            }
        default:
            throw .invalid("unknown value type '\(type ?? "")' (use string, integer, float, boolean or datetime)")
        }
    }

    /// ISO 8601 with or without a zone (no zone means UTC, as Ceilometer treats it) and with or without fractions.
    public static func parseDate(_ text: String) -> Date? {
        if let date = WireTimestamp.parse(text) { return date }
        var candidate = text.replacingOccurrences(of: " ", with: "T")
        if !candidate.hasSuffix("Z") && !candidate.contains("+") && candidate.count >= 10 {
            if candidate.count == 10 { candidate += "T00:00:00" }
            candidate += "Z"
        }
        if let date = WireTimestamp.parse(candidate) { return date }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: candidate) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: candidate)
    }
}
