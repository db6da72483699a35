import Foundation

/// Statistics of one meter: filtered samples cut into periods and groups.
public struct StatisticsQuery: Sendable, Hashable {
    public var meter: String
    public var filters: [QueryFilter]
    /// Seconds per period; 0 means one period over everything that matched.
    public var period: Int64
    public var groupBy: [GroupField]
    public var aggregates: [Aggregate]
    /// Most rows the answer may hold; a store that would produce more throws `QueryError` instead.
    public var maxRows: Int?

    public init(meter: String, filters: [QueryFilter] = [], period: Int64 = 0, groupBy: [GroupField] = [], aggregates: [Aggregate] = []) {
        self.meter = meter
        self.filters = filters
        self.period = period
        self.groupBy = groupBy
        self.aggregates = aggregates
    }

    /// Every filter including the meter's own.
    public var allFilters: [QueryFilter] {
        [QueryFilter(.meter, .eq, .string(meter))] + filters
    }

    /// Where periods start counting: the query's lower time bound when it has one (as Ceilometer does).
    public var lowerTimeBound: Date? {
        filters.compactMap { filter -> Date? in
            guard filter.field == .timestamp, filter.op == .ge || filter.op == .gt, case .date(let date) = filter.value
            else { return nil }
            return date
        }.max()
    }

    /// The refusal for an answer of more than `maxRows` rows over `groups` groups and `span` microseconds of
    /// data, with the shortest period that would fit.
    public func tooManyRows(groups: Int, span: Int64) -> QueryError {
        let limit = maxRows ?? 0
        let seconds = max(1, (span + 999_999) / 1_000_000)
        let fitting = (Int64(max(1, groups)) * seconds + Int64(limit) - 1) / Int64(max(1, limit))
        let advice = Int64(max(1, groups)) > Int64(limit)
            ? "group by fewer fields or filter to fewer groups (\(groups) groups)"
            : "use period=\(max(fitting, period + 1)) or more, or a shorter time range"
        return .invalid("statistics would return more than \(limit) rows (\(groups) group\(groups == 1 ? "" : "s") × periods of \(period) s over \(seconds) s of data); \(advice)")
    }

    /// Refuses what no store can answer, before any work.
    public func validate() throws(QueryError) {
        guard period >= 0 else { throw .invalid("period must be 0 or a positive number of seconds, not \(period)") }
        guard period <= 10 * 366 * 86_400 else { throw .invalid("period \(period) s is longer than ten years") }
    }
}
