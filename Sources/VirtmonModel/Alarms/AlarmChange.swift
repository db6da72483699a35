import Foundation

/// One row of an alarm's history: created, its rule changed, its state moved, or deleted.
public struct AlarmChange: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case creation
        case ruleChange = "rule change"
        case stateTransition = "state transition"
        case deletion
    }

    public var eventID: String
    public var alarmID: String
    public var kind: Kind
    /// A JSON document as text (Aodh's shape): the whole alarm on creation and deletion, the changed keys on a
    /// rule change, `{state, transition_reason}` on a transition.
    public var detail: String
    public var timestamp: Date
    public var projectID: String?
    public var userID: String?
    public var onBehalfOf: String?

    public init(
        eventID: String = MessageID.random(), alarmID: String, kind: Kind, detail: String, timestamp: Date,
        projectID: String?, userID: String?, onBehalfOf: String?
    ) {
        self.eventID = eventID
        self.alarmID = alarmID
        self.kind = kind
        self.detail = detail
        self.timestamp = timestamp
        self.projectID = projectID
        self.userID = userID
        self.onBehalfOf = onBehalfOf
    }
}
