import VirtmonModel

extension MemoryChunkBackend {
    public func alarms(project: String?) -> [Alarm] { alarmTable.list(project: project) }
    public func alarm(id: String) -> Alarm? { alarmTable.alarm(id: id) }
    public func saveAlarm(_ alarm: Alarm, changes: [AlarmChange], outbox: [OutboxEntry]) {
        alarmTable.save(alarm, changes: changes, outbox: outbox)
    }
    public func outbox(limit: Int) -> [OutboxEntry] { alarmTable.outbox(limit: limit) }
    public func removeFromOutbox(id: String) { alarmTable.removeFromOutbox(id: id) }
    public func deleteAlarm(id: String, change: AlarmChange) -> Bool { alarmTable.delete(id: id, change: change) }
    public func alarmHistory(alarmID: String?, project: String?, limit: Int) -> [AlarmChange] {
        alarmTable.changes(alarmID: alarmID, project: project, limit: limit)
    }
}
