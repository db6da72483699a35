/// What an alarm watches. Aodh sends it as `threshold_rule`, `composite_rule` or `event_rule`.
public enum AlarmRule: Sendable, Codable, Equatable {
    case threshold(ThresholdRule)
    /// An and/or tree of threshold rules.
    case composite(CompositeRule)
    case event(EventRule)

    public var type: String {
        switch self {
        case .threshold: "threshold"
        case .composite: "composite"
        case .event: "event"
        }
    }
}

/// One filter of a rule's query, as Aodh writes it.
public struct RuleFilter: Sendable, Codable, Equatable {
    public var field: String
    public var op: String
    public var value: String
    public var type: String

    public init(field: String, op: String = "eq", value: String, type: String = "") {
        self.field = field
        self.op = op
        self.value = value
        self.type = type
    }
}

/// A statistic of a meter compared with a threshold over the newest `evaluationPeriods` periods.
public struct ThresholdRule: Sendable, Codable, Equatable {
    public enum Comparison: String, Sendable, Codable, CaseIterable {
        case lt, le, eq, ne, ge, gt

        public var symbol: String {
            switch self {
            case .lt: "<"
            case .le: "<="
            case .eq: "=="
            case .ne: "!="
            case .ge: ">="
            case .gt: ">"
            }
        }

        public func holds(_ value: Double, _ threshold: Double) -> Bool {
            switch self {
            case .lt: value < threshold
            case .le: value <= threshold
            case .eq: value == threshold
            case .ne: value != threshold
            case .ge: value >= threshold
            case .gt: value > threshold
            }
        }
    }

    /// Aodh's five, plus `rate`: the per-second increase of a cumulative meter over the period (virtmon's own).
    public enum Statistic: String, Sendable, Codable, CaseIterable {
        case max, min, avg, sum, count, rate
    }

    public var meterName: String
    public var threshold: Double
    public var comparison: Comparison
    public var statistic: Statistic
    /// Seconds.
    public var period: Int
    public var evaluationPeriods: Int
    public var excludeOutliers: Bool
    public var query: [RuleFilter]

    public init(
        meterName: String, threshold: Double, comparison: Comparison = .eq, statistic: Statistic = .avg, period: Int = 60,
        evaluationPeriods: Int = 1, excludeOutliers: Bool = false, query: [RuleFilter] = []
    ) {
        self.meterName = meterName
        self.threshold = threshold
        self.comparison = comparison
        self.statistic = statistic
        self.period = period
        self.evaluationPeriods = evaluationPeriods
        self.excludeOutliers = excludeOutliers
        self.query = query
    }
}

/// `{"and": [...]}` / `{"or": [...]}` over threshold rules, nested.
public indirect enum CompositeRule: Sendable, Codable, Equatable {
    case and([CompositeRule])
    case or([CompositeRule])
    case rule(ThresholdRule)

    /// Every threshold rule in the tree.
    public var thresholds: [ThresholdRule] {
        switch self {
        case .and(let parts), .or(let parts): parts.flatMap(\.thresholds)
        case .rule(let rule): [rule]
        }
    }
}

/// Events whose type matches `eventType` (a glob) and whose fields match `query`.
public struct EventRule: Sendable, Codable, Equatable {
    public var eventType: String
    public var query: [RuleFilter]

    public init(eventType: String = "*", query: [RuleFilter] = []) {
        self.eventType = eventType
        self.query = query
    }
}
