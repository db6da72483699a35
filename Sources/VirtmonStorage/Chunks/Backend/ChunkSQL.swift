import VirtmonModel

/// The tables and statements of the chunk engine, one text per dialect, shared by the SQLite and PostgreSQL
/// backends so that the two cannot drift apart.
public enum ChunkSQL {
    /// The schema added on top of the row schema (whose samples, meters and resources tables stay until their
    /// rows are moved).
    public static func schema(_ dialect: SQLDialect) -> [String] {
        let (integer, blob, real) = dialect == .postgres ? ("BIGINT", "BYTEA", "DOUBLE PRECISION") : ("INTEGER", "BLOB", "REAL")
        let metadata = dialect == .postgres ? "JSONB" : "TEXT"
        return [
            """
            CREATE TABLE series(
                id \(integer) PRIMARY KEY, meter TEXT NOT NULL, type TEXT NOT NULL, unit TEXT NOT NULL,
                resource_id TEXT NOT NULL, project_id TEXT, user_id TEXT, source TEXT NOT NULL, metadata \(metadata) NOT NULL)
            """,
            "CREATE TABLE wal(id \(integer) PRIMARY KEY, data \(blob) NOT NULL)",
            """
            CREATE TABLE chunks(
                id \(integer) PRIMARY KEY, series_id \(integer) NOT NULL, first_ts \(integer) NOT NULL, last_ts \(integer) NOT NULL,
                count \(integer) NOT NULL, min \(real) NOT NULL, max \(real) NOT NULL, sum \(real) NOT NULL, m2 \(real) NOT NULL,
                first_value \(real) NOT NULL, last_value \(real) NOT NULL, received_at \(integer) NOT NULL,
                wal_through \(integer) NOT NULL, superseded_by \(integer), data \(blob) NOT NULL)
            """,
            "CREATE INDEX chunks_series_last ON chunks(series_id, last_ts)",
            "CREATE INDEX chunks_small ON chunks(count) WHERE superseded_by IS NULL",
            "CREATE INDEX chunks_superseded ON chunks(superseded_by) WHERE superseded_by IS NOT NULL",
            """
            CREATE TABLE rollups(
                id \(integer) PRIMARY KEY, series_id \(integer) NOT NULL, resolution \(integer) NOT NULL,
                first_bucket \(integer) NOT NULL, last_bucket \(integer) NOT NULL, chunk_id \(integer) NOT NULL,
                superseded_by \(integer), data \(blob) NOT NULL)
            """,
            "CREATE INDEX rollups_series ON rollups(resolution, series_id, last_bucket)",
            "CREATE INDEX rollups_chunk ON rollups(chunk_id)",
            "CREATE INDEX rollups_superseded ON rollups(superseded_by) WHERE superseded_by IS NOT NULL",
            "CREATE TABLE store_state(key TEXT PRIMARY KEY, value \(integer) NOT NULL)",
        ]
    }

    static let chunkColumns = "id, series_id, first_ts, last_ts, count, min, max, sum, m2, first_value, last_value, received_at, wal_through, data"
    static let rollupColumns = "id, series_id, resolution, first_bucket, last_bucket, chunk_id, data"

