import Foundation
import Logging
import PostgresNIO
import VirtmonModel
import VirtmonStorage

/// A PostgreSQL store that could not be opened at start-up, with the server and its reason.
public struct PostgresStartError: Error, CustomStringConvertible {
    public var description: String
}

/// The scale-out store's persistence: PostgreSQL through a pooled postgres-nio client, with the chunk engine's
/// tables as in SQLite (chunks as bytea, series metadata as JSONB).
public final class PostgresStorage: ChunkBackend {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger
    /// The connection string without its password, for logs.
    public let displayURL: String

    /// Connects, migrates and opens the engine over the database.
    public static func open(url: String, logger: Logger = Logger(label: "virtmon.storage.postgres"), options: ChunkStoreOptions = ChunkStoreOptions(),
                            startupTimeout: Duration = .seconds(30)) async throws -> ChunkStore {
        let backend = try await PostgresStorage(url: url, logger: logger, startupTimeout: startupTimeout)
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
    public init(url: String, logger: Logger = Logger(label: "virtmon.storage.postgres"), startupTimeout: Duration = .seconds(30)) async throws {
        let configuration = try PostgresStorage.configuration(from: url)
        try await PostgresStorage.probe(configuration, url: StorageURL.redacted(url), logger: logger, timeout: startupTimeout)
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

    /// One connection, tried until it succeeds or `timeout` has passed: 0.5 s doubling to 5 s between tries.
    static func probe(_ configuration: PostgresClient.Configuration, url: String, logger: Logger, timeout: Duration) async throws {
        let host = configuration.host ?? "localhost"
        let port = configuration.port ?? 5432
        var settings = PostgresConnection.Configuration(
            host: host, port: port, username: configuration.username, password: configuration.password,
            database: configuration.database, tls: .disable)
        settings.options.connectTimeout = .seconds(5)
        let deadline = ContinuousClock.now + timeout
        var delay = Duration.milliseconds(500)
        var attempt = 0
        while true {
            attempt += 1
            do {
                let connection = try await PostgresConnection.connect(configuration: settings, id: attempt, logger: logger)
                try await connection.close()
                return
            } catch {
                let reason = PostgresStorage.reason(error)
                guard ContinuousClock.now + delay < deadline else {
                    throw PostgresStartError(description: "PostgreSQL at \(host):\(port) (\(url)) could not be used within \(timeout.components.seconds) s: \(reason)")
                }
                logger.warning("PostgreSQL at \(host):\(port) is not answering (attempt \(attempt)): \(reason); retrying in \(delay)")
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// The server's message and SQLSTATE, or the socket's reason: postgres-nio's own description of a
    /// PSQLError is a placeholder unless asked with `String(reflecting:)`.
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return message + state
            }
            if let underlying = error.underlying { return socketReason(underlying) }
            return "\(error.code)"
        }
        return socketReason(error)
    }

    /// NIO's connection errors in words: the errno they carry, or a name that did not resolve.
    static func socketReason(_ error: any Error) -> String {
        let text = String(reflecting: error)
        if let range = text.range(of: "(errno: "), let number = Int32(text[range.upperBound...].prefix(while: \.isNumber)) {
            switch number {
            case ECONNREFUSED: return "connection refused (nothing listens there, or a firewall refuses)"
            case ETIMEDOUT: return "connection timed out"
            case EHOSTUNREACH, ENETUNREACH: return "no route to the host"
            default: return String(cString: strerror(number)).lowercased()
            }
        }
        if text.localizedCaseInsensitiveContains("dns") || text.contains("resolution") { return "the host name does not resolve" }
        if text.contains("connectTimeout") || text.localizedCaseInsensitiveContains("timeout") { return "no answer within 5 s" }
        return text
    }

    /// Parses a postgres:// URL into client settings; TLS is off (loopback or a trusted network).
    public static func configuration(from url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty
        else {
            throw StorageURLError(url: StorageURL.redacted(url), reason: "expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw StorageURLError(url: StorageURL.redacted(url), reason: "no database name after the host") }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: database, tls: .disable)
        configuration.options.maximumConnections = 8
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    private func migrate() async throws {
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

    private func bindings(_ values: [SQLValue]) -> PostgresBindings {
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

    private func rows(_ sql: String, _ values: [SQLValue]) async throws -> [PostgresRandomAccessRow] {
        var result: [PostgresRandomAccessRow] = []
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings(values)), logger: logger) {
            result.append(row.makeRandomAccess())
        }
        return result
    }

    // MARK: the chunk engine's tables

    private func run(_ statements: [(String, [SQLValue])]) async throws {
        for (sql, values) in statements { _ = try await rows(sql, values) }
    }

    public func load() async throws -> ChunkBackendState {
        var state = ChunkBackendState()
        let seriesSQL = ChunkSQL.selectSeries.replacingOccurrences(of: "metadata FROM", with: "metadata::text FROM")
        for row in try await rows(seriesSQL, []) {
            state.series.append(SeriesRecord(id: try row[0].decode(Int64.self), key: ChunkSQL.seriesKey(
                meter: try row[1].decode(String.self), type: try row[2].decode(String.self), unit: try row[3].decode(String.self),
                resourceID: try row[4].decode(String.self), projectID: try row[5].decode(String?.self),
                userID: try row[6].decode(String?.self), source: try row[7].decode(String.self), metadata: try row[8].decode(String.self))))
        }
        for row in try await rows("SELECT id, data FROM wal ORDER BY id", []) {
            state.wal.append((try row[0].decode(Int64.self), PostgresStorage.bytes(try row[1].decode(ByteBuffer.self))))
        }
        state.spans = try await spans()
        for row in try await rows("SELECT COALESCE(MAX(id), 0)::bigint FROM chunks", []) { state.maxChunkID = try row[0].decode(Int64.self) }
        for row in try await rows("SELECT COALESCE(MAX(id), 0)::bigint FROM rollups", []) { state.maxRollupID = try row[0].decode(Int64.self) }
        for row in try await rows("SELECT value FROM store_state WHERE key = 'raw_horizon'", []) { state.rawHorizon = try row[0].decode(Int64.self) }
        for row in try await rows("SELECT to_regclass('samples') IS NOT NULL", []) { state.hasLegacy = try row[0].decode(Bool.self) }
        return state
    }

    static func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

    public func spans() async throws -> [Int64: (first: Int64, last: Int64, walThrough: Int64)] {
        var spans: [Int64: (first: Int64, last: Int64, walThrough: Int64)] = [:]
        for row in try await rows(ChunkSQL.selectSpans, []) {
            spans[try row[0].decode(Int64.self)] = (try row[1].decode(Int64.self), try row[2].decode(Int64.self), try row[3].decode(Int64.self))
        }
        return spans
    }

    /// One transaction: the batch's (agent, seq) first, so that a repeat is refused before anything else.
    public func apply(_ write: ChunkWrite) async throws -> CommitResult {
        try await client.withTransaction(logger: logger) { connection in
            func run(_ sql: String, _ values: [SQLValue]) async throws -> Int {
                var count = 0
                for try await _ in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: self.bindings(values)), logger: self.logger) {
                    count += 1
                }
                return count
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

    private func chunks(_ statement: (String, [SQLValue])) async throws -> [StoredChunk] {
        try await rows(statement.0, statement.1).map { row in
            StoredChunk(
                id: try row[0].decode(Int64.self), series: try row[1].decode(Int64.self),
                summary: ChunkSummary(
                    count: Int(try row[4].decode(Int64.self)), firstTime: try row[2].decode(Int64.self),
                    lastTime: try row[3].decode(Int64.self), min: try row[5].decode(Double.self), max: try row[6].decode(Double.self),
                    sum: try row[7].decode(Double.self), m2: try row[8].decode(Double.self),
                    firstValue: try row[9].decode(Double.self), lastValue: try row[10].decode(Double.self)),
                receivedAt: try row[11].decode(Int64.self), walThrough: try row[12].decode(Int64.self),
                data: PostgresStorage.bytes(try row[13].decode(ByteBuffer.self)))
        }
    }

    private func rollups(_ statement: (String, [SQLValue])) async throws -> [StoredRollup] {
        try await rows(statement.0, statement.1).map { row in
            StoredRollup(
                id: try row[0].decode(Int64.self), series: try row[1].decode(Int64.self), resolution: try row[2].decode(Int64.self),
                firstBucket: try row[3].decode(Int64.self), lastBucket: try row[4].decode(Int64.self),
                chunk: try row[5].decode(Int64.self), data: PostgresStorage.bytes(try row[6].decode(ByteBuffer.self)))
        }
    }

    public func chunks(series: [Int64]?, from: Int64, to: Int64, visibleThrough: Int64) async throws -> [StoredChunk] {
        try await chunks(ChunkSQL.selectChunks(.postgres, series: series, from: from, to: to, visibleThrough: visibleThrough))
    }

    public func chunks(ids: [Int64]) async throws -> [StoredChunk] {
        var result: [StoredChunk] = []
        for start in stride(from: 0, to: ids.count, by: 20_000) {
            result += try await chunks(ChunkSQL.selectChunks(.postgres, ids: Array(ids[start..<min(start + 20_000, ids.count)])))
        }
        return result
    }

    public func chunks(straddling cutoff: Int64) async throws -> [StoredChunk] {
        try await chunks(ChunkSQL.selectStraddling(.postgres, cutoff: cutoff))
    }

    public func rollups(series: [Int64]?, resolution: Int64, from: Int64, to: Int64, visibleThrough: Int64) async throws -> [StoredRollup] {
        try await rollups(ChunkSQL.selectRollups(.postgres, series: series, resolution: resolution, from: from, to: to, visibleThrough: visibleThrough))
    }

    public func rollups(chunks: [Int64]) async throws -> [StoredRollup] {
        var result: [StoredRollup] = []
        for start in stride(from: 0, to: chunks.count, by: 20_000) {
            result += try await rollups(ChunkSQL.selectRollups(.postgres, chunks: Array(chunks[start..<min(start + 20_000, chunks.count)])))
        }
        return result
    }

    public func chunkCatalog(below: Int) async throws -> [ChunkInfo] {
        try await rows(ChunkSQL.selectCatalog + "$1", [.integer(Int64(below))]).map { row in
            ChunkInfo(
                id: try row[0].decode(Int64.self), series: try row[1].decode(Int64.self), count: Int(try row[2].decode(Int64.self)),
                firstTime: try row[3].decode(Int64.self), lastTime: try row[4].decode(Int64.self))
        }
    }

    public func deleteChunks(endingBefore cutoff: Int64) async throws -> Int {
        var total: Int64 = 0
        for row in try await rows(
            "WITH gone AS (DELETE FROM chunks WHERE last_ts < $1 RETURNING count, superseded_by) SELECT COALESCE(SUM(count) FILTER (WHERE superseded_by IS NULL), 0)::bigint FROM gone",
            [.integer(cutoff)])
        {
            total = try row[0].decode(Int64.self)
        }
        return Int(total)
    }

    public func deleteRollups(resolution: Int64, before cutoff: Int64) async throws {
        try await run(ChunkSQL.deleteRollups(.postgres, resolution: resolution, before: cutoff))
    }

    public func purgeSuperseded(chunksThrough: Int64, rollupsThrough: Int64) async throws {
        try await run(ChunkSQL.purgeSuperseded(.postgres, chunksThrough: chunksThrough, rollupsThrough: rollupsThrough))
    }

    public func deleteEvents(before cutoff: Int64) async throws {
        try await run(ChunkSQL.deleteEvents(.postgres, before: cutoff))
    }

    public func deleteEmptySeries(_ candidates: [Int64]) async throws -> [Int64] {
        var deleted: [Int64] = []
        for start in stride(from: 0, to: candidates.count, by: 10_000) {
            let (sql, values) = ChunkSQL.deleteEmptySeries(.postgres, candidates: Array(candidates[start..<min(start + 10_000, candidates.count)]))
            for row in try await rows(sql, values) { deleted.append(try row[0].decode(Int64.self)) }
        }
        return deleted
    }

    public func stats() async throws -> StorageStats {
        var stats = StorageStats()
        let sql = ChunkSQL.selectStats.replacingOccurrences(of: "COUNT(*)", with: "COUNT(*)::bigint")
            .replacingOccurrences(of: "SUM(count), 0)", with: "SUM(count), 0)::bigint")
            .replacingOccurrences(of: "SUM(LENGTH(data)), 0)", with: "SUM(LENGTH(data)), 0)::bigint")
        for row in try await rows(sql, []) {
            stats.series = Int(try row[0].decode(Int64.self))
            stats.chunks = Int(try row[1].decode(Int64.self))
            stats.chunkSamples = Int(try row[2].decode(Int64.self))
            stats.chunkBytes = Int(try row[3].decode(Int64.self))
            stats.rollups = Int(try row[4].decode(Int64.self))
            stats.rollupBytes = Int(try row[5].decode(Int64.self))
            stats.walBytes = Int(try row[6].decode(Int64.self))
        }
        for row in try await rows("SELECT pg_database_size(current_database())::bigint", []) {
            stats.databaseBytes = Int(try row[0].decode(Int64.self))
        }
        return stats
    }

    public func legacySamples(after afterID: Int64, limit: Int) async throws -> [(id: Int64, stored: StoredSample)] {
        let sql = ChunkSQL.selectLegacy.replacingOccurrences(of: "metadata, source", with: "metadata::text, source")
            + "$1 ORDER BY id LIMIT $2"
        return try await rows(sql, [.integer(afterID), .integer(Int64(limit))]).map { row in
            let sample = Sample(
                name: try row[1].decode(String.self), type: SampleType(rawValue: try row[2].decode(String.self)) ?? .gauge,
                unit: try row[3].decode(String.self), volume: try row[4].decode(Double.self), userID: try row[5].decode(String?.self),
                projectID: try row[6].decode(String?.self), resourceID: try row[7].decode(String.self),
                timestamp: dateFromMicroseconds(try row[8].decode(Int64.self)),
                resourceMetadata: MetadataCoding.decode(try row[10].decode(String.self)), source: try row[11].decode(String.self),
                messageID: try row[12].decode(String.self))
            return (try row[0].decode(Int64.self), StoredSample(sample: sample, recordedAt: dateFromMicroseconds(try row[9].decode(Int64.self))))
        }
    }

    public func close() async {
        runner.cancel()
        _ = await runner.value
    }

    public func events(_ query: EventQuery) async throws -> [Event] {
        var builder = SQLQueryBuilder(dialect: .postgres)
        let conditions = builder.eventWhereClause(query)
        var sql = "SELECT id, ts, type, level, host, resource, message, details::text FROM events WHERE \(conditions) ORDER BY ts DESC, id"
        if let limit = query.limit { sql += " LIMIT \(builder.bind(.integer(Int64(max(0, limit)))))" }
        return try await rows(sql, builder.bindings).map { row in
            Event(
                id: try row[0].decode(String.self), time: dateFromMicroseconds(try row[1].decode(Int64.self)),
                type: try row[2].decode(String.self), level: EventLevel(rawValue: try row[3].decode(String.self)) ?? .info,
                host: try row[4].decode(String.self), resource: try row[5].decode(String.self),
                message: try row[6].decode(String.self), details: MetadataCoding.decode(try row[7].decode(String.self)))
        }
    }

    public func hosts() async throws -> [HostRecord] {
        try await rows("SELECT host, agent, last_seen, batches FROM agents ORDER BY host COLLATE \"C\", agent COLLATE \"C\"", []).map { row in
            HostRecord(
                host: try row[0].decode(String.self), agent: try row[1].decode(String.self),
                lastSeen: dateFromMicroseconds(try row[2].decode(Int64.self)), batches: Int(try row[3].decode(Int64.self)))
        }
    }
}
