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
            return .date(try QueryValue.date(text, for: "\(field)"))
        case "":
            switch field {
            case .timestamp:
                return .date(try QueryValue.date(text, for: "\(field)"))
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

    /// ISO 8601 with or without a zone (no zone means UTC, as Ceilometer treats it) and with or without
    /// fractions; nil for anything else, including dates that do not exist.
    public static func parseDate(_ text: String) -> Date? {
        WireTimestamp.parse(text)
    }

    /// A date from a request, or an error naming what it was for and what is wrong with it.
    public static func date(_ text: String, for what: String) throws(QueryError) -> Date {
        do {
            return try WireTimestamp.check(text)
        } catch {
            throw .invalid("\(what): \(error.description)")
        }
    }
}
