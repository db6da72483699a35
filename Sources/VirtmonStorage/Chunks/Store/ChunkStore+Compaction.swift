import Foundation
import VirtmonModel

/// Merging small chunks of one series into larger ones, size class by size class.
extension ChunkStore {
    /// The size class of a chunk: 0 below chunkSamples × fanIn, one more per factor of fanIn.
    func sizeClass(_ count: Int) -> Int {
        var level = 0
        var limit = options.chunkSamples * options.compactFanIn
        while count >= limit && level < 8 {
            level += 1
            limit *= options.compactFanIn
        }
        return level
    }

    func compact(report: inout MaintenanceReport) async throws {
        let catalog = try await backend.chunkCatalog(below: options.maxChunkSamples)
        var groups: [[ChunkInfo]] = []
        for (_, chunks) in Dictionary(grouping: catalog, by: \.series) {
            for (_, sameClass) in Dictionary(grouping: chunks, by: { sizeClass($0.count) }) {
                var candidates = sameClass.sorted { ($0.firstTime, $0.id) < ($1.firstTime, $1.id) }[...]
                while candidates.count >= options.compactFanIn {
                    let group = Array(candidates.prefix(options.compactFanIn))
                    guard group.reduce(0, { $0 + $1.count }) <= options.maxChunkSamples else { break }
                    groups.append(group)
                    candidates = candidates.dropFirst(options.compactFanIn)
                }
            }
        }
        // A few hundred merges per transaction: bounded memory and lock time.
        for start in stride(from: 0, to: groups.count, by: 200) {
            let batch = Array(groups[start..<min(start + 200, groups.count)])
            let ids = batch.flatMap { $0.map(\.id) }
            let chunks = Dictionary(uniqueKeysWithValues: try await backend.chunks(ids: ids).map { ($0.id, $0) })
            let rollups = Dictionary(grouping: try await backend.rollups(chunks: ids), by: \.chunk)
            var write = ChunkWrite()
            var chunkID = nextChunkID
            var rollupID = nextRollupID
            // Counted once the write landed: a write refused as stale is computed again (`inFleet`).
            var landed = (chunks: 0, into: 0)
            for group in batch {
                let parts = group.compactMap { chunks[$0.id] }
                guard parts.count == group.count, let seriesID = parts.first?.series else { continue }
                var times: [Int64] = []
                var values: [Double] = []
                for part in parts {
                    let decoded = try ChunkStore.decode(part)
                    times += decoded.timestamps
                    values += decoded.values
                }
                let order = times.indices.sorted { (times[$0], $0) < (times[$1], $1) }
                times = order.map { times[$0] }
                values = order.map { values[$0] }
                let merged = StoredChunk(
                    id: chunkID, series: seriesID, summary: ChunkSummary(timestamps: times, values: values),
                    receivedAt: parts.map(\.receivedAt).max()!, walThrough: parts.map(\.walThrough).max()!,
                    data: ChunkCodec.encode(timestamps: times, values: values))
                write.chunks.append(merged)
                for part in parts { write.supersededChunks.append((part.id, chunkID)) }
                let oldRollups = parts.flatMap { rollups[$0.id] ?? [] }
                for (resolution, sameResolution) in Dictionary(grouping: oldRollups, by: \.resolution) {
                    var buckets: [RollupBucket] = []
                    for rollup in sameResolution { buckets += try ChunkStore.decode(rollup) }
                    let combined = RollupBucket.merged(buckets)
                    write.rollups.append(StoredRollup(
                        id: rollupID, series: seriesID, resolution: resolution, firstBucket: combined.first!.start,
                        lastBucket: combined.last!.start, chunk: chunkID, data: RollupCodec.encode(combined)))
                    for rollup in sameResolution { write.supersededRollups.append((rollup.id, rollupID)) }
                    rollupID += 1
                }
                chunkID += 1
                landed.chunks += parts.count
                landed.into += 1
            }
            guard !write.chunks.isEmpty else { continue }
            _ = try await applying(write)
            publish(chunksBefore: chunkID, rollupsBefore: rollupID)
            report.compactedChunks += landed.chunks
            report.compactedInto += landed.into
        }
    }
}
