/// Builds the WHERE clauses and statistics SELECT both SQL stores run, binding every value as a parameter.
public struct SQLQueryBuilder: Sendable {
    /// Which SQL expression holds each field, for the table a statement reads.
    public struct Columns: Sendable {
        public var meter = "meter", resourceID = "resource_id", projectID = "project_id", userID = "user_id"
        public var source = "source", timestamp = "ts", messageID = "message_id", type = "type", unit = "unit"
        public var volume = "volume", metadata = "metadata"

        public init() {}

        /// The samples table.
        public static let samples = Columns()

        /// The meters table `m` joined to its resource `r` (for metadata).
        public static let meters: Columns = {
            var columns = Columns()
            columns.meter = "m.meter"
            columns.resourceID = "m.resource_id"
            columns.projectID = "m.project_id"
            columns.userID = "m.user_id"
            columns.source = "m.source"
            columns.type = "m.type"
            columns.unit = "m.unit"
            columns.metadata = "r.metadata"
            return columns
        }()

        /// The resources table `r`.
        public static let resources: Columns = {
            var columns = Columns()
            columns.resourceID = "r.resource_id"
            columns.projectID = "r.project_id"
            columns.userID = "r.user_id"
            columns.source = "r.source"
            columns.metadata = "r.metadata"
            return columns
        }()
    }

    public let dialect: SQLDialect
    public private(set) var bindings: [SQLValue] = []

    public init(dialect: SQLDialect) {
        self.dialect = dialect
    }

    /// Adds a parameter and returns its placeholder.
    public mutating func bind(_ value: SQLValue) -> String {
        bindings.append(value)
        return dialect.placeholder(bindings.count)
    }

    /// `AND`-joined conditions for normalised filters ("1=1" when there are none).
    public mutating func whereClause(_ filters: [QueryFilter], columns: Columns) -> String {
        let conditions = filters.map { condition($0, columns: columns) }
        return conditions.isEmpty ? "1=1" : conditions.joined(separator: " AND ")
    }

    /// Conditions over the resources table `r`: a meter means "has samples of it", a lower time bound
    /// compares with the last sample and an upper one with the first.
    public mutating func resourceWhereClause(_ filters: [QueryFilter]) -> String {
        let conditions = filters.map { filter -> String in
            switch filter.field {
            case .meter:
                guard case .string(let name) = filter.value else { return "1=0" }
                return "EXISTS (SELECT 1 FROM meters mm WHERE mm.resource_id = r.resource_id AND mm.meter = \(bind(.text(name))))"
            case .timestamp:
                guard case .date(let date) = filter.value else { return "1=0" }
                let column = filter.op == .ge || filter.op == .gt ? "r.last_ts" : "r.first_ts"
                return "\(column) \(filter.op.sql) \(bind(.integer(microseconds(date))))"
            default:
                return condition(filter, columns: .resources)
            }
        }
        return conditions.isEmpty ? "1=1" : conditions.joined(separator: " AND ")
    }

    /// Conditions over the events table.
    public mutating func eventWhereClause(_ query: EventQuery) -> String {
        var conditions: [String] = []
        if let type = query.type { conditions.append("type = \(bind(.text(type)))") }
        if let level = query.level { conditions.append("level = \(bind(.text(level.rawValue)))") }
        if let host = query.host { conditions.append("host = \(bind(.text(host)))") }
        if let resource = query.resource { conditions.append("resource = \(bind(.text(resource)))") }
        if let since = query.since { conditions.append("ts >= \(bind(.integer(microseconds(since))))") }
        if let until = query.until { conditions.append("ts < \(bind(.integer(microseconds(until))))") }
        return conditions.isEmpty ? "1=1" : conditions.joined(separator: " AND ")
    }

