import Foundation
import VirtmonModel

/// Moving a database of the earlier one-row-per-sample schema into series and chunks.
extension ChunkStore {
    /// Moves samples of the one-row-per-sample schema into series and chunks, a slice per transaction that
    /// also deletes the moved rows, so an interrupted move resumes where it stopped.
    func moveLegacySamples() async throws {
        var after: Int64 = 0
        while true {
            let rows = try await backend.legacySamples(after: after, limit: 20_000)
            guard let lastRow = rows.last?.id else { break }
            var write = ChunkWrite()
            var assigner = SeriesAssigner(next: nextSeriesID)
            var grouped: [Int64: [HeadEntry]] = [:]
            for row in rows {
                let id = assigner.id(for: SeriesKey(row.stored.sample), known: ids)
                grouped[id, default: []].append(HeadEntry(
                    time: microseconds(row.stored.sample.timestamp), value: row.stored.sample.volume,
                    receivedAt: microseconds(row.stored.recordedAt)))
            }
            var chunkID = nextChunkID
            var rollupID = nextRollupID
            for (id, entries) in grouped.sorted(by: { $0.key < $1.key }) {
                let ordered = entries.sorted { $0.time < $1.time }
                for start in stride(from: 0, to: ordered.count, by: options.maxChunkSamples) {
                    let piece = Array(ordered[start..<min(start + options.maxChunkSamples, ordered.count)])
                    let (chunk, rollups) = seal(series: id, piece, walThrough: 0, chunkID: &chunkID, rollupID: &rollupID)
                    write.chunks.append(chunk)
                    write.rollups.append(contentsOf: rollups)
                }
            }
            write.newSeries = assigner.created
            write.legacyMovedThrough = lastRow
            _ = try await applying(write)
            adopt(write.newSeries, next: assigner.next)
            for (id, entries) in grouped {
                for entry in entries {
                    series[id]!.first = min(series[id]!.first, entry.time)
                    series[id]!.last = max(series[id]!.last, entry.time)
                }
            }
            publish(chunksBefore: chunkID, rollupsBefore: rollupID)
            after = lastRow
        }
        var drop = ChunkWrite()
        drop.dropLegacy = true
        _ = try await applying(drop)
        rebuildIndex()
    }
}
