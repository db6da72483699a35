import VirtmonModel

/// Alarms go straight to the backend's own tables: they are not samples, so neither the heads nor the
/// write-ahead records are involved, and the writer's lock is not taken.
extension ChunkStore {
    public nonisolated func alarms(project: String?) async throws -> [Alarm] { try await backend.alarms(project: project) }
    public nonisolated func alarm(id: String) async throws -> Alarm? { try await backend.alarm(id: id) }
    public nonisolated func saveAlarm(_ alarm: Alarm, changes: [AlarmChange], outbox: [OutboxEntry]) async throws {
        try await backend.saveAlarm(alarm, changes: changes, outbox: outbox)
    }
    public nonisolated func saveAlarm(_ alarm: Alarm, ifStill expected: Alarm, changes: [AlarmChange], outbox: [OutboxEntry]) async throws -> Bool {
        try await backend.saveAlarm(alarm, ifStill: expected, changes: changes, outbox: outbox)
    }
    public nonisolated func outbox(limit: Int) async throws -> [OutboxEntry] { try await backend.outbox(limit: limit) }
    public nonisolated func removeFromOutbox(id: String) async throws { try await backend.removeFromOutbox(id: id) }
    public nonisolated func deleteAlarm(id: String, change: AlarmChange) async throws -> Bool {
        try await backend.deleteAlarm(id: id, change: change)
    }
    public nonisolated func alarmHistory(alarmID: String?, project: String?, limit: Int) async throws -> [AlarmChange] {
        try await backend.alarmHistory(alarmID: alarmID, project: project, limit: limit)
    }
}