    mutating func condition(_ filter: QueryFilter, columns: Columns) -> String {
        let op = filter.op.sql
        func text(_ column: String) -> String {
            guard case .string(let value) = filter.value else { return "1=0" }
            return "\(dialect.textColumn(column)) \(op) \(bind(.text(value)))"
        }
        switch filter.field {
        case .meter: return text(columns.meter)
        case .resourceID: return text(columns.resourceID)
        case .projectID: return text(columns.projectID)
        case .userID: return text(columns.userID)
        case .source: return text(columns.source)
        case .messageID: return text(columns.messageID)
        case .type: return text(columns.type)
        case .unit: return text(columns.unit)
        case .timestamp:
            guard case .date(let date) = filter.value else { return "1=0" }
            return "\(columns.timestamp) \(op) \(bind(.integer(microseconds(date))))"
        case .volume:
            guard case .number(let number) = filter.value else { return "1=0" }
            return "\(columns.volume) \(op) \(bind(.real(number)))"
        case .metadata(let key):
            switch filter.value {
            case .string(let value):
                return "\(dialect.metadataText(columns.metadata, key: key)) \(op) \(bind(.text(value)))"
            case .number(let number):
                return "\(dialect.metadataNumber(columns.metadata, key: key)) \(op) \(bind(.real(number)))"
            case .bool(let flag):
                return "\(dialect.metadataBool(columns.metadata, key: key)) \(op) \(bind(.integer(flag ? 1 : 0)))"
            case .date:
                return "1=0"
            }
        }
    }

    /// The expression a statistics group reads.
    public func groupExpression(_ field: GroupField) -> String {
        switch field {
        case .resourceID: "resource_id"
        case .projectID: "project_id"
        case .userID: "user_id"
        case .source: "source"
        case .metadata(let key): dialect.metadataText("metadata", key: key)
        }
    }

    /// The statistics SELECT over the samples table. Result columns, in order: one per group field, the
    /// period index, count, sum, min, max, sum of squares, first ts, last ts, unit, one per cardinality.
    public mutating func statistics(_ query: StatisticsQuery, filters: [QueryFilter], start: Int64) -> String {
        let conditions = whereClause(filters, columns: .samples)
        let groups = query.groupBy.map(groupExpression)
        let bucket = query.period > 0
            ? "((ts - \(bind(.integer(start)))) / \(bind(.integer(query.period * 1_000_000))))"
            : "CAST(0 AS BIGINT)"
        let distinct = query.aggregates.compactMap(\.parameter).map { field -> String in
            let column = switch field {
            case .projectID: "project_id"
            case .userID: "user_id"
            case .source: "source"
            default: "resource_id"
            }
            return "COUNT(DISTINCT \(column))"
        }
        let select = groups + [
            "\(bucket) AS bucket", "COUNT(*)", "SUM(volume)", "MIN(volume)", "MAX(volume)", "SUM(volume * volume)",
            "MIN(ts)", "MAX(ts)", "MAX(unit)",
        ] + distinct
        let groupBy = (groups.indices.map { "\($0 + 1)" } + ["\(groups.count + 1)"]).joined(separator: ", ")
        return "SELECT \(select.joined(separator: ", ")) FROM samples WHERE \(conditions) GROUP BY \(groupBy)"
    }

    /// Turns one statistics result row's aggregates into a `StatisticsRow`.
    public static func row(
        query: StatisticsQuery, groupValues: [String?], bucket: Int64, count: Int64, sum: Double, min: Double,
        max: Double, sumOfSquares: Double, first: Int64, last: Int64, unit: String, distinct: [Int64], start: Int64
    ) -> StatisticsRow {
        var groupBy: [String: String?] = [:]
        for (field, value) in zip(query.groupBy, groupValues) { groupBy[field.description] = value }
        let n = Double(count)
        let mean = sum / n
        let variance = Swift.max(0, sumOfSquares / n - mean * mean)
        var cardinality: [String: Int] = [:]
        for (field, value) in zip(query.aggregates.compactMap(\.parameter), distinct) {
            cardinality[field.description] = Int(value)
        }
        let periodStart = query.period > 0 ? start + bucket * query.period * 1_000_000 : first
        let periodEnd = query.period > 0 ? periodStart + query.period * 1_000_000 : last
        return StatisticsRow(
            groupBy: groupBy, count: Int(count), sum: sum, min: min, max: max, stddev: variance.squareRoot(),
            cardinality: cardinality, durationStart: dateFromMicroseconds(first), durationEnd: dateFromMicroseconds(last),
            periodStart: dateFromMicroseconds(periodStart), periodEnd: dateFromMicroseconds(periodEnd),
            period: query.period, unit: unit
        )
    }
}
