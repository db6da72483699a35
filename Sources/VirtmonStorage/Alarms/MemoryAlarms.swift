import VirtmonModel

/// Alarms and history held in memory, for the in-memory stores; its owner serializes access.
public struct MemoryAlarms: Sendable {
    private var alarms: [String: Alarm] = [:]
    private var history: [AlarmChange] = []
    private var pending: [OutboxEntry] = []

    public init() {}

    public func list(project: String?) -> [Alarm] {
        alarms.values.filter { project == nil || $0.projectID == project }.sorted { $0.id < $1.id }
    }

    public func alarm(id: String) -> Alarm? { alarms[id] }

    public mutating func save(_ alarm: Alarm, changes: [AlarmChange], outbox: [OutboxEntry]) {
        alarms[alarm.id] = alarm
        for change in changes where !history.contains(where: { $0.eventID == change.eventID }) { history.append(change) }
        for entry in outbox where !pending.contains(where: { $0.id == entry.id }) { pending.append(entry) }
    }

    public func outbox(limit: Int) -> [OutboxEntry] {
        Array(pending.sorted { ($0.created, $0.id) < ($1.created, $1.id) }.prefix(limit))
    }

    public mutating func removeFromOutbox(id: String) { pending.removeAll { $0.id == id } }

    public mutating func delete(id: String, change: AlarmChange) -> Bool {
        guard alarms.removeValue(forKey: id) != nil else { return false }
        history.append(change)
        return true
    }

    public func changes(alarmID: String?, project: String?, limit: Int) -> [AlarmChange] {
        Array(history.enumerated()
            .filter { (alarmID == nil || $0.element.alarmID == alarmID) && (project == nil || $0.element.projectID == project) }
            // Newest first; rows with the same time in the reverse order they were written.
            .sorted { ($0.element.timestamp, $0.offset) > ($1.element.timestamp, $1.offset) }
            .map(\.element)
            .prefix(limit))
    }
}
