import Foundation

/// An alarm as Aodh defines it: a rule over meters or events, a state the evaluator moves, and the actions
/// a transition into each state notifies.
public struct Alarm: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var description: String
    public var rule: AlarmRule
    public var enabled: Bool
    /// Notify on every evaluation that finds the alarm in its state, not only on a change.
    public var repeatActions: Bool
    public var alarmActions: [String]
    public var okActions: [String]
    public var insufficientDataActions: [String]
    public var severity: AlarmSeverity
    public var timeConstraints: [AlarmTimeConstraint]
    public var state: AlarmState
    public var stateTimestamp: Date
    public var stateReason: String
    /// When the alarm was last changed (created, updated, or its state set).
    public var timestamp: Date
    public var projectID: String?
    public var userID: String?

    public init(
        id: String = MessageID.random(), name: String, description: String = "", rule: AlarmRule,
        enabled: Bool = true, repeatActions: Bool = false, alarmActions: [String] = [], okActions: [String] = [],
        insufficientDataActions: [String] = [], severity: AlarmSeverity = .low, timeConstraints: [AlarmTimeConstraint] = [],
        state: AlarmState = .insufficientData, stateTimestamp: Date = Date(), stateReason: String = "Not evaluated yet",
        timestamp: Date = Date(), projectID: String? = nil, userID: String? = nil
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.rule = rule
        self.enabled = enabled
        self.repeatActions = repeatActions
        self.alarmActions = alarmActions
        self.okActions = okActions
        self.insufficientDataActions = insufficientDataActions
        self.severity = severity
        self.timeConstraints = timeConstraints
        self.state = state
        self.stateTimestamp = stateTimestamp
        self.stateReason = stateReason
        self.timestamp = timestamp
        self.projectID = projectID
        self.userID = userID
    }

    /// Aodh's type name: `threshold`, `composite` or `event`.
    public var type: String { rule.type }

    /// The actions a transition into `state` notifies.
    public func actions(for state: AlarmState) -> [String] {
        switch state {
        case .alarm: alarmActions
        case .ok: okActions
        case .insufficientData: insufficientDataActions
        }
    }
}

/// ok, alarm, or not enough data to say.
public enum AlarmState: String, Sendable, Codable, CaseIterable {
    case ok
    case alarm
    case insufficientData = "insufficient data"
}

public enum AlarmSeverity: String, Sendable, Codable, CaseIterable {
    case low, moderate, critical
}

/// A window in which the alarm is evaluated: from each time the cron expression `start` names, for
/// `duration` seconds, in `timezone`.
public struct AlarmTimeConstraint: Sendable, Codable, Equatable {
    public var name: String
    public var description: String
    public var start: String
    public var duration: Int
    public var timezone: String

    public init(name: String, description: String = "", start: String, duration: Int, timezone: String = "UTC") {
        self.name = name
        self.description = description
        self.start = start
        self.duration = duration
        self.timezone = timezone
    }
}
