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

    /// Placeholder tuples for `rows` rows of `columns` values, with a cast after some columns (1-based).
    public static func tuples(_ dialect: SQLDialect, rows: Int, columns: Int, casts: [Int: String] = [:]) -> String {
        (0..<rows).map { row in
            "(" + (1...columns).map { column in
                dialect.placeholder(row * columns + column) + (casts[column] ?? "")
            }.joined(separator: ",") + ")"
        }.joined(separator: ",")
    }

    /// (meter, resource) rows take the newer sample's ids: one statement for many rows, since a batch from a
    /// host with many VMs touches as many rows as it has samples, and a round trip each made PostgreSQL ingest
    /// twenty times slower. Each key may appear once (LatestIndex makes it so).
    public static func upsertMeters(_ dialect: SQLDialect, _ meters: [(record: MeterRecord, lastMicros: Int64)]) -> (String, [SQLValue]) {
        let values = meters.flatMap { meter, lastMicros -> [SQLValue] in
            [
                .text(meter.name), .text(meter.resourceID), .text(meter.type.rawValue), .text(meter.unit),
                .optional(meter.projectID), .optional(meter.userID), .text(meter.source), .integer(lastMicros),
            ]
        }
        return ("""
            INSERT INTO meters(meter, resource_id, type, unit, project_id, user_id, source, last_ts)
            VALUES \(tuples(dialect, rows: meters.count, columns: 8))
            ON CONFLICT(meter, resource_id) DO UPDATE SET type = excluded.type, unit = excluded.unit,
                project_id = excluded.project_id, user_id = excluded.user_id, source = excluded.source,
                last_ts = excluded.last_ts
            WHERE excluded.last_ts >= meters.last_ts
            """, values)
    }

    /// Resource rows take the newer sample's ids and metadata and widen their first/last span; many rows per
    /// statement, each resource once.
    public static func upsertResources(_ dialect: SQLDialect, _ resources: [ResourceRecord]) -> (String, [SQLValue]) {
        let (least, greatest, json) = dialect == .postgres ? ("LEAST", "GREATEST", "::jsonb") : ("MIN", "MAX", "")
        func newer(_ column: String) -> String {
            "\(column) = CASE WHEN excluded.last_ts >= resources.last_ts THEN excluded.\(column) ELSE resources.\(column) END"
        }
        let values = resources.flatMap { resource -> [SQLValue] in
            [
                .text(resource.resourceID), .optional(resource.projectID), .optional(resource.userID),
                .text(resource.source), .integer(microseconds(resource.firstSample)),
                .integer(microseconds(resource.lastSample)), .text(MetadataCoding.encode(resource.metadata)),
            ]
        }
        return ("""
            INSERT INTO resources(resource_id, project_id, user_id, source, first_ts, last_ts, metadata)
            VALUES \(tuples(dialect, rows: resources.count, columns: 7, casts: [7: json]))
            ON CONFLICT(resource_id) DO UPDATE SET
                \(["project_id", "user_id", "source", "metadata"].map(newer).joined(separator: ",\n    ")),
                first_ts = \(least)(resources.first_ts, excluded.first_ts),
                last_ts = \(greatest)(resources.last_ts, excluded.last_ts)
            """, values)
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
