import Foundation
import Logging
import PostgresNIO
import Synchronization
import VirtmonModel
import VirtmonStorage

/// The scale-out store's persistence: PostgreSQL through a pooled postgres-nio client, with the chunk engine's
/// tables as in SQLite (chunks as bytea, series metadata as JSONB).
public final class PostgresChunkBackend: ChunkBackend {
    let client: PostgresClient
    private let runner: Task<Void, Never>
    let logger: Logger
    /// The connection string without its password, for logs.
    public let displayURL: String
    /// How long one statement or transaction may go unanswered before it fails; nil waits as long as it takes.
    /// Start-up (migration, loading) always waits: it is bounded by the probe and by another collector's migration.
    public let statementTimeout: Duration?
    /// Whether the server is known to be away, so that statements fail at once instead of queueing.
    let outage = PostgresOutage()
    /// Whether `load()` has run once (start-up) already.
    private let loadedOnce = Atomic(false)

    /// Connects, migrates and opens the engine over the database.
    public static func open(url: String, logger: Logger = Logger(label: "virtmon.storage.postgres"), options: ChunkStoreOptions = ChunkStoreOptions(),
                            startupTimeout: Duration = .seconds(30), statementTimeout: Duration? = nil) async throws -> ChunkStore {
        let backend = try await PostgresChunkBackend(url: url, logger: logger, startupTimeout: startupTimeout, statementTimeout: statementTimeout)
        do {
            return try await ChunkStore(backend: backend, options: options)
        } catch {
            await backend.close()
            throw error
        }
    }

    /// Connects to `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`) and migrates the schema. A server
    /// that cannot be reached or refuses is retried with backoff for up to `startupTimeout`, with a warning per
    /// attempt naming the server and its reason; then this throws `PostgresStartError` (the pool alone would
    /// retry for ever and never say why).
    public init(url: String, logger: Logger = Logger(label: "virtmon.storage.postgres"), startupTimeout: Duration = .seconds(30),
                statementTimeout: Duration? = nil) async throws {
        self.statementTimeout = statementTimeout
        let configuration = try PostgresConnectionSettings.configuration(from: url)
        try await PostgresConnectionSettings.probe(configuration, url: StorageURL.redacted(url), logger: logger, timeout: startupTimeout)
        self.logger = logger
        displayURL = StorageURL.redacted(url)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
        // Let the pool start before the first lease, rather than have it warn that run() is not running yet.
        await Task.yield()
        do {
            try await migrate()
        } catch {
            runner.cancel()
            throw error
        }
    }

    private func migrate() async throws {
        try await attempt("migrating the schema", deadline: .some(nil)) { [self] in try await migrateNow() }
    }

