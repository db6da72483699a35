import Foundation
import VirtmonModel

/// Ceilometer's complex query (`POST /v2/query/alarms`, `/v2/query/alarms/history`) over answer documents:
/// `{"and"|"or": [...]}`, `{"not": {...}}`, and comparisons `=`, `!=`, `<`, `<=`, `>`, `>=`, `in` on the
/// fields a document has, with `orderby` and `limit`. A field the documents do not have is a 400 that lists
/// the ones they do.
public struct ComplexFilter: Sendable {
    public let test: @Sendable ([String: JSONValue]) -> Bool

    /// From a request body `{filter, orderby, limit}`; `filter` and `orderby` may be JSON text (as the CLI sends them).
    public static func query(_ body: JSONValue, fields: Set<String>, defaultLimit: Int) throws -> (filter: ComplexFilter, order: [(String, Bool)], limit: Int) {
        guard case .object(let object) = body else { throw APIError.badRequest("the body must be an object with filter, orderby and limit") }
        var filter = ComplexFilter { _ in true }
        if let expression = try decoded(object["filter"], "filter") { filter = try parse(expression, fields: fields, depth: 0) }
        var order: [(String, Bool)] = []
        if let orderby = try decoded(object["orderby"], "orderby") {
            guard case .array(let list) = orderby else { throw APIError.badRequest("orderby must be a list such as [{\"timestamp\": \"desc\"}]") }
            for item in list {
                guard case .object(let pair) = item, pair.count == 1, let (field, direction) = pair.first, case .string(let way) = direction,
                      ["asc", "desc"].contains(way.lowercased()) else {
                    throw APIError.badRequest("each orderby entry is {\"FIELD\": \"asc\" or \"desc\"}")
                }
                guard fields.contains(field) else { throw unknown(field, fields) }
                order.append((field, way.lowercased() == "asc"))
            }
        }
        let limit = try CeilometerQuery.limit(json: object["limit"], default: defaultLimit)
        return (filter, order, limit)
    }

    /// Filters, orders and bounds documents.
    public static func apply(_ documents: [[String: JSONValue]], _ query: (filter: ComplexFilter, order: [(String, Bool)], limit: Int)) -> [[String: JSONValue]] {
        var result = documents.filter(query.filter.test)
        if !query.order.isEmpty {
            result.sort { a, b in
                for (field, ascending) in query.order {
                    let left = a[field] ?? .null, right = b[field] ?? .null
                    if left == right { continue }
                    return ascending ? less(left, right) : less(right, left)
                }
                return false
            }
        }
        return Array(result.prefix(query.limit))
    }

    static func decoded(_ value: JSONValue?, _ name: String) throws -> JSONValue? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?:
            if text.trimmingCharacters(in: .whitespaces).isEmpty { return nil }
            guard let parsed = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
                throw APIError.badRequest("\(name) is not valid JSON: \(text.prefix(200))")
            }
            return parsed
        case let other?: return other
        }
    }

    static func parse(_ expression: JSONValue, fields: Set<String>, depth: Int) throws -> ComplexFilter {
        guard depth < 32 else { throw APIError.badRequest("filter nests deeper than 32 levels") }
        guard case .object(let object) = expression, object.count == 1, let (key, body) = object.first else {
            throw APIError.badRequest("filter must be an object with one operator, such as {\"=\": {\"state\": \"alarm\"}}")
        }
        switch key.lowercased() {
        case "and", "or":
            guard case .array(let parts) = body, !parts.isEmpty else { throw APIError.badRequest("'\(key)' takes a non-empty list of conditions") }
            let filters = try parts.map { try parse($0, fields: fields, depth: depth + 1) }
            let all = key.lowercased() == "and"
            return ComplexFilter { document in all ? filters.allSatisfy { $0.test(document) } : filters.contains { $0.test(document) } }
        case "not":
            let inner = try parse(body, fields: fields, depth: depth + 1)
            return ComplexFilter { !inner.test($0) }
        default:
            guard case .object(let condition) = body, condition.count == 1, let (field, value) = condition.first else {
                throw APIError.badRequest("'\(key)' takes one {\"field\": value}")
            }
            guard fields.contains(field) else { throw unknown(field, fields) }
            switch key.lowercased() {
            case "=", "eq": return ComplexFilter { same($0[field] ?? .null, value) }
            case "!=", "ne": return ComplexFilter { !same($0[field] ?? .null, value) }
            case "<", "lt": return ComplexFilter { less($0[field] ?? .null, value) }
            case "<=", "le", "=<": return ComplexFilter { less($0[field] ?? .null, value) || same($0[field] ?? .null, value) }
            case ">", "gt": return ComplexFilter { less(value, $0[field] ?? .null) }
            case ">=", "ge", "=>": return ComplexFilter { less(value, $0[field] ?? .null) || same($0[field] ?? .null, value) }
            case "in":
                guard case .array(let options) = value else { throw APIError.badRequest("'in' takes a list: {\"in\": {\"\(field)\": [...]}}") }
                return ComplexFilter { document in options.contains { same(document[field] ?? .null, $0) } }
            default:
                throw APIError.badRequest("filter operator '\(key)' is not supported (use and, or, not, =, !=, <, <=, >, >=, in)")
            }
        }
    }

    static func unknown(_ field: String, _ fields: Set<String>) -> APIError {
        APIError.badRequest("cannot filter or order on '\(field)'; the fields are \(fields.sorted().joined(separator: ", "))")
    }

    /// Equal, reading a string the client sent as the number or boolean stored.
    static func same(_ stored: JSONValue, _ given: JSONValue) -> Bool {
        if stored == given { return true }
        switch (stored, given) {
        case (.number(let number), .string(let text)): return Double(text) == number
        case (.bool(let flag), .string(let text)): return text.lowercased() == String(flag)
        case (.string(let text), .number(let number)): return Double(text) == number
        default: return false
        }
    }

    static func less(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y
        case (.string(let x), .string(let y)): return x < y
        case (.number(let x), .string(let y)): return Double(y).map { x < $0 } ?? false
        case (.string(let x), .number(let y)): return Double(x).map { $0 < y } ?? false
        default: return false
        }
    }
}
