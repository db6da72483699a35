import Foundation
import VirtmonModel
import VirtmonStorage

/// The embedded store: one SQLite file in WAL mode holding the chunk engine's tables, written through one
/// connection and read through another so that a long statistics query does not hold up ingest.
public final class SQLiteStorage: ChunkBackend {
    private let writer: SQLiteSession
    private let reader: SQLiteSession
    /// Where the database file is.
    public let path: String

    /// Opens (creating and migrating as needed) the database at `path` and the engine over it.
    public static func open(path: String, options: ChunkStoreOptions = ChunkStoreOptions()) async throws -> ChunkStore {
        try await ChunkStore(backend: SQLiteStorage(path: path), options: options)
    }

    public init(path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        self.path = path
        writer = try SQLiteSession(path: path, migrate: true)
        reader = try SQLiteSession(path: path, migrate: false)
    }

    public func load() async throws -> ChunkBackendState { try await writer.load() }
    public func apply(_ write: ChunkWrite) async throws -> CommitResult { try await writer.apply(write) }
    public func chunks(series: [Int64]?, from: Int64, to: Int64, visibleThrough: Int64) async throws -> [StoredChunk] {
        try await reader.chunks(ChunkSQL.selectChunks(.sqlite, series: series, from: from, to: to, visibleThrough: visibleThrough))
    }
    public func chunks(ids: [Int64]) async throws -> [StoredChunk] {
        var result: [StoredChunk] = []
        for start in stride(from: 0, to: ids.count, by: 10_000) {
            result += try await writer.chunks(ChunkSQL.selectChunks(.sqlite, ids: Array(ids[start..<min(start + 10_000, ids.count)])))
        }
        return result
    }
    public func chunks(straddling cutoff: Int64) async throws -> [StoredChunk] {
        try await writer.chunks(ChunkSQL.selectStraddling(.sqlite, cutoff: cutoff))
    }
    public func rollups(series: [Int64]?, resolution: Int64, from: Int64, to: Int64, visibleThrough: Int64) async throws -> [StoredRollup] {
        try await reader.rollups(ChunkSQL.selectRollups(.sqlite, series: series, resolution: resolution, from: from, to: to, visibleThrough: visibleThrough))
    }
    public func rollups(chunks: [Int64]) async throws -> [StoredRollup] {
        var result: [StoredRollup] = []
        for start in stride(from: 0, to: chunks.count, by: 10_000) {
            result += try await writer.rollups(ChunkSQL.selectRollups(.sqlite, chunks: Array(chunks[start..<min(start + 10_000, chunks.count)])))
        }
        return result
    }
    public func chunkCatalog(below: Int) async throws -> [ChunkInfo] { try await writer.catalog(below: below) }
    public func deleteChunks(endingBefore cutoff: Int64) async throws -> Int { try await writer.deleteChunks(endingBefore: cutoff) }
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
        for start in stride(from: 0, to: candidates.count, by: 10_000) {
            deleted += try await writer.deleteEmptySeries(Array(candidates[start..<min(start + 10_000, candidates.count)]))
        }
        return deleted
    }
    public func spans() async throws -> [Int64: (first: Int64, last: Int64, walThrough: Int64)] { try await writer.spans() }
    public func legacySamples(after afterID: Int64, limit: Int) async throws -> [(id: Int64, stored: StoredSample)] {
        try await writer.legacySamples(after: afterID, limit: limit)
    }
    public func events(_ query: EventQuery) async throws -> [Event] { try await reader.events(query) }
    public func hosts() async throws -> [HostRecord] { try await reader.hosts() }
    public func stats() async throws -> StorageStats { try await reader.stats() }
    public func close() async {}
}
