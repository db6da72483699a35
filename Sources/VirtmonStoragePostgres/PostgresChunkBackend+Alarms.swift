import PostgresNIO
import VirtmonModel
import VirtmonStorage

extension PostgresChunkBackend {
    public func alarms(project: String?) async throws -> [Alarm] {
        try await attempt("reading alarms") { [self] in
            let (sql, values) = AlarmSQL.selectAlarms(.postgres, project: project)
            return try await rows(sql, values) { try AlarmCoding.decode(Alarm.self, try $0.text(0), what: "alarm") }
        }
    }

    public func alarm(id: String) async throws -> Alarm? {
        try await attempt("reading an alarm") { [self] in
            let (sql, values) = AlarmSQL.selectAlarm(.postgres, id: id)
            return try await rows(sql, values) { try AlarmCoding.decode(Alarm.self, try $0.text(0), what: "alarm") }.first
        }
    }

    public func saveAlarm(_ alarm: Alarm, changes: [AlarmChange], outbox: [OutboxEntry]) async throws {
        try await attempt("saving an alarm") { [self] in
            var statements = [AlarmSQL.upsertAlarm(.postgres, alarm)]
            statements += changes.map { AlarmSQL.insertChange(.postgres, $0) }
            statements += outbox.map { AlarmSQL.insertOutbox(.postgres, $0) }
            _ = try await transaction(statements)
        }
    }

    /// The stored alarm is read `FOR UPDATE`, so a second collector's check waits for the first one's commit and
    /// then sees the alarm it wrote.
    public func saveAlarm(_ alarm: Alarm, ifStill expected: Alarm, changes: [AlarmChange], outbox: [OutboxEntry]) async throws -> Bool {
        try await attempt("saving an alarm's evaluation") { [self] in
            var statements = [AlarmSQL.upsertAlarm(.postgres, alarm)]
            statements += changes.map { AlarmSQL.insertChange(.postgres, $0) }
            statements += outbox.map { AlarmSQL.insertOutbox(.postgres, $0) }
            return try await client.withTransaction(logger: logger) { connection in
                let (sql, values) = AlarmSQL.selectAlarm(.postgres, id: expected.id)
                let stored = try await self.rows(sql + " FOR UPDATE", values, on: connection) {
                    try AlarmCoding.decode(Alarm.self, try $0.text(0), what: "alarm")
                }
                guard stored.first == expected else { return false }
                for (sql, values) in statements { _ = try await self.rows(sql, values, on: connection) { _ in () } }
                return true
            }
        }
    }

    public func deleteAlarm(id: String, change: AlarmChange) async throws -> Bool {
        try await attempt("deleting an alarm") { [self] in
            try await transaction(AlarmSQL.deleteAlarm(.postgres, id: id, change: change)) > 0
        }
    }

    public func outbox(limit: Int) async throws -> [OutboxEntry] {
        try await attempt("reading the alarm notification outbox") { [self] in
            let (sql, values) = AlarmSQL.selectOutbox(.postgres, limit: limit)
            return try await rows(sql, values) { try AlarmSQL.outboxEntry($0) }
        }
    }

    public func removeFromOutbox(id: String) async throws {
        try await attempt("removing a sent alarm notification") { [self] in
            _ = try await transaction([AlarmSQL.deleteOutbox(.postgres, id: id)])
        }
    }

    public func alarmHistory(alarmID: String?, project: String?, limit: Int) async throws -> [AlarmChange] {
        try await attempt("reading alarm history") { [self] in
            let (sql, values) = AlarmSQL.selectHistory(.postgres, alarmID: alarmID, project: project, limit: limit)
            return try await rows(sql, values) { try AlarmCoding.decode(AlarmChange.self, try $0.text(0), what: "alarm history row") }
        }
    }

    /// Statements in one transaction; how many rows the last one returned.
    private func transaction(_ statements: [(String, [SQLValue])]) async throws -> Int {
        try await client.withTransaction(logger: logger) { connection in
            var last = 0
            for (sql, values) in statements {
                last = 0
                for try await _ in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: self.bindings(values)), logger: self.logger) {
                    last += 1
                }
            }
            return last
        }
    }
}
