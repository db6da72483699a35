import VirtmonModel

/// The write statements both SQL stores run, with their parameters in order: one text per dialect, so the
/// two stores cannot drift apart in what "latest wins" means.
public enum SQLStatements {
    /// Records (agent, seq); inserts nothing when it is already there, which is how a repeat is recognised.
    public static func recordBatch(_ dialect: SQLDialect, _ origin: BatchOrigin, receivedAt: Int64) -> (String, [SQLValue]) {
        let p = dialect.placeholder
        let returning = dialect == .postgres ? " RETURNING 1" : ""
        return ("INSERT INTO batches(agent, seq, received_at) VALUES(\(p(1)), \(p(2)), \(p(3))) ON CONFLICT DO NOTHING\(returning)",
                [.text(origin.agent), .integer(Int64(bitPattern: origin.sequence)), .integer(receivedAt)])
    }

    public static func upsertAgent(_ dialect: SQLDialect, _ origin: BatchOrigin, receivedAt: Int64) -> (String, [SQLValue]) {
        let p = dialect.placeholder
        return ("""
            INSERT INTO agents(agent, host, last_seen, batches) VALUES(\(p(1)), \(p(2)), \(p(3)), 1)
            ON CONFLICT(agent) DO UPDATE SET host = excluded.host, last_seen = excluded.last_seen,
                batches = agents.batches + 1
            """, [.text(origin.agent), .text(origin.host), .integer(receivedAt)])
    }

    /// The columns of one sample row, in the order `sampleColumns` names them.
    public static let sampleColumns = "meter, type, unit, volume, user_id, project_id, resource_id, ts, recorded_at, metadata, source, message_id"

    public static func sampleValues(_ sample: Sample, receivedAt: Int64) -> [SQLValue] {
        [
            .text(sample.name), .text(sample.type.rawValue), .text(sample.unit), .real(sample.volume),
            .optional(sample.userID), .optional(sample.projectID), .text(sample.resourceID),
            .integer(microseconds(sample.timestamp)), .integer(receivedAt),
            .text(MetadataCoding.encode(sample.resourceMetadata)), .text(sample.source), .text(sample.messageID),
        ]
    }

    /// Placeholder tuples for `rows` rows of `columns` values, with a cast after some columns (1-based); the
    /// statement must have no other parameters. SQLite gets bare `?`: it looks every `?NNN` up in a list while
    /// parsing, which made a 30,000-parameter insert spend more time in the parser than in the insert.
    public static func tuples(_ dialect: SQLDialect, rows: Int, columns: Int, casts: [Int: String] = [:]) -> String {
        (0..<rows).map { row in
            "(" + (1...columns).map { column in
                (dialect == .sqlite ? "?" : dialect.placeholder(row * columns + column)) + (casts[column] ?? "")
            }.joined(separator: ",") + ")"
        }.joined(separator: ",")
    }

    /// Events are kept once per id.
    public static func insertEvent(_ dialect: SQLDialect, _ event: Event) -> (String, [SQLValue]) {
        let p = dialect.placeholder
        let json = dialect == .postgres ? "::jsonb" : ""
        return ("""
            INSERT INTO events(id, ts, type, level, host, resource, message, details)
            VALUES(\((1...7).map(p).joined(separator: ", ")), \(p(8))\(json)) ON CONFLICT(id) DO NOTHING
            """,
            [
                .text(event.id), .integer(microseconds(event.time)), .text(event.type), .text(event.level.rawValue),
                .text(event.host), .text(event.resource), .text(event.message), .text(MetadataCoding.encode(event.details)),
            ])
    }
}