    private func migrateNow() async throws {
        try await client.withTransaction(logger: logger) { connection in
            // One collector migrates at a time; the others wait here and then find nothing to do.
            try await connection.query("SELECT pg_advisory_xact_lock(4952777)", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS virtmon_schema(version INT NOT NULL)", logger: logger)
            var version = 0
            for try await (value) in try await connection.query("SELECT MAX(version) FROM virtmon_schema", logger: logger)
                .decode(Int?.self)
            {
                version = value ?? 0
            }
            let migrations = PostgresSchema.migrations
            guard version <= migrations.count else {
                throw StorageURLError(url: displayURL, reason: "the database is at schema \(version), newer than this virtmon's \(migrations.count)")
            }
            for (index, statements) in migrations.enumerated().dropFirst(version) {
                for statement in statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO virtmon_schema(version) VALUES(\(index + 1))", logger: logger)
            }
        }
    }

    func bindings(_ values: [SQLValue]) -> PostgresBindings {
        var result = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .text(let text): result.append(text)
            case .integer(let number): result.append(number)
            case .real(let number): result.append(number)
            case .blob(let bytes): result.append(ByteBuffer(bytes: bytes))
            case .null: result.appendNull()
            }
        }
        return result
    }

    /// Runs one statement (on `connection`, inside its transaction, or on any pooled one) and shapes each row it returns.
    func rows<T>(_ sql: String, _ values: [SQLValue] = [], on connection: PostgresConnection? = nil,
                 _ shape: (PostgresStorageRow) throws -> T) async throws -> [T] {
        var result: [T] = []
        let query = PostgresQuery(unsafeSQL: sql, binds: bindings(values))
        let sequence = if let connection {
            try await connection.query(query, logger: logger)
        } else {
            try await client.query(query, logger: logger)
        }
        for try await row in sequence {
            result.append(try shape(PostgresStorageRow(row: row.makeRandomAccess())))
        }
        return result
    }

    private func run(_ statements: [(String, [SQLValue])]) async throws {
        for (sql, values) in statements { _ = try await rows(sql, values) { _ in () } }
    }

    // MARK: the chunk engine's tables

    public func load() async throws -> ChunkBackendState {
        // At start-up the load waits as long as it takes; afterwards it is the store catching up after a failed
        // write, and a probe that never returned would hold the writer (and every queued POST) for ever.
        let startUp = !loadedOnce.exchange(true, ordering: .relaxed)
        let purpose = startUp ? "loading the series catalogue and write-ahead records at start-up"
                              : "reloading the series catalogue and write-ahead records after a failed write"
        return try await attempt(purpose, deadline: startUp ? .some(nil) : nil) { [self] in
            // One snapshot: another collector's commit between two of these reads would leave records naming
            // series this load did not see.
            try await client.withTransaction(logger: logger) { connection in
                try await snapshot(connection)
                var state = ChunkBackendState()
                state.fleet = try await position(on: connection)
                state.series = try await rows(ChunkSQL.selectSeries(.postgres), on: connection) { try RowShapes.series($0) }
                state.wal = try await rows(ChunkSQL.selectWAL, on: connection) { try RowShapes.wal($0) }
                for span in try await rows(ChunkSQL.selectSpans, on: connection, { try RowShapes.span($0) }) {
                    state.spans[span.series] = (span.first, span.last, span.walThrough)
                }
                let ids = try await rows(ChunkSQL.selectMaxIDs(.postgres), on: connection) { (try $0.int64(0), try $0.int64(1)) }.first ?? (0, 0)
                (state.maxChunkID, state.maxRollupID) = ids
                state.rawHorizon = try await rows(ChunkSQL.selectRawHorizon, on: connection) { try $0.int64(0) }.first
                state.hasLegacy = try await rows("SELECT to_regclass('samples') IS NOT NULL", on: connection) { try $0.bool(0) }.first ?? false
                return state
            }
        }
    }

    /// Makes the transaction on `connection` read one snapshot of the database; its first statement.
    func snapshot(_ connection: PostgresConnection) async throws {
        _ = try await rows("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", on: connection) { _ in () }
    }

    func position(on connection: PostgresConnection? = nil) async throws -> FleetPosition? {
        try await rows("SELECT generation, epoch FROM virtmon_fleet WHERE id = 1", on: connection) {
            FleetPosition(generation: try $0.int64(0), epoch: try $0.int64(1))
        }.first
    }

    public func fleetPosition() async throws -> FleetPosition? {
        try await attempt("reading where the collectors' writes stand") { [self] in try await position() }
    }

    public func changes(after cursor: FleetCursor) async throws -> FleetChanges? {
        try await attempt("reading what other collectors wrote") { [self] in
            try await client.withTransaction(logger: logger) { connection in
                try await snapshot(connection)
                guard let position = try await position(on: connection), position.epoch == cursor.position.epoch else { return nil }
                var changes = FleetChanges(position: position)
                changes.series = try await rows(ChunkSQL.selectSeries(.postgres, after: cursor.seriesThrough), on: connection) { try RowShapes.series($0) }
                changes.wal = try await rows(ChunkSQL.selectWAL(after: cursor.walThrough), on: connection) { try RowShapes.wal($0) }
                let oldest = try await rows(ChunkSQL.selectOldestWAL(.postgres), on: connection) { try $0.int64(0) }.first ?? 0
                changes.oldestWAL = oldest == 0 ? nil : oldest
                for span in try await rows(ChunkSQL.selectSpans(after: cursor.chunksThrough), on: connection, { try RowShapes.span($0) }) {
                    changes.spans[span.series] = (span.first, span.last, span.walThrough)
                }
                let ids = try await rows(ChunkSQL.selectMaxIDs(.postgres), on: connection) { (try $0.int64(0), try $0.int64(1)) }.first ?? (0, 0)
                (changes.maxChunkID, changes.maxRollupID) = ids
                changes.rawHorizon = try await rows(ChunkSQL.selectRawHorizon, on: connection) { try $0.int64(0) }.first
                return changes
            }
        }
    }

    public func spans() async throws -> [Int64: (first: Int64, last: Int64, walThrough: Int64)] {
        try await attempt("reading the series spans") { [self] in
            var spans: [Int64: (first: Int64, last: Int64, walThrough: Int64)] = [:]
            for span in try await rows(ChunkSQL.selectSpans, [], { try RowShapes.span($0) }) {
                spans[span.series] = (span.first, span.last, span.walThrough)
            }
            return spans
        }
    }

    /// One transaction: the batch's (agent, seq) first, so that a repeat is refused before anything else.
    public func apply(_ write: ChunkWrite) async throws -> CommitResult {
        try await attempt("committing a batch") { [self] in
            try await client.withTransaction(logger: logger) { connection in
                func run(_ sql: String, _ values: [SQLValue]) async throws -> Int {
                    var count = 0
                    for try await _ in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: self.bindings(values)), logger: self.logger) {
                        count += 1
                    }
                    return count
                }
                // First, so that the fleet's writers queue on this one row (and never on each other's batch rows).
                if let expected = write.fleet {
                    let moved = try await run(
                        "UPDATE virtmon_fleet SET generation = generation + 1, epoch = epoch + $3 WHERE id = 1 AND generation = $1 AND epoch = $2 RETURNING generation",
                        [.integer(expected.generation), .integer(expected.epoch), .integer(write.followable ? 0 : 1)])
                    if moved == 0 { throw FleetStale(expected: expected, found: try await self.position(on: connection)) }
                }
                if let origin = write.origin {
                    let (sql, values) = SQLStatements.recordBatch(.postgres, origin, receivedAt: write.receivedAt)
                    // Nothing was written: committing the empty transaction is the same as rolling it back.
                    if try await run(sql, values) == 0 { return CommitResult.duplicate }
                }
                for (sql, values) in ChunkSQL.statements(.postgres, write, limit: 60_000) { _ = try await run(sql, values) }
                return CommitResult.stored
            }
        }
    }

    public func chunks(series: [Int64]?, from: Int64, to: Int64, visibleThrough: Int64) async throws -> [StoredChunk] {
        try await attempt("reading chunks") { [self] in
            let (sql, values) = ChunkSQL.selectChunks(.postgres, series: series, from: from, to: to, visibleThrough: visibleThrough)
            return try await rows(sql, values) { try RowShapes.chunk($0) }
        }
    }

    public func chunks(ids: [Int64]) async throws -> [StoredChunk] {
        try await attempt("reading chunks") { [self] in
            var result: [StoredChunk] = []
            for part in ids.parts(of: 20_000) {
                let (sql, values) = ChunkSQL.selectChunks(.postgres, ids: part)
                result += try await rows(sql, values) { try RowShapes.chunk($0) }
            }
            return result
        }
    }

    public func chunks(straddling cutoff: Int64) async throws -> [StoredChunk] {
        try await attempt("reading chunks") { [self] in
            let (sql, values) = ChunkSQL.selectStraddling(.postgres, cutoff: cutoff)
            return try await rows(sql, values) { try RowShapes.chunk($0) }
        }
    }

    public func rollups(series: [Int64]?, resolution: Int64, from: Int64, to: Int64, visibleThrough: Int64) async throws -> [StoredRollup] {
        try await attempt("reading rollups") { [self] in
            let (sql, values) = ChunkSQL.selectRollups(.postgres, series: series, resolution: resolution, from: from, to: to, visibleThrough: visibleThrough)
            return try await rows(sql, values) { try RowShapes.rollup($0) }
        }
    }

    public func rollups(chunks: [Int64]) async throws -> [StoredRollup] {
        try await attempt("reading rollups") { [self] in
            var result: [StoredRollup] = []
            for part in chunks.parts(of: 20_000) {
                let (sql, values) = ChunkSQL.selectRollups(.postgres, chunks: part)
                result += try await rows(sql, values) { try RowShapes.rollup($0) }
            }
            return result
        }
    }

    public func chunkCatalog(below: Int) async throws -> [ChunkInfo] {
        try await attempt("listing chunks for maintenance") { [self] in
            try await rows(ChunkSQL.selectCatalog(.postgres), [.integer(Int64(below))]) { try RowShapes.chunkInfo($0) }
        }
    }

    public func deleteChunks(endingBefore cutoff: Int64) async throws -> Int {
        try await attempt("deleting chunks past retention") { [self] in
            // The other collectors cannot follow deletions row by row: the epoch tells them to reload.
            let sql = """
                WITH gone AS (DELETE FROM chunks WHERE last_ts < $1 RETURNING count, superseded_by),
                     moved AS (UPDATE virtmon_fleet SET epoch = epoch + 1 WHERE id = 1 AND EXISTS (SELECT 1 FROM gone) RETURNING epoch)
                SELECT COALESCE(SUM(count) FILTER (WHERE superseded_by IS NULL), 0)::bigint FROM gone
                """
            return Int(try await rows(sql, [.integer(cutoff)]) { try $0.int64(0) }.first ?? 0)
        }
    }

    public func deleteRollups(resolution: Int64, before cutoff: Int64) async throws {
        try await attempt("deleting rollups past retention") { [self] in
            try await run(ChunkSQL.deleteRollups(.postgres, resolution: resolution, before: cutoff))
        }
    }

    public func purgeSuperseded(chunksThrough: Int64, rollupsThrough: Int64) async throws {
        try await attempt("purging compacted chunks") { [self] in
            try await run(ChunkSQL.purgeSuperseded(.postgres, chunksThrough: chunksThrough, rollupsThrough: rollupsThrough))
        }
    }

    public func deleteEvents(before cutoff: Int64) async throws {
        try await attempt("deleting events past retention") { [self] in
            try await run(ChunkSQL.deleteEvents(.postgres, before: cutoff))
        }
    }

    public func deleteEmptySeries(_ candidates: [Int64]) async throws -> [Int64] {
        try await attempt("deleting empty series") { [self] in
            var deleted: [Int64] = []
            for part in candidates.parts(of: 10_000) {
                let (sql, values) = ChunkSQL.deleteEmptySeries(.postgres, candidates: part)
                deleted += try await rows(sql, values) { try $0.int64(0) }
            }
            // Other collectors still hold these series: the epoch tells them to reload.
            if !deleted.isEmpty { try await run([("UPDATE virtmon_fleet SET epoch = epoch + 1 WHERE id = 1", [])]) }
            return deleted
        }
    }

    public func stats() async throws -> StorageStats {
        try await attempt("reading storage statistics") { [self] in
            var stats = try await rows(ChunkSQL.selectStats(.postgres)) { try RowShapes.stats($0) }.first ?? StorageStats()
            stats.databaseBytes = Int(try await rows("SELECT pg_database_size(current_database())::bigint") { try $0.int64(0) }.first ?? 0)
            return stats
        }
    }

    public func legacySamples(after afterID: Int64, limit: Int) async throws -> [(id: Int64, stored: StoredSample)] {
        try await attempt("migrating samples of an older schema") { [self] in
            try await rows(ChunkSQL.selectLegacy(.postgres), [.integer(afterID), .integer(Int64(limit))]) { try RowShapes.legacySample($0) }
        }
    }

    public func events(_ query: EventQuery) async throws -> [Event] {
        try await attempt("reading events") { [self] in
            let (sql, values) = ChunkSQL.selectEvents(.postgres, query)
            return try await rows(sql, values) { try RowShapes.event($0) }
        }
    }

    public func hosts() async throws -> [HostRecord] {
        try await attempt("reading the hosts") { [self] in
            try await rows(ChunkSQL.selectHosts(.postgres)) { try RowShapes.host($0) }
        }
    }

    public func close() async {
        runner.cancel()
        _ = await runner.value
    }
}

/// A postgres-nio row read by column position.
struct PostgresStorageRow: StorageRow {
    let row: PostgresRandomAccessRow

    func int64(_ column: Int) throws -> Int64 { try row[column].decode(Int64.self) }
    func double(_ column: Int) throws -> Double { try row[column].decode(Double.self) }
    func optionalText(_ column: Int) throws -> String? { try row[column].decode(String?.self) }
    func blob(_ column: Int) throws -> [UInt8] { Array(try row[column].decode(ByteBuffer.self).readableBytesView) }
    func bool(_ column: Int) throws -> Bool { try row[column].decode(Bool.self) }
}
