/// The read statements whose rows `RowShapes` decodes, one text per dialect: where PostgreSQL needs a cast
/// (JSONB as text, bigint sums) the text says so here, and the columns stay in the order `RowShapes` reads.
extension ChunkSQL {
    /// `RowShapes.series`; with `after`, only series with larger ids.
    public static func selectSeries(_ dialect: SQLDialect, after: Int64? = nil) -> String {
        "SELECT id, meter, type, unit, resource_id, project_id, user_id, source, \(text("metadata", dialect)) FROM series"
            + (after.map { " WHERE id > \($0)" } ?? "") + " ORDER BY id"
    }

    /// `RowShapes.wal`.
    public static let selectWAL = "SELECT id, data FROM wal ORDER BY id"

    /// `RowShapes.wal`, records with ids above `after`.
    public static func selectWAL(after: Int64) -> String { "SELECT id, data FROM wal WHERE id > \(after) ORDER BY id" }

    /// The oldest write-ahead record's id, 0 when there is none: one integer.
    public static func selectOldestWAL(_ dialect: SQLDialect) -> String { "SELECT \(bigint("COALESCE(MIN(id), 0)", dialect)) FROM wal" }

    /// The largest chunk and rollup ids (0 when none): one row of two integers.
    public static func selectMaxIDs(_ dialect: SQLDialect) -> String {
        let largest = bigint("COALESCE(MAX(id), 0)", dialect)
        return "SELECT (SELECT \(largest) FROM chunks), (SELECT \(largest) FROM rollups)"
    }

    /// The retention horizon, when one was recorded: one integer.
    public static let selectRawHorizon = "SELECT value FROM store_state WHERE key = 'raw_horizon'"

    /// `RowShapes.span`.
    public static let selectSpans = "SELECT series_id, MIN(first_ts), MAX(last_ts), MAX(wal_through) FROM chunks WHERE superseded_by IS NULL GROUP BY series_id"

    /// `RowShapes.span` over readable chunks with ids above `after`.
    public static func selectSpans(after: Int64) -> String {
        "SELECT series_id, MIN(first_ts), MAX(last_ts), MAX(wal_through) FROM chunks WHERE id > \(after) AND superseded_by IS NULL GROUP BY series_id"
    }

    /// `RowShapes.chunkInfo`, for chunks of fewer samples than the one parameter.
    public static func selectCatalog(_ dialect: SQLDialect) -> String {
        "SELECT id, series_id, count, first_ts, last_ts FROM chunks WHERE superseded_by IS NULL AND count < \(dialect.placeholder(1))"
    }

    /// `RowShapes.stats`: series, chunks, chunk samples, chunk bytes, rollups, rollup bytes, write-ahead bytes.
    public static func selectStats(_ dialect: SQLDialect) -> String {
        let readable = "FROM chunks WHERE superseded_by IS NULL"
        let rollups = "FROM rollups WHERE superseded_by IS NULL"
        return """
            SELECT (SELECT \(bigint("COUNT(*)", dialect)) FROM series), (SELECT \(bigint("COUNT(*)", dialect)) \(readable)),
                (SELECT \(bigint("COALESCE(SUM(count), 0)", dialect)) \(readable)),
                (SELECT \(bigint("COALESCE(SUM(LENGTH(data)), 0)", dialect)) \(readable)),
                (SELECT \(bigint("COUNT(*)", dialect)) \(rollups)),
                (SELECT \(bigint("COALESCE(SUM(LENGTH(data)), 0)", dialect)) \(rollups)),
                (SELECT \(bigint("COALESCE(SUM(LENGTH(data)), 0)", dialect)) FROM wal)
            """
    }

    /// `RowShapes.legacySample`: rows after the first parameter, oldest first, at most the second.
    public static func selectLegacy(_ dialect: SQLDialect) -> String {
        let p = dialect.placeholder
        return "SELECT id, meter, type, unit, volume, user_id, project_id, resource_id, ts, recorded_at, \(text("metadata", dialect)), source, message_id FROM samples WHERE id > \(p(1)) ORDER BY id LIMIT \(p(2))"
    }

    /// `RowShapes.event`: the events a query asks for, newest first.
    public static func selectEvents(_ dialect: SQLDialect, _ query: EventQuery) -> (String, [SQLValue]) {
        var builder = SQLQueryBuilder(dialect: dialect)
        let conditions = builder.eventWhereClause(query)
        var sql = "SELECT id, ts, type, level, host, resource, message, \(text("details", dialect)) FROM events WHERE \(conditions) ORDER BY ts DESC, id"
        if let limit = query.limit { sql += " LIMIT \(builder.bind(.integer(Int64(max(0, limit)))))" }
        return (sql, builder.bindings)
    }

    /// `RowShapes.host`, by host then agent in byte order on both databases.
    public static func selectHosts(_ dialect: SQLDialect) -> String {
        let order = dialect == .postgres ? "host COLLATE \"C\", agent COLLATE \"C\"" : "host, agent"
        return "SELECT host, agent, last_seen, batches FROM agents ORDER BY \(order)"
    }

    private static func text(_ column: String, _ dialect: SQLDialect) -> String {
        dialect == .postgres ? "\(column)::text" : column
    }

    private static func bigint(_ expression: String, _ dialect: SQLDialect) -> String {
        dialect == .postgres ? "\(expression)::bigint" : expression
    }
}
