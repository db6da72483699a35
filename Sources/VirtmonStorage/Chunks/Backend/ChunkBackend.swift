import VirtmonModel

/// A sealed chunk as stored: its series, summary, when its newest sample was received, the newest
/// write-ahead record it covers, and the encoded samples.
public struct StoredChunk: Sendable {
    public var id: Int64
    public var series: Int64
    public var summary: ChunkSummary
    public var receivedAt: Int64
    /// Every sample of this series in write-ahead records up to this id is in a chunk.
    public var walThrough: Int64
    public var data: [UInt8]

    public init(id: Int64, series: Int64, summary: ChunkSummary, receivedAt: Int64, walThrough: Int64, data: [UInt8]) {
        self.id = id
        self.series = series
        self.summary = summary
        self.receivedAt = receivedAt
        self.walThrough = walThrough
        self.data = data
    }
}

/// A run of one series' rollup buckets at one resolution, computed from one chunk (or merged from several).
public struct StoredRollup: Sendable {
    public var id: Int64
    public var series: Int64
    /// Microseconds.
    public var resolution: Int64
    /// Start of the first and last bucket.
    public var firstBucket: Int64
    public var lastBucket: Int64
    /// The chunk it was computed from.
    public var chunk: Int64
    public var data: [UInt8]

    public init(id: Int64, series: Int64, resolution: Int64, firstBucket: Int64, lastBucket: Int64, chunk: Int64, data: [UInt8]) {
        self.id = id
        self.series = series
        self.chunk = chunk
        self.resolution = resolution
        self.firstBucket = firstBucket
        self.lastBucket = lastBucket
        self.data = data
    }
}

/// A chunk without its samples, for planning compaction.
public struct ChunkInfo: Sendable {
    public var id: Int64
    public var series: Int64
    public var count: Int
    public var firstTime: Int64
    public var lastTime: Int64

    public init(id: Int64, series: Int64, count: Int, firstTime: Int64, lastTime: Int64) {
        self.id = id
        self.series = series
        self.count = count
        self.firstTime = firstTime
        self.lastTime = lastTime
    }
}

/// Everything one transaction changes. A backend applies all of it or nothing; when `origin` was stored
/// before it applies nothing and answers `.duplicate`.
public struct ChunkWrite: Sendable {
    public var origin: BatchOrigin?
    public var receivedAt: Int64 = 0
    public var newSeries: [SeriesRecord] = []
    public var wal: (id: Int64, bytes: [UInt8])?
    /// Drops write-ahead records with smaller ids (a checkpoint).
    public var dropWALBefore: Int64?
    public var chunks: [StoredChunk] = []
    public var rollups: [StoredRollup] = []
    /// Old chunk id → the chunk that replaces it; old rows stay readable by earlier readers until purged.
    public var supersededChunks: [(old: Int64, by: Int64)] = []
    public var supersededRollups: [(old: Int64, by: Int64)] = []
    public var events: [Event] = []
    /// Raw samples before this time are gone for good (retention); write-ahead replay skips them.
    public var rawHorizon: Int64?
    /// Legacy row-schema samples up to this row id have been moved into chunks.
    public var legacyMovedThrough: Int64?
    public var dropLegacy = false
    /// On a database other collectors write too: the position this write was computed from (see `FleetPosition`).
    public var fleet: FleetPosition?

    /// Whether other collectors can follow this write from its new rows (`FleetChanges`); otherwise they reload.
    public var followable: Bool { rawHorizon == nil && legacyMovedThrough == nil && !dropLegacy }

    public init(origin: BatchOrigin? = nil, receivedAt: Int64 = 0) {
        self.origin = origin
        self.receivedAt = receivedAt
    }
}

/// What a backend holds when a store opens.
public struct ChunkBackendState: Sendable {
    public var series: [SeriesRecord] = []
    public var wal: [(id: Int64, bytes: [UInt8])] = []
    /// Per series: earliest and latest sample time over its readable chunks, and the newest record they cover.
    public var spans: [Int64: (first: Int64, last: Int64, walThrough: Int64)] = [:]
    public var maxChunkID: Int64 = 0
    public var maxRollupID: Int64 = 0
    public var rawHorizon: Int64?
    /// Whether samples of the earlier one-row-per-sample schema are still waiting to be moved.
    public var hasLegacy = false
    /// Where the database stood, when other collectors may write it too; nil for a store of one writer.
    public var fleet: FleetPosition?

    public init() {}
}

