import Foundation

/// One period of one group, with Ceilometer's statistics fields.
public struct StatisticsRow: Sendable, Hashable {
    /// Group field name → value (nil when the samples had none); empty without groupby.
    public var groupBy: [String: String?]
    public var count: Int
    public var sum: Double
    public var min: Double
    public var max: Double
    public var avg: Double { count == 0 ? 0 : sum / Double(count) }
    /// Population standard deviation.
    public var stddev: Double
    /// Distinct counts keyed by field name, for cardinality aggregates.
    public var cardinality: [String: Int]
    public var durationStart: Date
    public var durationEnd: Date
    public var periodStart: Date
    public var periodEnd: Date
    /// Seconds, 0 without a period.
    public var period: Int64
    public var unit: String

    public init(
        groupBy: [String: String?], count: Int, sum: Double, min: Double, max: Double, stddev: Double,
        cardinality: [String: Int], durationStart: Date, durationEnd: Date, periodStart: Date, periodEnd: Date,
        period: Int64, unit: String
    ) {
        self.groupBy = groupBy
        self.count = count
        self.sum = sum
        self.min = min
        self.max = max
        self.stddev = stddev
        self.cardinality = cardinality
        self.durationStart = durationStart
        self.durationEnd = durationEnd
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.period = period
        self.unit = unit
    }

    /// Seconds between the first and last sample of the row.
    public var duration: Double { durationEnd.timeIntervalSince(durationStart) }

    /// The value of an aggregate for the row's `aggregate` object.
    public func value(of aggregate: Aggregate) -> Double {
        switch aggregate.function {
        case .avg: avg
        case .min: min
        case .max: max
        case .sum: sum
        case .count: Double(count)
        case .stddev: stddev
        case .cardinality: Double(cardinality[aggregate.parameter?.description ?? ""] ?? 0)
        }
    }

    /// Rows in a stable order: by group values, then period.
    public static func sorted(_ rows: [StatisticsRow], by fields: [GroupField]) -> [StatisticsRow] {
        // Keys once per row: looking them up per comparison took longer than computing the statistics.
        let names = fields.map(\.description)
        let keyed = rows.map { row in (names.map { row.groupBy[$0] ?? nil }, row) }
        return keyed.sorted { lhs, rhs in
            if lhs.0 != rhs.0 { return groupOrder(lhs.0, rhs.0) }
            return lhs.1.periodStart < rhs.1.periodStart
        }.map(\.1)
    }

    /// Whether one group's values sort before another's: field by field, a missing value first.
    static func groupOrder(_ lhs: [String?], _ rhs: [String?]) -> Bool {
        for (left, right) in zip(lhs, rhs) where left != right {
            return (left ?? "") < (right ?? "") || (left == nil && right != nil)
        }
        return false
    }
}
