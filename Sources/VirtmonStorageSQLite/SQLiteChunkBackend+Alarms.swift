import VirtmonModel
import VirtmonStorage

extension SQLiteChunkBackend {
    public func alarms(project: String?) async throws -> [Alarm] {
        let (sql, values) = AlarmSQL.selectAlarms(.sqlite, project: project)
        return try await writer.rows(sql, values) { try AlarmCoding.decode(Alarm.self, try $0.text(0), what: "alarm") }
    }

    public func alarm(id: String) async throws -> Alarm? {
        let (sql, values) = AlarmSQL.selectAlarm(.sqlite, id: id)
        return try await writer.rows(sql, values) { try AlarmCoding.decode(Alarm.self, try $0.text(0), what: "alarm") }.first
    }

    public func saveAlarm(_ alarm: Alarm, changes: [AlarmChange], outbox: [OutboxEntry]) async throws {
        var statements = [AlarmSQL.upsertAlarm(.sqlite, alarm)]
        statements += changes.map { AlarmSQL.insertChange(.sqlite, $0) }
        statements += outbox.map { AlarmSQL.insertOutbox(.sqlite, $0) }
        _ = try await writer.transaction(statements)
    }

    public func deleteAlarm(id: String, change: AlarmChange) async throws -> Bool {
        try await writer.transaction(AlarmSQL.deleteAlarm(.sqlite, id: id, change: change)) == 1
    }

    public func outbox(limit: Int) async throws -> [OutboxEntry] {
        let (sql, values) = AlarmSQL.selectOutbox(.sqlite, limit: limit)
        return try await writer.rows(sql, values) { try AlarmSQL.outboxEntry($0) }
    }

    public func removeFromOutbox(id: String) async throws {
        _ = try await writer.transaction([AlarmSQL.deleteOutbox(.sqlite, id: id)])
    }

    public func alarmHistory(alarmID: String?, project: String?, limit: Int) async throws -> [AlarmChange] {
        let (sql, values) = AlarmSQL.selectHistory(.sqlite, alarmID: alarmID, project: project, limit: limit)
        return try await writer.rows(sql, values) { try AlarmCoding.decode(AlarmChange.self, try $0.text(0), what: "alarm history row") }
    }
}
