import Foundation
import VirtmonModel

/// One condition of a query: `field op value`.
public struct QueryFilter: Sendable, Hashable {
    public var field: QueryField
    public var op: QueryOperator
    public var value: QueryValue

    public init(_ field: QueryField, _ op: QueryOperator = .eq, _ value: QueryValue) {
        self.field = field
        self.op = op
        self.value = value
    }

    /// The filter with its value in the one type its field compares by, or the reason it cannot be: timestamps
    /// compare as dates, volume as a number, ids and names as text, metadata as text, number or boolean.
    public func normalized() throws(QueryError) -> QueryFilter {
        var copy = self
        switch (field, value) {
        case (.timestamp, .date), (.volume, .number): return self
        case (.timestamp, _): throw .invalid("timestamp needs a datetime value")
        case (.volume, _): throw .invalid("volume needs a number")
        case (.metadata, .date):
            throw .invalid("\(field) compares as string, integer, float or boolean, not datetime")
        case (.metadata, _): return self
        case (_, .string): return self
        case (_, .number(let number)): copy.value = .string(QueryFilter.jsonText(.number(number)) ?? String(number))
        case (_, .bool(let flag)): copy.value = .string(flag ? "true" : "false")
        case (_, .date(let date)): copy.value = .string(WireTimestamp.format(date))
        }
        return copy
    }

    /// Normalises every filter of a query.
    public static func normalize(_ filters: [QueryFilter]) throws(QueryError) -> [QueryFilter] {
        var result: [QueryFilter] = []
        for filter in filters { result.append(try filter.normalized()) }
        return result
    }

    /// Whether a stored sample satisfies the condition; the reference semantics the SQL stores must match.
    public func matches(_ stored: StoredSample) -> Bool {
        let sample = stored.sample
        switch field {
        case .meter: return compareText(sample.name)
        case .resourceID: return compareText(sample.resourceID)
        case .projectID: return compareText(sample.projectID)
        case .userID: return compareText(sample.userID)
        case .source: return compareText(sample.source)
        case .messageID: return compareText(sample.messageID)
        case .type: return compareText(sample.type.rawValue)
        case .unit: return compareText(sample.unit)
        case .timestamp:
            guard case .date(let date) = value else { return false }
            return op.holds(microseconds(sample.timestamp), microseconds(date))
        case .volume:
            guard case .number(let number) = value else { return false }
            return op.holds(sample.volume, number)
        case .metadata(let key):
            return compareMetadata(QueryFilter.lookup(key, in: sample.resourceMetadata))
        }
    }

    func compareText(_ actual: String?) -> Bool {
        // SQL semantics: a comparison with NULL is never true, not even `ne`.
        guard let actual else { return false }
        switch value {
        case .string(let wanted): return QueryFilter.compareBytes(actual, wanted, op)
        case .number, .bool, .date: return false  // normalized() turns these into text first
        }
    }

    func compareMetadata(_ actual: JSONValue?) -> Bool {
        guard let actual else { return false }
        switch (value, actual) {
        case (.number(let wanted), .number(let number)): return op.holds(number, wanted)
        case (.number, _): return false
        case (.bool(let wanted), .bool(let flag)): return op.holds(flag ? 1 : 0, wanted ? 1 : 0)
        case (.bool, _): return false
        case (.string(let wanted), _):
            // Numbers and booleans compare as the text JSON spells them, as SQL's text extraction does.
            guard let text = QueryFilter.jsonText(actual) else { return false }
            return QueryFilter.compareBytes(text, wanted, op)
        case (.date, _): return false
        }
    }

    /// Text compared byte by byte in UTF-8, as SQLite's BINARY and PostgreSQL's "C" collation compare.
    static func compareBytes(_ lhs: String, _ rhs: String, _ op: QueryOperator) -> Bool {
        let order: Int
        if lhs == rhs {
            order = 0
        } else {
            order = lhs.utf8.lexicographicallyPrecedes(rhs.utf8) ? -1 : 1
        }
        return op.holds(order, 0)
    }

    /// The value at a dotted path inside metadata.
    public static func lookup(_ key: String, in metadata: [String: JSONValue]) -> JSONValue? {
        var current: JSONValue = .object(metadata)
        for part in key.split(separator: ".") {
            guard case .object(let object) = current, let next = object[String(part)] else { return nil }
            current = next
        }
        if case .null = current { return nil }
        return current
    }

    /// Scalars as text the way both databases' JSON text extraction spells them.
    public static func jsonText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .number(let number): return number.exactInteger.map(String.init) ?? String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null, .array, .object: return nil
        }
    }
}

/// Whole microseconds since the epoch: the resolution every store keeps timestamps at.
public func microseconds(_ date: Date) -> Int64 {
    Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
}

/// The date of a count of microseconds since the epoch.
public func dateFromMicroseconds(_ micros: Int64) -> Date {
    Date(timeIntervalSince1970: Double(micros) / 1_000_000)
}
