import Foundation
import VirtmonModel
import VirtmonStorage
import VirtmonThreads

/// One connection and everything done through it. `SQLiteChunkBackend` keeps two: one that writes and one
/// that reads, so that a long statistics query does not hold up ingest (WAL lets the reader see every commit).
actor SQLiteSession {
    private let connection: SQLiteConnection
    /// Every statement and fsync blocks: the session runs on a thread of its own, never on the cooperative pool.
    private let executor: SerialThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Opens the connection on a blocking thread (opening and migrating read and write the file).
    static func open(path: String, migrate: Bool, role: String) async throws -> SQLiteSession {
        try await Blocking.run { try SQLiteSession(path: path, migrate: migrate, role: role) }
    }

    private init(path: String, migrate: Bool, role: String) throws {
        executor = SerialThreadExecutor(name: "vm-sqlite-\(role)")
        connection = try SQLiteConnection(path: path)
        // Incremental auto-vacuum lets maintenance hand free pages back (`reclaimSpace`); it takes effect only on
        // a database without tables, so it is set before the first migration. An older file keeps what it was
        // made with until `virtmon storage compact` rebuilds it.
        if migrate { try connection.execute("PRAGMA auto_vacuum=INCREMENTAL;") }
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
            try connection.transaction {
                try connection.execute(sql)
                try connection.execute("PRAGMA user_version = \(index + 1)")
            }
        }
    }

    /// Runs one statement and shapes each row it returns.
    func rows<T: Sendable>(_ sql: String, _ values: [SQLValue] = [], _ shape: (SQLiteRow) throws -> T) throws -> [T] {
        var result: [T] = []
        try connection.query(sql, values) { result.append(try shape($0)) }
        return result
    }

    func run(_ statements: [(String, [SQLValue])]) throws {
        for (sql, values) in statements { try connection.query(sql, values) }
    }

    /// Statements in one transaction; the answer of the first that returns a row, or 0.
    func transaction(_ statements: [(String, [SQLValue])]) throws -> Int64 {
        try connection.transaction {
            var answer: Int64?
            for (sql, values) in statements {
                try connection.query(sql, values) { row in if answer == nil { answer = row.int64(0) } }
            }
            return answer ?? 0
        }
    }

    /// One transaction: the batch's (agent, seq) first, so that a repeat is refused before anything else
    /// (a repeat inserted nothing, so committing its transaction writes nothing).
    func apply(_ write: ChunkWrite) throws -> CommitResult {
        try connection.transaction {
            if let origin = write.origin {
                let (sql, values) = SQLStatements.recordBatch(.sqlite, origin, receivedAt: write.receivedAt)
                try connection.query(sql, values)
                if connection.changes == 0 { return .duplicate }
            }
            try run(ChunkSQL.statements(.sqlite, write, limit: 30_000))
            return .stored
        }
    }

    /// Whether the earlier row schema's samples table is still there.
    func hasLegacyTable() throws -> Bool {
        try !rows("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'samples'") { _ in true }.isEmpty
    }

    /// Free pages beyond a quarter of the file go back to the file system, 16 MiB at most per call (all of
    /// them when `full`); a database made before incremental auto-vacuum is rebuilt with it when `full`. The
    /// margin stays for the next writes — the write-ahead records alone free and refill tens of megabytes a
    /// minute at 50,000 samples/s — and the cap keeps one maintenance pass from moving much of the file
    /// (SQLite fills the holes with pages from the file's end) while ingest waits. Answers the bytes released.
    func reclaimSpace(_ scope: SpaceReclaim) throws -> Int {
        let size = try pragma("page_size")
        let before = try pragma("page_count")
        let free = try pragma("freelist_count")
        if try pragma("auto_vacuum") != 2 {
            guard case .all = scope, free > 0 else { return 0 }
            try connection.execute("PRAGMA auto_vacuum=INCREMENTAL; VACUUM;")
        } else {
            let margin = scope == .beyondMargin
            let release = margin ? min(free - before / 4, 4_096) : free
            guard release > 0, !margin || release >= 256 else { return 0 }
            try connection.execute("PRAGMA incremental_vacuum(\(release));")
        }
        // The file shrinks when its pages reach it: at a checkpoint of SQLite's own -wal file.
        try connection.execute("PRAGMA wal_checkpoint(TRUNCATE);")
        return Int((before - (try pragma("page_count"))) * size)
    }

    /// Bytes of the pages in use (the file's size less its free pages).
    func pagesInUse() throws -> Int {
        Int((try pragma("page_count") - (try pragma("freelist_count"))) * (try pragma("page_size")))
    }

    /// A PRAGMA that answers one integer.
    private func pragma(_ name: String) throws -> Int64 {
        try rows("PRAGMA \(name)") { $0.int64(0) }.first ?? 0
    }
}
