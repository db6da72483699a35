import Foundation

/// Folds the samples of one group and period into a statistics row: the reference computation that the SQL
/// stores' GROUP BY must agree with.
public struct StatisticsAccumulator: Sendable {
    public private(set) var count = 0
    public private(set) var sum = 0.0
    public private(set) var min = Double.infinity
    public private(set) var max = -Double.infinity
    private var mean = 0.0
    private var squares = 0.0
    public private(set) var first = Int64.max
    public private(set) var last = Int64.min
    public private(set) var unit = ""
    private var distinct: [String: Set<String>] = [:]

    public init() {}

    /// Adds one sample's volume, time and the values cardinality aggregates count.
    public mutating func add(volume: Double, at micros: Int64, unit: String, distinctValues: [String: String?] = [:]) {
        count += 1
        sum += volume
        min = Swift.min(min, volume)
        max = Swift.max(max, volume)
        // Welford's running variance: stable for values far from zero.
        let delta = volume - mean
        mean += delta / Double(count)
        squares += delta * (volume - mean)
        first = Swift.min(first, micros)
        last = Swift.max(last, micros)
        // The largest unit name, as SQL's MAX(unit) picks: a meter keeps one unit, so this is the tie-break.
        if unit > self.unit { self.unit = unit }
        for (field, value) in distinctValues {
            guard let value else { continue }
            distinct[field, default: []].insert(value)
        }
    }

    /// Adds a run of samples summarised elsewhere (a chunk or rollup bucket), merging its mean and M2 with
    /// Chan et al.'s pairwise update so that the result equals adding the samples one by one up to rounding.
    public mutating func add(
        count other: Int, sum otherSum: Double, min otherMin: Double, max otherMax: Double, m2 otherM2: Double,
        first otherFirst: Int64, last otherLast: Int64, unit: String, distinctValues: [String: String?] = [:]
    ) {
        guard other > 0 else { return }
        let otherMean = otherSum / Double(other)
        let total = Double(count + other)
        let delta = otherMean - mean
        squares += otherM2 + delta * delta * Double(count) * Double(other) / total
        mean += delta * Double(other) / total
        count += other
        sum += otherSum
        min = Swift.min(min, otherMin)
        max = Swift.max(max, otherMax)
        first = Swift.min(first, otherFirst)
        last = Swift.max(last, otherLast)
        if unit > self.unit { self.unit = unit }
        for (field, value) in distinctValues {
            guard let value else { continue }
            distinct[field, default: []].insert(value)
        }
    }

    /// The population standard deviation so far.
    public var stddev: Double { count == 0 ? 0 : (squares / Double(count)).squareRoot() }

    /// The row for this group and period.
    public func row(groupBy: [String: String?], periodStart: Int64?, period: Int64, cardinalityFields: [String]) -> StatisticsRow {
        let start = periodStart ?? first
        let end = periodStart.map { $0 + period * 1_000_000 } ?? last
        var cardinality: [String: Int] = [:]
        for field in cardinalityFields { cardinality[field] = distinct[field]?.count ?? 0 }
        return StatisticsRow(
            groupBy: groupBy, count: count, sum: sum, min: min, max: max, stddev: stddev, cardinality: cardinality,
            durationStart: dateFromMicroseconds(first), durationEnd: dateFromMicroseconds(last),
            periodStart: dateFromMicroseconds(start), periodEnd: dateFromMicroseconds(end), period: period, unit: unit
        )
    }
}
