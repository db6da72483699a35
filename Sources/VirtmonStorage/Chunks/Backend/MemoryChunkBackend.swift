import Foundation
import VirtmonModel

/// A `ChunkBackend` in memory, with the same meaning as the SQL tables: for tests of the engine (sealing,
/// retention, compaction, scheduling) that move `ChunkStoreOptions.now` instead of sleeping and need no
/// file, and as the reference a new backend can be compared with. Nothing survives the process.
public actor MemoryChunkBackend: ChunkBackend {
    private struct Row<Value: Sendable>: Sendable {
        var value: Value
        var supersededBy: Int64?

        /// Readable by a reader that took its view at `bound` (see `ChunkBackend`).
        func visible(through bound: Int64, id: Int64) -> Bool { id <= bound && (supersededBy.map { $0 > bound } ?? true) }
    }

    private struct BatchKey: Hashable { var agent: String; var sequence: UInt64 }

    private var series: [Int64: SeriesRecord] = [:]
    var alarmTable = MemoryAlarms()
    private var batches: [BatchKey: Int64] = [:]
    private var agents: [String: HostRecord] = [:]
    private var wal: [Int64: [UInt8]] = [:]
    private var chunkRows: [Int64: Row<StoredChunk>] = [:]
    private var rollupRows: [Int64: Row<StoredRollup>] = [:]
    private var eventRows: [String: Event] = [:]
    private var rawHorizon: Int64?

    public init() {}

    public func load() -> ChunkBackendState {
        var state = ChunkBackendState()
        state.series = series.values.sorted { $0.id < $1.id }
        state.wal = wal.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        state.spans = spans()
        state.maxChunkID = chunkRows.keys.max() ?? 0
        state.maxRollupID = rollupRows.keys.max() ?? 0
        state.rawHorizon = rawHorizon
        return state
    }

    public func apply(_ write: ChunkWrite) throws -> CommitResult {
        if let origin = write.origin, batches[BatchKey(agent: origin.agent, sequence: origin.sequence)] != nil { return .duplicate }
        // The SQL tables' primary keys refuse a reused id and roll the whole transaction back; so does this.
        if let taken = write.newSeries.first(where: { series[$0.id] != nil }) { throw ChunkIDConflict(table: "series", id: taken.id) }
        if let (id, _) = write.wal, wal[id] != nil { throw ChunkIDConflict(table: "wal", id: id) }
        if let taken = write.chunks.first(where: { chunkRows[$0.id] != nil }) { throw ChunkIDConflict(table: "chunks", id: taken.id) }
        if let taken = write.rollups.first(where: { rollupRows[$0.id] != nil }) { throw ChunkIDConflict(table: "rollups", id: taken.id) }
        if let origin = write.origin {
            batches[BatchKey(agent: origin.agent, sequence: origin.sequence)] = write.receivedAt
            let previous = agents[origin.agent]?.batches ?? 0
            agents[origin.agent] = HostRecord(host: origin.host, agent: origin.agent, lastSeen: dateFromMicroseconds(write.receivedAt),
                                              batches: previous + 1)
        }
        for record in write.newSeries { series[record.id] = record }
        if let (id, bytes) = write.wal { wal[id] = bytes }
        if let before = write.dropWALBefore { wal = wal.filter { $0.key >= before } }
        for chunk in write.chunks { chunkRows[chunk.id] = Row(value: chunk) }
        for rollup in write.rollups { rollupRows[rollup.id] = Row(value: rollup) }
        for (old, by) in write.supersededChunks { chunkRows[old]?.supersededBy = by }
        for (old, by) in write.supersededRollups { rollupRows[old]?.supersededBy = by }
        if let horizon = write.rawHorizon { rawHorizon = horizon }
        for event in write.events where eventRows[event.id] == nil { eventRows[event.id] = event }
        return .stored
    }

    private func readable<Value>(_ rows: [Int64: Row<Value>]) -> [Value] {
        rows.keys.sorted().compactMap { id in rows[id].flatMap { $0.supersededBy == nil ? $0.value : nil } }
    }

    public func chunks(series ids: [Int64]?, from: Int64, to: Int64, visibleThrough: Int64) -> [StoredChunk] {
        let wanted = ids.map(Set.init)
        return chunkRows.keys.sorted().compactMap { id -> StoredChunk? in
            guard let row = chunkRows[id], row.visible(through: visibleThrough, id: id) else { return nil }
            let chunk = row.value
            guard chunk.summary.lastTime >= from, chunk.summary.firstTime <= to, wanted?.contains(chunk.series) ?? true else { return nil }
            return chunk
        }
    }

    public func chunks(ids: [Int64]) -> [StoredChunk] { ids.compactMap { chunkRows[$0]?.value } }

    public func rollups(series ids: [Int64]?, resolution: Int64, from: Int64, to: Int64, visibleThrough: Int64) -> [StoredRollup] {
        let wanted = ids.map(Set.init)
        return rollupRows.keys.sorted().compactMap { id -> StoredRollup? in
            guard let row = rollupRows[id], row.visible(through: visibleThrough, id: id) else { return nil }
            let rollup = row.value
            guard rollup.resolution == resolution, rollup.lastBucket >= from, rollup.firstBucket <= to,
                  wanted?.contains(rollup.series) ?? true
            else { return nil }
            return rollup
        }
    }

    public func rollups(chunks: [Int64]) -> [StoredRollup] {
        let wanted = Set(chunks)
        return readable(rollupRows).filter { wanted.contains($0.chunk) }
    }

    public func chunkCatalog(below: Int) -> [ChunkInfo] {
        readable(chunkRows).filter { $0.summary.count < below }.map {
            ChunkInfo(id: $0.id, series: $0.series, count: $0.summary.count, firstTime: $0.summary.firstTime, lastTime: $0.summary.lastTime)
        }
    }

    public func deleteChunks(endingBefore cutoff: Int64) -> Int {
        var samples = 0
        for (id, row) in chunkRows where row.value.summary.lastTime < cutoff {
            if row.supersededBy == nil { samples += row.value.summary.count }
            chunkRows[id] = nil
        }
        return samples
    }

    public func chunks(straddling cutoff: Int64) -> [StoredChunk] {
        readable(chunkRows).filter { $0.summary.firstTime < cutoff && $0.summary.lastTime >= cutoff }
    }

    public func deleteRollups(resolution: Int64, before cutoff: Int64) {
        rollupRows = rollupRows.filter { !($0.value.value.resolution == resolution && $0.value.value.lastBucket + resolution <= cutoff) }
    }

    public func purgeSuperseded(chunksThrough: Int64, rollupsThrough: Int64) {
        chunkRows = chunkRows.filter { ($0.value.supersededBy ?? .max) > chunksThrough }
        rollupRows = rollupRows.filter { ($0.value.supersededBy ?? .max) > rollupsThrough }
    }

    public func deleteEvents(before cutoff: Int64) {
        eventRows = eventRows.filter { microseconds($0.value.time) >= cutoff }
        batches = batches.filter { $0.value >= cutoff }
    }

    public func deleteEmptySeries(_ candidates: [Int64]) -> [Int64] {
        let held = Set(chunkRows.values.map(\.value.series)).union(rollupRows.values.map(\.value.series))
        let gone = candidates.filter { series[$0] != nil && !held.contains($0) }
        for id in gone { series[id] = nil }
        return gone
    }

    public func spans() -> [Int64: (first: Int64, last: Int64, walThrough: Int64)] {
        var spans: [Int64: (first: Int64, last: Int64, walThrough: Int64)] = [:]
        for chunk in readable(chunkRows) {
            let known = spans[chunk.series] ?? (.max, .min, .min)
            spans[chunk.series] = (min(known.first, chunk.summary.firstTime), max(known.last, chunk.summary.lastTime),
                                   max(known.walThrough, chunk.walThrough))
        }
        return spans
    }

    /// The earlier row schema never existed here.
    public func legacySamples(after afterID: Int64, limit: Int) -> [(id: Int64, stored: StoredSample)] { [] }

    public func events(_ query: EventQuery) -> [Event] {
        let matching = eventRows.values.filter(query.matches).sorted { ($0.time, $1.id) > ($1.time, $0.id) }
        return query.limit.map { Array(matching.prefix(max(0, $0))) } ?? matching
    }

    public func hosts() -> [HostRecord] {
        // Byte order, as both databases sort.
        agents.values.sorted { a, b in
            a.host != b.host ? a.host.utf8.lexicographicallyPrecedes(b.host.utf8) : a.agent.utf8.lexicographicallyPrecedes(b.agent.utf8)
        }
    }

    public func stats() -> StorageStats {
        var stats = StorageStats()
        let chunks = readable(chunkRows), rollups = readable(rollupRows)
        stats.series = series.count
        stats.chunks = chunks.count
        stats.chunkSamples = chunks.reduce(0) { $0 + $1.summary.count }
        stats.chunkBytes = chunks.reduce(0) { $0 + $1.data.count }
        stats.rollups = rollups.count
        stats.rollupBytes = rollups.reduce(0) { $0 + $1.data.count }
        stats.walBytes = wal.values.reduce(0) { $0 + $1.count }
        stats.databaseBytes = stats.chunkBytes + stats.rollupBytes + stats.walBytes
        return stats
    }

    public func close() {}
}
