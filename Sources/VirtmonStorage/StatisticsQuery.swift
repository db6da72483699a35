import Foundation

/// Statistics of one meter: filtered samples cut into periods and groups.
public struct StatisticsQuery: Sendable, Hashable {
    public var meter: String
    public var filters: [QueryFilter]
    /// Seconds per period; 0 means one period over everything that matched.
    public var period: Int64
    public var groupBy: [GroupField]
    public var aggregates: [Aggregate]

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

    /// Refuses what no store can answer, before any work.
    public func validate() throws(QueryError) {
        guard period >= 0 else { throw .invalid("period must be 0 or a positive number of seconds, not \(period)") }
        guard period <= 10 * 366 * 86_400 else { throw .invalid("period \(period) s is longer than ten years") }
    }
}
