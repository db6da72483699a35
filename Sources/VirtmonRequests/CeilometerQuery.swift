import Foundation
import VirtmonModel
import VirtmonStorage

/// Ceilometer's query parameters: parallel q.field/q.op/q.type/q.value lists, limit, period, groupby and
/// aggregate.func/aggregate.param pairs.
public enum CeilometerQuery {
    /// Filters from the parallel q.field/q.op/q.type/q.value lists; an unknown field or operator is refused by name.
    public static func filters(_ parameters: QueryParameters) throws(QueryError) -> [QueryFilter] {
        let fields = parameters.all("q.field"), ops = parameters.all("q.op")
        let types = parameters.all("q.type"), values = parameters.all("q.value")
        guard fields.count == values.count else {
            throw .invalid("\(fields.count) q.field but \(values.count) q.value: each field needs a value")
        }
        var filters: [QueryFilter] = []
        for (index, name) in fields.enumerated() {
            let field = try QueryField(parsing: name)
            let opText = index < ops.count && !ops[index].isEmpty ? ops[index] : "eq"
            guard let op = QueryOperator(rawValue: opText) else {
                throw .invalid("unknown operator '\(opText)' for \(name) (use eq, ne, lt, le, gt or ge)")
            }
            let type = index < types.count && !types[index].isEmpty ? types[index] : nil
            filters.append(QueryFilter(field, op, try QueryValue.parse(values[index], type: type, for: field)))
        }
        return filters
    }

    /// Filters from a `POST /v2/query/samples` body's `filter`: a JSON expression such as
    /// `{"and": [{"=": {"resource_id": "x"}}, {">": {"timestamp": "2026-11-21T10:00:00"}}]}`. Conjunctions
    /// of comparisons are supported; `or` and `not` are refused with a clear message.
    public static func filters(fromComplex expression: JSONValue) throws(QueryError) -> [QueryFilter] {
        guard case .object(let object) = expression, object.count == 1, let (key, body) = object.first else {
            throw .invalid("filter must be an object with one operator, such as {\"=\": {\"resource_id\": \"x\"}}")
        }
        let operators: [String: QueryOperator] = [
            "=": .eq, "eq": .eq, "!=": .ne, "ne": .ne, "<": .lt, "lt": .lt, "<=": .le, "=<": .le, "le": .le,
            ">": .gt, "gt": .gt, ">=": .ge, "=>": .ge, "ge": .ge,
        ]
        if key.lowercased() == "and" {
            guard case .array(let parts) = body else { throw .invalid("'and' takes a list of conditions") }
            var result: [QueryFilter] = []
            for part in parts { result += try filters(fromComplex: part) }
            return result
        }
        guard let op = operators[key.lowercased()] else {
            throw .invalid("filter operator '\(key)' is not supported (use and, =, !=, <, <=, >, >=)")
        }
        guard case .object(let condition) = body, condition.count == 1, let (name, raw) = condition.first else {
            throw .invalid("'\(key)' takes one {\"field\": value}")
        }
        let field = try QueryField(parsing: name)
        let value: QueryValue
        switch raw {
        case .bool(let flag): value = .bool(flag)
        case .number(let number): value = .number(number)
        case .string(let text): value = try QueryValue.parse(text, type: nil, for: field)
        default: throw .invalid("value for \(name) must be a string, number or boolean")
        }
        return [QueryFilter(field, op, value)]
    }

    /// The query string's `limit`: a positive integer, or `fallback` when absent.
    public static func limit(_ parameters: QueryParameters, default fallback: Int?) throws(QueryError) -> Int? {
        guard let text = parameters["limit"], !text.isEmpty else { return fallback }
        guard let limit = Int(text), limit > 0 else { throw .invalid("limit must be a positive integer, not '\(text)'") }
        return limit
    }

    /// A body's `limit`: a JSON number or, as python-ceilometerclient sends it, a numeric string; a whole
    /// number of at least 1. Larger than any listing allows is fine here (the route clamps it); beyond what an
    /// integer holds, fractional, or not a number is refused, never converted unchecked.
    public static func limit(json value: JSONValue?, default fallback: Int) throws(QueryError) -> Int {
        let number: Double
        switch value {
        case nil, .null?: return fallback
        case .number(let given)?: number = given
        case .string(let text)?:
            guard let given = Double(text.trimmingCharacters(in: .whitespaces)) else {
                throw .invalid("limit must be a positive whole number, not '\(text)'")
            }
            number = given
        default: throw .invalid("limit must be a positive whole number")
        }
        guard number.isFinite, number == number.rounded(), number >= 1 else {
            throw .invalid("limit must be a positive whole number, not \(QueryFilter.jsonText(.number(number)) ?? "\(number)")")
        }
        guard number < 9.2e18 else {
            throw .invalid("limit \(QueryFilter.jsonText(.number(number)) ?? "\(number)") is out of range: at most 9200000000000000000 (listings return at most the collector's largest page)")
        }
        return Int(number)
    }

    /// A `GET /v2/meters/NAME/statistics` query: filters, period, groupby and aggregates, validated.
    public static func statistics(meter: String, _ parameters: QueryParameters) throws(QueryError) -> StatisticsQuery {
        var period: Int64 = 0
        if let text = parameters["period"], !text.isEmpty {
            guard let value = Int64(text), value >= 0 else { throw .invalid("period must be a whole number of seconds, not '\(text)'") }
            period = value
        }
        var groupBy: [GroupField] = []
        for name in parameters.all("groupby") where !name.isEmpty { groupBy.append(try GroupField(parsing: name)) }
        var aggregates: [Aggregate] = []
        var pending: (name: String, parameter: String?)?
        for (name, value) in parameters.pairs {
            if name == "aggregate.func" {
                if let previous = pending { aggregates.append(try Aggregate(parsing: previous.name, parameter: previous.parameter)) }
                pending = (value, nil)
            } else if name == "aggregate.param" {
                guard pending != nil else { throw .invalid("aggregate.param must follow an aggregate.func") }
                pending?.parameter = value
            }
        }
        if let previous = pending { aggregates.append(try Aggregate(parsing: previous.name, parameter: previous.parameter)) }
        let query = StatisticsQuery(meter: meter, filters: try filters(parameters), period: period, groupBy: groupBy, aggregates: aggregates)
        try query.validate()
        return query
    }
}
