import Foundation
import VirtmonModel
import VirtmonStorage

/// Aodh's threshold rules, exactly: the newest `evaluation_periods` values of the statistic decide; fewer
/// values than that is insufficient data; all breaching is alarm, none is ok; a mix moves the state only out
/// of insufficient data (to what the newest value says), and otherwise leaves it. A decision with `notify`
/// set is a transition (or, with repeat_actions, a repeat) that the notifier announces.
public struct ThresholdDecision: Sendable, Equatable {
    public var state: AlarmState
    public var reason: String
    /// `{type: threshold, disposition: inside|outside|unknown, count, most_recent}`.
    public var reasonData: JSONValue
    /// The state changed: write it and its history row.
    public var changed: Bool
    /// Tell the actions: on a change, or every evaluation with repeat_actions.
    public var notify: Bool

    /// - Parameter values: the statistic per non-empty period, oldest first.
    public static func decide(_ rule: ThresholdRule, values: [Double], current: AlarmState, repeatActions: Bool) -> ThresholdDecision? {
        var values = values
        if rule.excludeOutliers { values = withoutOutliers(values) }
        let recent = Array(values.suffix(rule.evaluationPeriods))
        guard recent.count == rule.evaluationPeriods, let newest = recent.last else {
            let unknown = rule.evaluationPeriods - recent.count
            guard current != .insufficientData || repeatActions else { return nil }
            return ThresholdDecision(
                state: .insufficientData, reason: "\(unknown) datapoints are unknown",
                reasonData: .object(["type": "threshold", "disposition": "unknown", "count": .number(Double(unknown)), "most_recent": .null]),
                changed: current != .insufficientData, notify: true)
        }
        let breaching = recent.map { rule.comparison.holds($0, rule.threshold) }
        let outside = breaching.filter { $0 }.count
        let target: AlarmState
        if outside == recent.count {
            target = .alarm
        } else if outside == 0 {
            target = .ok
        } else {
            // Mixed: only a first evaluation follows the trend; a settled state stays (announced again with repeat_actions).
            guard current == .insufficientData || repeatActions else { return nil }
            target = current == .insufficientData ? (breaching.last == true ? .alarm : .ok) : current
        }
        guard target != current || repeatActions else { return nil }
        let count = target == .alarm ? outside : recent.count - outside
        let disposition = target == .alarm ? "outside" : "inside"
        let verb = target != current ? "Transition to" : "Remaining as"
        return ThresholdDecision(
            state: target,
            reason: "\(verb) \(target.rawValue) due to \(count) samples \(disposition) threshold, most recent: \(format(newest))",
            reasonData: .object(["type": "threshold", "disposition": .string(disposition), "count": .number(Double(count)),
                                 "most_recent": .number(newest)]),
            changed: target != current, notify: true)
    }

    /// Values more than two standard deviations from the mean are dropped (Aodh's exclude_outliers).
    static func withoutOutliers(_ values: [Double]) -> [Double] {
        guard values.count > 2 else { return values }
        let mean = values.reduce(0, +) / Double(values.count)
        let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        return values.filter { abs($0 - mean) <= 2 * deviation }
    }

    /// As Python prints a float: `93.5`, `70.0`.
    static func format(_ value: Double) -> String {
        value.exactInteger.map { "\($0).0" } ?? String(value)
    }

    /// The rule's statistic of one period.
    public static func value(of row: StatisticsRow, _ statistic: ThresholdRule.Statistic, period: Int) -> Double {
        switch statistic {
        case .max: row.max
        case .min: row.min
        case .avg: row.avg
        case .sum: row.sum
        case .count: Double(row.count)
        // A cumulative counter's increase per second over the period (its samples' spread over the period).
        case .rate: (row.max - row.min) / Double(max(1, period))
        }
    }
}
