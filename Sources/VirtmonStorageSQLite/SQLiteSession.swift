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

    // MARK: the chunk engine's tables

    func run(_ statements: [(String, [SQLValue])]) throws {
        for (sql, values) in statements { try connection.query(sql, values) }
    }

    func load() throws -> ChunkBackendState {
        var state = ChunkBackendState()
        try connection.query(ChunkSQL.selectSeries) { row in
            state.series.append(SeriesRecord(id: row.int64(0), key: ChunkSQL.seriesKey(
                meter: row.text(1) ?? "", type: row.text(2) ?? "", unit: row.text(3) ?? "", resourceID: row.text(4) ?? "",
                projectID: row.text(5), userID: row.text(6), source: row.text(7) ?? "", metadata: row.text(8))))
        }
        try connection.query("SELECT id, data FROM wal ORDER BY id") { row in state.wal.append((row.int64(0), row.blob(1))) }
        state.spans = try spans()
        try connection.query("SELECT COALESCE(MAX(id), 0) FROM chunks") { state.maxChunkID = $0.int64(0) }
        try connection.query("SELECT COALESCE(MAX(id), 0) FROM rollups") { state.maxRollupID = $0.int64(0) }
        try connection.query("SELECT value FROM store_state WHERE key = 'raw_horizon'") { state.rawHorizon = $0.int64(0) }
        try connection.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'samples'") { _ in state.hasLegacy = true }
        return state
    }

    func deleteEmptySeries(_ candidates: [Int64]) throws -> [Int64] {
        var deleted: [Int64] = []
        let (sql, values) = ChunkSQL.deleteEmptySeries(.sqlite, candidates: candidates)
        try connection.query(sql, values) { deleted.append($0.int64(0)) }
        return deleted
    }

    func spans() throws -> [Int64: (first: Int64, last: Int64, walThrough: Int64)] {
        var spans: [Int64: (first: Int64, last: Int64, walThrough: Int64)] = [:]
        try connection.query(ChunkSQL.selectSpans) { row in spans[row.int64(0)] = (row.int64(1), row.int64(2), row.int64(3)) }
        return spans
    }

    /// One transaction: the batch's (agent, seq) first, so that a repeat is refused before anything else.
    func apply(_ write: ChunkWrite) throws -> CommitResult {
        try connection.execute("BEGIN IMMEDIATE")
        do {
            if let origin = write.origin {
                let (sql, values) = SQLStatements.recordBatch(.sqlite, origin, receivedAt: write.receivedAt)
                try connection.query(sql, values)
                if connection.changes == 0 {
                    try connection.execute("ROLLBACK")
                    return .duplicate
                }
            }
            try run(ChunkSQL.statements(.sqlite, write, limit: 30_000))
            try connection.execute("COMMIT")
            return .stored
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    func chunks(_ statement: (String, [SQLValue])) throws -> [StoredChunk] {
        var result: [StoredChunk] = []
        try connection.query(statement.0, statement.1) { row in
            result.append(StoredChunk(
                id: row.int64(0), series: row.int64(1),
                summary: ChunkSummary(
                    count: Int(row.int64(4)), firstTime: row.int64(2), lastTime: row.int64(3), min: row.double(5),
                    max: row.double(6), sum: row.double(7), m2: row.double(8), firstValue: row.double(9), lastValue: row.double(10)),
                receivedAt: row.int64(11), walThrough: row.int64(12), data: row.blob(13)))
        }
        return result
    }

    func rollups(_ statement: (String, [SQLValue])) throws -> [StoredRollup] {
        var result: [StoredRollup] = []
        try connection.query(statement.0, statement.1) { row in
            result.append(StoredRollup(
                id: row.int64(0), series: row.int64(1), resolution: row.int64(2), firstBucket: row.int64(3),
                lastBucket: row.int64(4), chunk: row.int64(5), data: row.blob(6)))
        }
        return result
    }

    func stats() throws -> StorageStats {
        var stats = StorageStats()
        try connection.query(ChunkSQL.selectStats) { row in
            stats.series = Int(row.int64(0))
            stats.chunks = Int(row.int64(1))
            stats.chunkSamples = Int(row.int64(2))
            stats.chunkBytes = Int(row.int64(3))
            stats.rollups = Int(row.int64(4))
            stats.rollupBytes = Int(row.int64(5))
            stats.walBytes = Int(row.int64(6))
        }
        var pages: Int64 = 0, free: Int64 = 0, size: Int64 = 0
        try connection.query("PRAGMA page_count") { pages = $0.int64(0) }
        try connection.query("PRAGMA freelist_count") { free = $0.int64(0) }
        try connection.query("PRAGMA page_size") { size = $0.int64(0) }
        stats.databaseBytes = Int((pages - free) * size)
        return stats
    }

    func catalog(below: Int) throws -> [ChunkInfo] {
        var result: [ChunkInfo] = []
        try connection.query(ChunkSQL.selectCatalog + "?1", [.integer(Int64(below))]) { row in
            result.append(ChunkInfo(id: row.int64(0), series: row.int64(1), count: Int(row.int64(2)), firstTime: row.int64(3), lastTime: row.int64(4)))
        }
        return result
    }

    func deleteChunks(endingBefore cutoff: Int64) throws -> Int {
        var count: Int64 = 0
        try connection.execute("BEGIN IMMEDIATE")
        do {
            try connection.query("SELECT COALESCE(SUM(count), 0) FROM chunks WHERE last_ts < ?1 AND superseded_by IS NULL", [.integer(cutoff)]) {
                count = $0.int64(0)
            }
            try connection.query("DELETE FROM chunks WHERE last_ts < ?1", [.integer(cutoff)])
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
        return Int(count)
    }

    func legacySamples(after afterID: Int64, limit: Int) throws -> [(id: Int64, stored: StoredSample)] {
        var result: [(id: Int64, stored: StoredSample)] = []
        try connection.query(ChunkSQL.selectLegacy + "?1 ORDER BY id LIMIT ?2", [.integer(afterID), .integer(Int64(limit))]) { row in
            let sample = Sample(
                name: row.text(1) ?? "", type: SampleType(rawValue: row.text(2) ?? "") ?? .gauge, unit: row.text(3) ?? "",
                volume: row.double(4), userID: row.text(5), projectID: row.text(6), resourceID: row.text(7) ?? "",
                timestamp: dateFromMicroseconds(row.int64(8)), resourceMetadata: MetadataCoding.decode(row.text(10)),
                source: row.text(11) ?? "", messageID: row.text(12) ?? "")
            result.append((row.int64(0), StoredSample(sample: sample, recordedAt: dateFromMicroseconds(row.int64(9)))))
        }
        return result
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
