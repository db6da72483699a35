import Foundation
import VirtmonModel
import VirtmonStorage

/// The embedded chunk backend: one SQLite file in WAL mode holding the chunk engine's tables, written through
/// one connection and read through another so that a long statistics query does not hold up ingest. Each
/// connection runs on a thread of its own (`SQLiteSession`).
public final class SQLiteChunkBackend: ChunkBackend {
    let writer: SQLiteSession
    private let reader: SQLiteSession
    /// Where the database file is.
    public let path: String

    /// Opens (creating and migrating as needed) the database at `path` and the engine over it.
    public static func open(path: String, options: ChunkStoreOptions = ChunkStoreOptions()) async throws -> ChunkStore {
        try await ChunkStore(backend: SQLiteChunkBackend(path: path), options: options)
    }

    /// Opens (creating and migrating as needed) the database at `path`.
    public init(path: String) async throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        self.path = path
        writer = try await SQLiteSession.open(path: path, migrate: true, role: "writer")
        reader = try await SQLiteSession.open(path: path, migrate: false, role: "reader")
    }

    public func load() async throws -> ChunkBackendState {
        var state = ChunkBackendState()
        state.series = try await writer.rows(ChunkSQL.selectSeries(.sqlite)) { try RowShapes.series($0) }
        state.wal = try await writer.rows(ChunkSQL.selectWAL) { try RowShapes.wal($0) }
        state.spans = try await spans()
        let ids = try await writer.rows(ChunkSQL.selectMaxIDs(.sqlite)) { ($0.int64(0), $0.int64(1)) }.first ?? (0, 0)
        (state.maxChunkID, state.maxRollupID) = ids
        state.rawHorizon = try await writer.rows(ChunkSQL.selectRawHorizon) { $0.int64(0) }.first
        state.hasLegacy = try await writer.hasLegacyTable()
        return state
    }

    public func apply(_ write: ChunkWrite) async throws -> CommitResult { try await writer.apply(write) }

    public func chunks(series: [Int64]?, from: Int64, to: Int64, visibleThrough: Int64) async throws -> [StoredChunk] {
        let (sql, values) = ChunkSQL.selectChunks(.sqlite, series: series, from: from, to: to, visibleThrough: visibleThrough)
        return try await reader.rows(sql, values) { try RowShapes.chunk($0) }
    }

    public func chunks(ids: [Int64]) async throws -> [StoredChunk] {
        var result: [StoredChunk] = []
        for part in ids.parts(of: 10_000) {
            let (sql, values) = ChunkSQL.selectChunks(.sqlite, ids: part)
            result += try await writer.rows(sql, values) { try RowShapes.chunk($0) }
        }
        return result
    }

    public func chunks(straddling cutoff: Int64) async throws -> [StoredChunk] {
        let (sql, values) = ChunkSQL.selectStraddling(.sqlite, cutoff: cutoff)
        return try await writer.rows(sql, values) { try RowShapes.chunk($0) }
    }

    public func rollups(series: [Int64]?, resolution: Int64, from: Int64, to: Int64, visibleThrough: Int64) async throws -> [StoredRollup] {
        let (sql, values) = ChunkSQL.selectRollups(.sqlite, series: series, resolution: resolution, from: from, to: to, visibleThrough: visibleThrough)
        return try await reader.rows(sql, values) { try RowShapes.rollup($0) }
    }

    public func rollups(chunks: [Int64]) async throws -> [StoredRollup] {
        var result: [StoredRollup] = []
        for part in chunks.parts(of: 10_000) {
            let (sql, values) = ChunkSQL.selectRollups(.sqlite, chunks: part)
            result += try await writer.rows(sql, values) { try RowShapes.rollup($0) }
        }
        return result
    }

    public func chunkCatalog(below: Int) async throws -> [ChunkInfo] {
        try await writer.rows(ChunkSQL.selectCatalog(.sqlite), [.integer(Int64(below))]) { try RowShapes.chunkInfo($0) }
    }

    public func deleteChunks(endingBefore cutoff: Int64) async throws -> Int {
        Int(try await writer.transaction([
            ("SELECT COALESCE(SUM(count), 0) FROM chunks WHERE last_ts < ?1 AND superseded_by IS NULL", [.integer(cutoff)]),
            ("DELETE FROM chunks WHERE last_ts < ?1", [.integer(cutoff)]),
        ]))
    }

    public func deleteRollups(resolution: Int64, before cutoff: Int64) async throws {
        try await writer.run(ChunkSQL.deleteRollups(.sqlite, resolution: resolution, before: cutoff))
    }

    public func purgeSuperseded(chunksThrough: Int64, rollupsThrough: Int64) async throws {
        try await writer.run(ChunkSQL.purgeSuperseded(.sqlite, chunksThrough: chunksThrough, rollupsThrough: rollupsThrough))
    }

    public func deleteEvents(before cutoff: Int64) async throws {
        try await writer.run(ChunkSQL.deleteEvents(.sqlite, before: cutoff))
    }

    public func deleteEmptySeries(_ candidates: [Int64]) async throws -> [Int64] {
        var deleted: [Int64] = []
        for part in candidates.parts(of: 10_000) {
            let (sql, values) = ChunkSQL.deleteEmptySeries(.sqlite, candidates: part)
            deleted += try await writer.rows(sql, values) { $0.int64(0) }
        }
        return deleted
    }

    public func spans() async throws -> [Int64: (first: Int64, last: Int64, walThrough: Int64)] {
        var spans: [Int64: (first: Int64, last: Int64, walThrough: Int64)] = [:]
        for span in try await writer.rows(ChunkSQL.selectSpans, [], { try RowShapes.span($0) }) {
            spans[span.series] = (span.first, span.last, span.walThrough)
        }
        return spans
    }

    public func legacySamples(after afterID: Int64, limit: Int) async throws -> [(id: Int64, stored: StoredSample)] {
        try await writer.rows(ChunkSQL.selectLegacy(.sqlite), [.integer(afterID), .integer(Int64(limit))]) { try RowShapes.legacySample($0) }
    }

    public func events(_ query: EventQuery) async throws -> [Event] {
        let (sql, values) = ChunkSQL.selectEvents(.sqlite, query)
        return try await reader.rows(sql, values) { try RowShapes.event($0) }
    }

    public func hosts() async throws -> [HostRecord] {
        try await reader.rows(ChunkSQL.selectHosts(.sqlite)) { try RowShapes.host($0) }
    }

    public func stats() async throws -> StorageStats {
        var stats = try await reader.rows(ChunkSQL.selectStats(.sqlite)) { try RowShapes.stats($0) }.first ?? StorageStats()
        stats.databaseBytes = try await reader.pagesInUse()
        return stats
    }

    public func reclaimSpace(_ scope: SpaceReclaim) async throws -> Int {
        try await writer.reclaimSpace(scope)
    }

    public func close() async {}
}
