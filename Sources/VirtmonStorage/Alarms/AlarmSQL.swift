import Foundation
import VirtmonModel

/// The alarm tables and statements both SQL backends run (their dialects differ only in placeholders and
/// integer type).
public enum AlarmSQL {
    /// The migration that adds the tables.
    public static func schema(_ dialect: SQLDialect) -> [String] {
        let integer = dialect == .postgres ? "BIGINT" : "INTEGER"
        return [
            "CREATE TABLE alarms(id TEXT PRIMARY KEY, project TEXT, body TEXT NOT NULL)",
            "CREATE INDEX alarms_project ON alarms(project)",
            """
            CREATE TABLE alarm_history(
                event_id TEXT PRIMARY KEY, alarm_id TEXT NOT NULL, project TEXT, ts \(integer) NOT NULL, body TEXT NOT NULL)
            """,
            "CREATE INDEX alarm_history_alarm_ts ON alarm_history(alarm_id, ts)",
            "CREATE INDEX alarm_history_ts ON alarm_history(ts)",
            "CREATE TABLE alarm_outbox(id TEXT PRIMARY KEY, created \(integer) NOT NULL, body TEXT NOT NULL)",
        ]
    }

    public static func selectAlarms(_ dialect: SQLDialect, project: String?) -> (String, [SQLValue]) {
        guard let project else { return ("SELECT body FROM alarms ORDER BY id", []) }
        return ("SELECT body FROM alarms WHERE project = \(dialect.placeholder(1)) ORDER BY id", [.text(project)])
    }

    public static func selectAlarm(_ dialect: SQLDialect, id: String) -> (String, [SQLValue]) {
        ("SELECT body FROM alarms WHERE id = \(dialect.placeholder(1))", [.text(id)])
    }

    public static func upsertAlarm(_ dialect: SQLDialect, _ alarm: Alarm) -> (String, [SQLValue]) {
        let p = dialect.placeholder
        return ("""
            INSERT INTO alarms(id, project, body) VALUES(\(p(1)), \(p(2)), \(p(3)))
            ON CONFLICT(id) DO UPDATE SET project = excluded.project, body = excluded.body
            """, [.text(alarm.id), .optional(alarm.projectID), .text(AlarmCoding.encode(alarm))])
    }

    /// Appends `change` and deletes the alarm, in this order inside one transaction: the history row only when
    /// the alarm exists; the delete answers one row when it removed one.
    public static func deleteAlarm(_ dialect: SQLDialect, id: String, change: AlarmChange) -> [(String, [SQLValue])] {
        let p = dialect.placeholder
        let values = changeValues(change)
        return [
            ("""
             INSERT INTO alarm_history(event_id, alarm_id, project, ts, body)
             SELECT CAST(\(p(1)) AS TEXT), CAST(\(p(2)) AS TEXT), CAST(\(p(3)) AS TEXT), CAST(\(p(4)) AS BIGINT), CAST(\(p(5)) AS TEXT)
             WHERE EXISTS (SELECT 1 FROM alarms WHERE id = CAST(\(p(2)) AS TEXT))
             """, values),
            ("DELETE FROM alarms WHERE id = \(p(1)) RETURNING 1", [.text(id)]),
        ]
    }

    public static func insertChange(_ dialect: SQLDialect, _ change: AlarmChange) -> (String, [SQLValue]) {
        let p = dialect.placeholder
        return ("""
            INSERT INTO alarm_history(event_id, alarm_id, project, ts, body) VALUES(\((1...5).map(p).joined(separator: ", ")))
            ON CONFLICT(event_id) DO NOTHING
            """, changeValues(change))
    }

    static func changeValues(_ change: AlarmChange) -> [SQLValue] {
        [.text(change.eventID), .text(change.alarmID), .optional(change.projectID),
         .integer(Int64((change.timestamp.timeIntervalSince1970 * 1_000_000).rounded())), .text(AlarmCoding.encode(change))]
    }

    public static func insertOutbox(_ dialect: SQLDialect, _ entry: OutboxEntry) -> (String, [SQLValue]) {
        let p = dialect.placeholder
        return ("INSERT INTO alarm_outbox(id, created, body) VALUES(\(p(1)), \(p(2)), \(p(3))) ON CONFLICT(id) DO NOTHING",
                [.text(entry.id), .integer(Int64((entry.created.timeIntervalSince1970 * 1_000_000).rounded())), .text(entry.body)])
    }

    public static func selectOutbox(_ dialect: SQLDialect, limit: Int) -> (String, [SQLValue]) {
        ("SELECT id, created, body FROM alarm_outbox ORDER BY created, id LIMIT \(dialect.placeholder(1))", [.integer(Int64(limit))])
    }

    public static func deleteOutbox(_ dialect: SQLDialect, id: String) -> (String, [SQLValue]) {
        ("DELETE FROM alarm_outbox WHERE id = \(dialect.placeholder(1))", [.text(id)])
    }

    public static func outboxEntry(_ row: some StorageRow) throws -> OutboxEntry {
        OutboxEntry(id: try row.text(0), created: Date(timeIntervalSince1970: Double(try row.int64(1)) / 1_000_000), body: try row.text(2))
    }

    public static func selectHistory(_ dialect: SQLDialect, alarmID: String?, project: String?, limit: Int) -> (String, [SQLValue]) {
        var clauses: [String] = []
        var values: [SQLValue] = []
        if let alarmID {
            values.append(.text(alarmID))
            clauses.append("alarm_id = \(dialect.placeholder(values.count))")
        }
        if let project {
            values.append(.text(project))
            clauses.append("project = \(dialect.placeholder(values.count))")
        }
        values.append(.integer(Int64(limit)))
        let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ") + " "
        return ("SELECT body FROM alarm_history \(filter)ORDER BY ts DESC, event_id DESC LIMIT \(dialect.placeholder(values.count))", values)
    }
}
