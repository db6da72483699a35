import Foundation
import VirtmonModel
import VirtmonStorage

/// One connection and everything done through it. `SQLiteStorage` keeps two: one that writes and one that
/// reads, so that a long statistics query does not hold up ingest (WAL lets the reader see every commit).
actor SQLiteSession {
    private let connection: SQLiteConnection

    init(path: String, migrate: Bool) throws {
        connection = try SQLiteConnection(path: path)
        // WAL: readers do not block the writer. FULL: a commit is on disk before it returns, which is what the
        // collector's 2xx promises.
        try connection.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")
        if migrate { try SQLiteSession.migrate(connection) }
    }

    private static func migrate(_ connection: SQLiteConnection) throws {
        var version: Int64 = 0
        try connection.query("PRAGMA user_version") { version = $0.int64(0) }
        let migrations = SQLiteSchema.migrations
        guard version <= Int64(migrations.count) else {
            throw SQLiteError(
                code: 0, message: "the database is at schema \(version), newer than this virtmon's \(migrations.count)",
                context: "opening \(connection.path)")
        }
        for (index, sql) in migrations.enumerated().dropFirst(Int(version)) {
            try connection.execute("BEGIN IMMEDIATE")
            do {
                try connection.execute(sql)
                try connection.execute("PRAGMA user_version = \(index + 1)")
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    // MARK: writing

    func commit(_ batch: IngestBatch) throws -> CommitResult {
        try connection.execute("BEGIN IMMEDIATE")
        do {
            let result = try write(batch)
            try connection.execute(result == .stored ? "COMMIT" : "ROLLBACK")
            return result
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    private func write(_ batch: IngestBatch) throws -> CommitResult {
        let received = microseconds(batch.receivedAt)
        func run(_ statement: (String, [SQLValue])) throws { try connection.query(statement.0, statement.1) }
        if let origin = batch.origin {
            try run(SQLStatements.recordBatch(.sqlite, origin, receivedAt: received))
            if connection.changes == 0 { return .duplicate }
            try run(SQLStatements.upsertAgent(.sqlite, origin, receivedAt: received))
        }
        var index = LatestIndex()
        let insert = "INSERT INTO samples(\(SQLStatements.sampleColumns)) VALUES(\((1...12).map { "?\($0)" }.joined(separator: ", ")))"
        for sample in batch.samples {
            try connection.query(insert, SQLStatements.sampleValues(sample, receivedAt: received))
            index.add(sample)
        }
        // Under SQLite's 32,766 parameters per statement.
        let meters = Array(index.meters.values)
        for chunk in stride(from: 0, to: meters.count, by: 1000) {
            try run(SQLStatements.upsertMeters(.sqlite, Array(meters[chunk..<min(chunk + 1000, meters.count)])))
        }
        let resources = index.resources.values.map(\.record)
        for chunk in stride(from: 0, to: resources.count, by: 1000) {
            try run(SQLStatements.upsertResources(.sqlite, Array(resources[chunk..<min(chunk + 1000, resources.count)])))
        }
        for event in batch.events { try run(SQLStatements.insertEvent(.sqlite, event)) }
        return .stored
    }

    func deleteSamples(before cutoff: Date) throws -> Int {
        let limit = microseconds(cutoff)
        try connection.execute("BEGIN IMMEDIATE")
        do {
            try connection.query("DELETE FROM samples WHERE ts < ?1", [.integer(limit)])
            let deleted = connection.changes
            try connection.query("DELETE FROM events WHERE ts < ?1", [.integer(limit)])
            try connection.query("DELETE FROM batches WHERE received_at < ?1", [.integer(limit)])
            try connection.execute("COMMIT")
            return deleted
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    // MARK: reading

    func samples(_ query: SampleQuery) throws -> [StoredSample] {
        var builder = SQLQueryBuilder(dialect: .sqlite)
        let conditions = builder.whereClause(try QueryFilter.normalize(query.filters), columns: .samples)
        var sql = """
            SELECT meter, type, unit, volume, user_id, project_id, resource_id, ts, recorded_at, metadata, source,
                message_id FROM samples WHERE \(conditions) ORDER BY ts DESC, id DESC
            """
        if let limit = query.limit { sql += " LIMIT \(builder.bind(.integer(Int64(max(0, limit)))))" }
        var result: [StoredSample] = []
        try connection.query(sql, builder.bindings) { row in
            let sample = Sample(
                name: row.text(0) ?? "", type: SampleType(rawValue: row.text(1) ?? "") ?? .gauge, unit: row.text(2) ?? "",
                volume: row.double(3), userID: row.text(4), projectID: row.text(5), resourceID: row.text(6) ?? "",
                timestamp: dateFromMicroseconds(row.int64(7)), resourceMetadata: MetadataCoding.decode(row.text(9)),
                source: row.text(10) ?? "", messageID: row.text(11) ?? "")
            result.append(StoredSample(sample: sample, recordedAt: dateFromMicroseconds(row.int64(8))))
        }
        return result
    }

    func meters(_ filters: [QueryFilter]) throws -> [MeterRecord] {
        let filters = try QueryFilter.normalize(filters)
        try FilterScope.checkMeterFilters(filters)
        var builder = SQLQueryBuilder(dialect: .sqlite)
        let conditions = builder.whereClause(filters, columns: .meters)
        var result: [MeterRecord] = []
        try connection.query(
            """
            SELECT m.meter, m.type, m.unit, m.resource_id, m.project_id, m.user_id, m.source
            FROM meters m JOIN resources r ON r.resource_id = m.resource_id
            WHERE \(conditions) ORDER BY m.meter, m.resource_id
            """, builder.bindings
        ) { row in
            result.append(MeterRecord(
                name: row.text(0) ?? "", type: SampleType(rawValue: row.text(1) ?? "") ?? .gauge, unit: row.text(2) ?? "",
                resourceID: row.text(3) ?? "", projectID: row.text(4), userID: row.text(5), source: row.text(6) ?? ""))
        }
        return result
    }

    func resources(_ filters: [QueryFilter]) throws -> [ResourceRecord] {
        let filters = try QueryFilter.normalize(filters)
        try FilterScope.checkResourceFilters(filters)
        var builder = SQLQueryBuilder(dialect: .sqlite)
        let conditions = builder.resourceWhereClause(filters)
        var result: [ResourceRecord] = []
        var positions: [String: Int] = [:]
        try connection.query(
            """
            SELECT r.resource_id, r.project_id, r.user_id, r.source, r.first_ts, r.last_ts, r.metadata
            FROM resources r WHERE \(conditions) ORDER BY r.resource_id
            """, builder.bindings
        ) { row in
            let id = row.text(0) ?? ""
            positions[id] = result.count
            result.append(ResourceRecord(
                resourceID: id, projectID: row.text(1), userID: row.text(2), source: row.text(3) ?? "",
                firstSample: dateFromMicroseconds(row.int64(4)), lastSample: dateFromMicroseconds(row.int64(5)),
                metadata: MetadataCoding.decode(row.text(6)), meters: []))
        }
        guard !result.isEmpty else { return [] }
        try connection.query(
            """
            SELECT m.resource_id, m.meter FROM meters m JOIN resources r ON r.resource_id = m.resource_id
            WHERE \(conditions) ORDER BY m.resource_id, m.meter
            """, builder.bindings
        ) { row in
            if let id = row.text(0), let position = positions[id], let meter = row.text(1) {
                result[position].meters.append(meter)
            }
        }
        return result
    }

    func statistics(_ query: StatisticsQuery) throws -> [StatisticsRow] {
        try query.validate()
        let filters = try QueryFilter.normalize(query.allFilters)
        var start: Int64
        if let lower = query.lowerTimeBound {
            start = microseconds(lower)
        } else {
            var bounds = SQLQueryBuilder(dialect: .sqlite)
            let conditions = bounds.whereClause(filters, columns: .samples)
            var first: Int64?
            try connection.query("SELECT MIN(ts) FROM samples WHERE \(conditions)", bounds.bindings) { row in
                if !row.isNull(0) { first = row.int64(0) }
            }
            guard let first else { return [] }
            start = first
        }
        var builder = SQLQueryBuilder(dialect: .sqlite)
        let sql = builder.statistics(query, filters: filters, start: start)
        let groups = Int32(query.groupBy.count)
        let distinctCount = Int32(query.aggregates.compactMap(\.parameter).count)
        var rows: [StatisticsRow] = []
        try connection.query(sql, builder.bindings) { row in
            let groupValues = (0..<groups).map { row.text($0) }
            let base = groups
            rows.append(SQLQueryBuilder.row(
                query: query, groupValues: groupValues, bucket: row.int64(base), count: row.int64(base + 1),
                sum: row.double(base + 2), min: row.double(base + 3), max: row.double(base + 4),
                sumOfSquares: row.double(base + 5), first: row.int64(base + 6), last: row.int64(base + 7),
                unit: row.text(base + 8) ?? "", distinct: (0..<distinctCount).map { row.int64(base + 9 + $0) },
                start: start))
        }
        return StatisticsRow.sorted(rows, by: query.groupBy)
    }

    func events(_ query: EventQuery) throws -> [Event] {
        var builder = SQLQueryBuilder(dialect: .sqlite)
        let conditions = builder.eventWhereClause(query)
        var sql = "SELECT id, ts, type, level, host, resource, message, details FROM events WHERE \(conditions) ORDER BY ts DESC, id"
        if let limit = query.limit { sql += " LIMIT \(builder.bind(.integer(Int64(max(0, limit)))))" }
        var result: [Event] = []
        try connection.query(sql, builder.bindings) { row in
            result.append(Event(
                id: row.text(0) ?? "", time: dateFromMicroseconds(row.int64(1)), type: row.text(2) ?? "",
                level: EventLevel(rawValue: row.text(3) ?? "") ?? .info, host: row.text(4) ?? "",
                resource: row.text(5) ?? "", message: row.text(6) ?? "", details: MetadataCoding.decode(row.text(7))))
        }
        return result
    }

    func hosts() throws -> [HostRecord] {
        var result: [HostRecord] = []
        try connection.query("SELECT host, agent, last_seen, batches FROM agents ORDER BY host, agent") { row in
            result.append(HostRecord(
                host: row.text(0) ?? "", agent: row.text(1) ?? "", lastSeen: dateFromMicroseconds(row.int64(2)),
                batches: Int(row.int64(3))))
        }
        return result
    }
}
