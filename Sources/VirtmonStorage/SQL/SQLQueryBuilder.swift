/// Builds statements for both SQL stores, binding every value as a parameter.
public struct SQLQueryBuilder: Sendable {
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

    /// Conditions over the events table.
    public mutating func eventWhereClause(_ query: EventQuery) -> String {
        var conditions: [String] = []
        if let id = query.id { conditions.append("id = \(bind(.text(id)))") }
        if let type = query.type { conditions.append("type = \(bind(.text(type)))") }
        if let level = query.level { conditions.append("level = \(bind(.text(level.rawValue)))") }
        if let host = query.host { conditions.append("host = \(bind(.text(host)))") }
        if let resource = query.resource { conditions.append("resource = \(bind(.text(resource)))") }
        if let since = query.since { conditions.append("ts >= \(bind(.integer(microseconds(since))))") }
        if let until = query.until { conditions.append("ts < \(bind(.integer(microseconds(until))))") }
        return conditions.isEmpty ? "1=1" : conditions.joined(separator: " AND ")
    }
}