    /// Every statement of a write after recording its (agent, seq) — which the backend runs first, to tell a
    /// repeat — in order, at most `limit` parameters each.
    public static func statements(_ dialect: SQLDialect, _ write: ChunkWrite, limit: Int) -> [(String, [SQLValue])] {
        var result: [(String, [SQLValue])] = []
        if let origin = write.origin { result.append(SQLStatements.upsertAgent(dialect, origin, receivedAt: write.receivedAt)) }
        let p = dialect.placeholder
        func rows(_ table: String, _ columns: String, count: Int, casts: [Int: String] = [:], _ values: (Int) -> [SQLValue]) {
            guard count > 0 else { return }
            let width = columns.split(separator: ",").count
            let perStatement = max(1, limit / width)
            for start in stride(from: 0, to: count, by: perStatement) {
                let end = min(start + perStatement, count)
                let bound = (start..<end).flatMap(values)
                result.append(("INSERT INTO \(table)(\(columns)) VALUES \(SQLStatements.tuples(dialect, rows: end - start, columns: width, casts: casts))", bound))
            }
        }
        let json = dialect == .postgres ? "::jsonb" : ""
        rows("series", "id, meter, type, unit, resource_id, project_id, user_id, source, metadata", count: write.newSeries.count, casts: [9: json]) { index in
            let record = write.newSeries[index]
            let key = record.key
            return [
                .integer(record.id), .text(key.meter), .text(key.type.rawValue), .text(key.unit), .text(key.resourceID),
                .optional(key.projectID), .optional(key.userID), .text(key.source), .text(MetadataCoding.encode(key.metadata)),
            ]
        }
        if let (id, bytes) = write.wal {
            result.append(("INSERT INTO wal(id, data) VALUES(\(p(1)), \(p(2)))", [.integer(id), .blob(bytes)]))
        }
        if let before = write.dropWALBefore {
            result.append(("DELETE FROM wal WHERE id < \(p(1))", [.integer(before)]))
        }
        rows("chunks", chunkColumns, count: write.chunks.count) { index in
            let chunk = write.chunks[index]
            let summary = chunk.summary
            return [
                .integer(chunk.id), .integer(chunk.series), .integer(summary.firstTime), .integer(summary.lastTime),
                .integer(Int64(summary.count)), .real(summary.min), .real(summary.max), .real(summary.sum), .real(summary.m2),
                .real(summary.firstValue), .real(summary.lastValue), .integer(chunk.receivedAt), .integer(chunk.walThrough),
                .blob(chunk.data),
            ]
        }
        rows("rollups", rollupColumns, count: write.rollups.count) { index in
            let rollup = write.rollups[index]
            return [
                .integer(rollup.id), .integer(rollup.series), .integer(rollup.resolution), .integer(rollup.firstBucket),
                .integer(rollup.lastBucket), .integer(rollup.chunk), .blob(rollup.data),
            ]
        }
        for (old, by) in write.supersededChunks {
            result.append(("UPDATE chunks SET superseded_by = \(p(1)) WHERE id = \(p(2))", [.integer(by), .integer(old)]))
        }
        for (old, by) in write.supersededRollups {
            result.append(("UPDATE rollups SET superseded_by = \(p(1)) WHERE id = \(p(2))", [.integer(by), .integer(old)]))
        }
        if let horizon = write.rawHorizon {
            result.append((
                "INSERT INTO store_state(key, value) VALUES('raw_horizon', \(p(1))) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [.integer(horizon)]))
        }
        if let moved = write.legacyMovedThrough {
            result.append(("DELETE FROM samples WHERE id <= \(p(1))", [.integer(moved)]))
        }
        if write.dropLegacy {
            for table in ["samples", "meters", "resources"] { result.append(("DROP TABLE IF EXISTS \(table)", [])) }
        }
        result += write.events.map { SQLStatements.insertEvent(dialect, $0) }
        return result
    }

    /// Rollup runs of a resolution whose last bucket ends by `cutoff`.
    public static func deleteRollups(_ dialect: SQLDialect, resolution: Int64, before cutoff: Int64) -> [(String, [SQLValue])] {
        let p = dialect.placeholder
        return [("DELETE FROM rollups WHERE resolution = \(p(1)) AND last_bucket + \(p(1)) <= \(p(2))", [.integer(resolution), .integer(cutoff)])]
    }

    /// Rows superseded by ids up to these bounds.
    public static func purgeSuperseded(_ dialect: SQLDialect, chunksThrough: Int64, rollupsThrough: Int64) -> [(String, [SQLValue])] {
        let p = dialect.placeholder
        return [
            ("DELETE FROM chunks WHERE superseded_by IS NOT NULL AND superseded_by <= \(p(1))", [.integer(chunksThrough)]),
            ("DELETE FROM rollups WHERE superseded_by IS NOT NULL AND superseded_by <= \(p(1))", [.integer(rollupsThrough)]),
        ]
    }

    /// Events, and the (agent, seq) records that recognise repeats, from before `cutoff`.
    public static func deleteEvents(_ dialect: SQLDialect, before cutoff: Int64) -> [(String, [SQLValue])] {
        let p = dialect.placeholder
        return [
            ("DELETE FROM events WHERE ts < \(p(1))", [.integer(cutoff)]),
            ("DELETE FROM batches WHERE received_at < \(p(1))", [.integer(cutoff)]),
        ]
    }

    /// Deletes those of the candidate series that have no chunk and no rollup left, answering their ids.
    public static func deleteEmptySeries(_ dialect: SQLDialect, candidates: [Int64]) -> (String, [SQLValue]) {
        var builder = SQLQueryBuilder(dialect: dialect)
        let list = candidates.map { builder.bind(.integer($0)) }.joined(separator: ",")
        return ("""
            DELETE FROM series WHERE id IN (\(list))
                AND NOT EXISTS (SELECT 1 FROM chunks WHERE chunks.series_id = series.id)
                AND NOT EXISTS (SELECT 1 FROM rollups WHERE rollups.series_id = series.id)
            RETURNING id
            """, builder.bindings)
    }

    /// Rows readable at a visibility bound (see `ChunkBackend`), bound as the given placeholder.
    static func visible(_ placeholder: String) -> String {
        "id <= \(placeholder) AND (superseded_by IS NULL OR superseded_by > \(placeholder))"
    }

    /// A SELECT of chunks (all columns) of some series (nil: all) overlapping [from, to], readable at a bound.
    public static func selectChunks(_ dialect: SQLDialect, series: [Int64]?, from: Int64, to: Int64, visibleThrough: Int64) -> (String, [SQLValue]) {
        var builder = SQLQueryBuilder(dialect: dialect)
        var sql = "SELECT \(chunkColumns) FROM chunks WHERE last_ts >= \(builder.bind(.integer(from))) AND first_ts <= \(builder.bind(.integer(to)))"
        sql += " AND " + visible(builder.bind(.integer(visibleThrough)))
        if let series { sql += " AND series_id IN (\(series.map { builder.bind(.integer($0)) }.joined(separator: ",")))" }
        return (sql, builder.bindings)
    }

    public static func selectChunks(_ dialect: SQLDialect, ids: [Int64]) -> (String, [SQLValue]) {
        var builder = SQLQueryBuilder(dialect: dialect)
        let list = ids.map { builder.bind(.integer($0)) }.joined(separator: ",")
        return ("SELECT \(chunkColumns) FROM chunks WHERE id IN (\(list))", builder.bindings)
    }

    public static func selectStraddling(_ dialect: SQLDialect, cutoff: Int64) -> (String, [SQLValue]) {
        let p = dialect.placeholder
        return ("SELECT \(chunkColumns) FROM chunks WHERE first_ts < \(p(1)) AND last_ts >= \(p(1)) AND superseded_by IS NULL", [.integer(cutoff)])
    }

    public static func selectRollups(_ dialect: SQLDialect, series: [Int64]?, resolution: Int64, from: Int64, to: Int64, visibleThrough: Int64) -> (String, [SQLValue]) {
        var builder = SQLQueryBuilder(dialect: dialect)
        var sql = "SELECT \(rollupColumns) FROM rollups WHERE resolution = \(builder.bind(.integer(resolution)))"
        sql += " AND last_bucket >= \(builder.bind(.integer(from))) AND first_bucket <= \(builder.bind(.integer(to)))"
        sql += " AND " + visible(builder.bind(.integer(visibleThrough)))
        if let series { sql += " AND series_id IN (\(series.map { builder.bind(.integer($0)) }.joined(separator: ",")))" }
        return (sql, builder.bindings)
    }

    public static func selectRollups(_ dialect: SQLDialect, chunks: [Int64]) -> (String, [SQLValue]) {
        var builder = SQLQueryBuilder(dialect: dialect)
        let list = chunks.map { builder.bind(.integer($0)) }.joined(separator: ",")
        return ("SELECT \(rollupColumns) FROM rollups WHERE chunk_id IN (\(list)) AND superseded_by IS NULL", builder.bindings)
    }

    /// A series row's description.
    public static func seriesKey(meter: String, type: String, unit: String, resourceID: String, projectID: String?, userID: String?, source: String, metadata: String?) -> SeriesKey {
        SeriesKey(
            meter: meter, type: SampleType(rawValue: type) ?? .gauge, unit: unit, resourceID: resourceID, projectID: projectID,
            userID: userID, source: source, metadata: MetadataCoding.decode(metadata))
    }
}