/// The persistence a `ChunkStore` needs: SQLite (`SQLiteChunkBackend`) and PostgreSQL
/// (`PostgresChunkBackend`) implement it with the same tables, SQL text from `ChunkSQL`, rows decoded by
/// `RowShapes`.
///
/// What an implementation must do (the conformance suite in `Tests/VirtmonStorageTests` checks each):
/// - `apply` is one transaction: all of a `ChunkWrite` or nothing. When its origin (agent, sequence) is
///   already stored it changes nothing and answers `.duplicate`; `.stored` means durable (on disk, or
///   committed on the server) before it returns, since the collector's 2xx promises that.
/// - Reads take a visibility bound: rows with a larger id, or superseded by one at or below it, were written
///   after the reader took its view and must not be counted (nor counted twice). Superseded rows stay
///   readable until `purgeSuperseded`.
/// - Ids are the engine's: store what it hands over; never renumber.
/// - Blocking calls run off the cooperative pool (`VirtmonThreads`): SQLite on a serial thread per
///   connection; postgres-nio is non-blocking already.
/// - Writes come from one engine at a time (`apply` and the maintenance deletes); reads may run at any time,
///   concurrently with a write. A backend several collectors share (PostgreSQL) reports a `FleetPosition` in
///   `load`, refuses with `FleetStale` a write whose `fleet` position is not the database's, in the same
///   transaction as the write, and answers `changes(after:)`; the others have no position.
/// - Errors say what was being done and the database's own reason (`SQLiteError`, `PostgresStartError`).
/// - Alarms (`AlarmStore`) live in their own tables (`AlarmSQL`), outside the chunk engine's transactions.
public protocol ChunkBackend: AlarmStore {
    func load() async throws -> ChunkBackendState
    func apply(_ write: ChunkWrite) async throws -> CommitResult
    /// Readable chunks of these series (nil: all) overlapping [from, to].
    func chunks(series: [Int64]?, from: Int64, to: Int64, visibleThrough: Int64) async throws -> [StoredChunk]
    func chunks(ids: [Int64]) async throws -> [StoredChunk]
    func rollups(series: [Int64]?, resolution: Int64, from: Int64, to: Int64, visibleThrough: Int64) async throws -> [StoredRollup]
    /// Readable rollups computed from these chunks.
    func rollups(chunks: [Int64]) async throws -> [StoredRollup]
    /// Readable chunks holding fewer than `below` samples.
    func chunkCatalog(below: Int) async throws -> [ChunkInfo]
    /// Deletes readable chunks whose samples all precede `cutoff`; returns how many samples they held.
    func deleteChunks(endingBefore cutoff: Int64) async throws -> Int
    /// Readable chunks with samples on both sides of `cutoff`.
    func chunks(straddling cutoff: Int64) async throws -> [StoredChunk]
    func deleteRollups(resolution: Int64, before cutoff: Int64) async throws
    /// Deletes rows superseded by ids up to these bounds.
    func purgeSuperseded(chunksThrough: Int64, rollupsThrough: Int64) async throws
    func deleteEvents(before cutoff: Int64) async throws
    /// Deletes those of `candidates` (series whose heads are empty) that hold no chunk and no rollup any more,
    /// and answers their ids: retention then takes their memory too.
    func deleteEmptySeries(_ candidates: [Int64]) async throws -> [Int64]
    /// Per series: earliest and latest time over readable chunks.
    func spans() async throws -> [Int64: (first: Int64, last: Int64, walThrough: Int64)]
    /// Legacy rows after `afterID`, oldest id first, with their row ids.
    func legacySamples(after afterID: Int64, limit: Int) async throws -> [(id: Int64, stored: StoredSample)]
    func events(_ query: EventQuery) async throws -> [Event]
    func hosts() async throws -> [HostRecord]
    func stats() async throws -> StorageStats
    /// Gives free space back to the file system: what deleted rows left inside the database file, as much as
    /// `scope` says. Answers the bytes released. Engines that manage their own space (PostgreSQL's autovacuum,
    /// memory) have nothing to do.
    func reclaimSpace(_ scope: SpaceReclaim) async throws -> Int
    /// Where a shared database stands now (nil: not shared).
    func fleetPosition() async throws -> FleetPosition?
    /// What other collectors wrote after `cursor`, or nil when that cannot be followed row by row (the epoch
    /// moved) and the engine must `load` again.
    func changes(after cursor: FleetCursor) async throws -> FleetChanges?
    func close() async
}

extension ChunkBackend {
    public func reclaimSpace(_ scope: SpaceReclaim) async throws -> Int { 0 }
    public func fleetPosition() async throws -> FleetPosition? { nil }
    public func changes(after cursor: FleetCursor) async throws -> FleetChanges? { nil }
}

/// How much of a database's free space `ChunkBackend.reclaimSpace` hands back.
public enum SpaceReclaim: Sendable {
    /// What lies beyond a working margin, a bounded amount per call: each maintenance pass.
    case beyondMargin
    /// Every free page, as long as that needs no rebuild of the file: a clean stop, which must not take long.
    case allFree
    /// All of it, rebuilding a file made without incremental vacuum: `virtmon storage compact`.
    case all
}
