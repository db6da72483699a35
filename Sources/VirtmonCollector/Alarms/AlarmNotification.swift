import Foundation
import VirtmonModel
import VirtmonStorage

/// One announcement of an alarm's state to one action URL, as the notifier queues and retries it.
public struct AlarmNotification: Sendable, Equatable, Codable {
    public var alarmID: String
    public var alarmName: String
    public var severity: AlarmSeverity
    public var previous: AlarmState
    public var current: AlarmState
    public var reason: String
    public var reasonData: JSONValue
    public var projectID: String?
    /// The rule's resource, when it names one (for Alertmanager's labels).
    public var resource: String?
    public var action: String
    public var time: Date
    /// Sends tried so far.
    public var attempts = 0
    /// Its row in the store's outbox, removed once it is delivered.
    public var outboxID: String = UUID().uuidString.lowercased()

    public init(alarm: Alarm, previous: AlarmState, reason: String, reasonData: JSONValue, action: String, time: Date) {
        alarmID = alarm.id
        alarmName = alarm.name
        severity = alarm.severity
        self.previous = previous
        current = alarm.state
        self.reason = reason
        self.reasonData = reasonData
        projectID = alarm.projectID
        if case .threshold(let rule) = alarm.rule { resource = rule.query.first { $0.field == "resource_id" && $0.op == "eq" }?.value }
        self.action = action
        self.time = time
    }

    /// The outbox row that keeps it until delivery.
    public var outboxEntry: OutboxEntry {
        OutboxEntry(id: outboxID, created: time, body: AlarmCoding.encode(self))
    }

    /// Aodh's webhook body.
    public var webhookBody: JSONValue {
        .object([
            "alarm_name": .string(alarmName), "alarm_id": .string(alarmID), "severity": .string(severity.rawValue),
            "previous": .string(previous.rawValue), "current": .string(current.rawValue), "reason": .string(reason),
            "reason_data": reasonData,
        ])
    }

    /// Prometheus Alertmanager's `/api/v2/alerts` body: firing while in alarm, resolved (ended now) otherwise.
    public var alertmanagerBody: JSONValue {
        var labels: [String: JSONValue] = ["alertname": .string(alarmName), "severity": .string(severity.rawValue), "alarm_id": .string(alarmID)]
        if let resource { labels["resource"] = .string(resource) }
        if let projectID { labels["project"] = .string(projectID) }
        var alert: [String: JSONValue] = [
            "labels": .object(labels), "annotations": .object(["summary": .string(reason), "state": .string(current.rawValue)]),
            "startsAt": .string(WireTimestamp.format(time)),
        ]
        if current != .alarm { alert["endsAt"] = .string(WireTimestamp.format(time)) }
        return .array([.object(alert)])
    }
}
