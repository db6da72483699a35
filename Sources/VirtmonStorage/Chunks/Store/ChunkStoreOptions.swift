import Foundation

/// How a `ChunkStore` cuts, rolls up, compacts and checkpoints.
public struct ChunkStoreOptions: Sendable {
    /// One rollup resolution and how long its buckets are kept.
    public struct Rollup: Sendable, Hashable {
        public var resolution: Int64
        public var retention: Int64

        /// Both in seconds.
        public init(resolution: Int64, retention: Int64) {
            self.resolution = resolution
            self.retention = retention
        }
    }

    /// A head is sealed into a chunk when it holds this many samples...
    public var chunkSamples = 120
    /// A series' first head seals up to this many samples early, by an amount its id fixes (see
    /// `ChunkStore.sealThreshold`); nil or 0 seals every head at `chunkSamples`. Off by default: in the
    /// 500,000-series soak a spread of 60 turned two seal waves into sealing in every commit, and ingest p50
    /// went from under 25 ms to ~300 ms with no lower worst p99 (docs/operations.md).
    public var firstSealSpread: Int?
    /// `firstSealSpread` with its default applied.
    var sealSpread: Int { firstSealSpread ?? 0 }
    /// ...or when its samples span this many seconds, or nothing arrived for it for `idleSeal` seconds.
    public var maxHeadSpan: Int64 = 2 * 3600
    public var idleSeal: Int64 = 3600
    /// Compaction merges this many chunks of one size class into one, up to `maxChunkSamples`.
    public var compactFanIn = 6
    public var maxChunkSamples = 4320
    /// Default: 5 min kept 30 days, 1 h kept 400 days, 1 day kept 5 years. Not 1 min: for a 10 s series its
    /// buckets took 3.1 bytes a sample where the compressed samples take 2.3, and a query per minute reads the
    /// chunks about as fast.
    public var rollups: [Rollup] = [
        Rollup(resolution: 300, retention: 30 * 86_400),
        Rollup(resolution: 3600, retention: 400 * 86_400),
        Rollup(resolution: 86_400, retention: 5 * 366 * 86_400),
    ]
    /// Past this many bytes of write-ahead records still needed, a checkpoint may rewrite the heads pinning the
    /// older half of them (see `checkpointPlan`).
    public var checkpointBytes = 32 << 20
    /// What "now" is for idle sealing, retention and which rollups are still kept: tests advance it instead
    /// of sleeping.
    public var now: @Sendable () -> Date = { Date() }

    public init() {}

    /// Rollups that earlier releases wrote by default and this one does not: no query reads them, and they
    /// expire as they would have, unless `rollups` names their resolution again.
    static let retiredRollups = [Rollup(resolution: 60, retention: 30 * 86_400)]

    /// The rollups maintenance expires: the configured ones and the retired ones not configured again.
    var expiringRollups: [Rollup] {
        rollups + ChunkStoreOptions.retiredRollups.filter { retired in !rollups.contains { $0.resolution == retired.resolution } }
    }

    /// Refuses settings that cannot work, naming the setting.
    public func validate() throws(QueryError) {
        guard chunkSamples >= 2 else { throw .invalid("chunk_samples must be at least 2, not \(chunkSamples)") }
        guard compactFanIn >= 2 else { throw .invalid("compact_fan_in must be at least 2, not \(compactFanIn)") }
        guard sealSpread >= 0, sealSpread < chunkSamples else {
            throw .invalid("first_seal_spread must be from 0 to chunk_samples − 1 (\(chunkSamples - 1)), not \(sealSpread)")
        }
        guard maxChunkSamples >= chunkSamples else { throw .invalid("max_chunk_samples (\(maxChunkSamples)) is below chunk_samples (\(chunkSamples))") }
        for rollup in rollups {
            guard rollup.resolution > 0, 86_400 % rollup.resolution == 0 || rollup.resolution % 86_400 == 0 else {
                throw .invalid("rollup resolution \(rollup.resolution) s must divide a day or be whole days")
            }
            guard rollup.retention > 0 else { throw .invalid("rollup retention must be positive") }
        }
        guard Set(rollups.map(\.resolution)).count == rollups.count else { throw .invalid("rollup resolutions repeat") }
    }
}
