import Foundation
import VirtmonModel

/// Sealing heads into chunks (with their rollups) and checkpointing the write-ahead records they no longer need.
extension ChunkStore {
    func sealAndCheckpoint(now: Int64, sealAll: Bool, report: inout MaintenanceReport) async throws {
        var write = ChunkWrite(receivedAt: now)
        var chunkID = nextChunkID
        var rollupID = nextRollupID
        var sealed: [Int64] = []
        for (id, state) in series.sorted(by: { $0.key < $1.key }) where !state.head.isEmpty {
            var low = Int64.max, high = Int64.min, received = Int64.min
            for entry in state.head {
                low = min(low, entry.time)
                high = max(high, entry.time)
                received = max(received, entry.receivedAt)
            }
            guard sealAll || high - low >= options.maxHeadSpan * 1_000_000 || received <= now - options.idleSeal * 1_000_000
            else { continue }
            let (chunk, rollups) = seal(series: id, state.head, walThrough: state.headWALThrough, chunkID: &chunkID, rollupID: &rollupID)
            write.chunks.append(chunk)
            write.rollups.append(contentsOf: rollups)
            sealed.append(id)
        }
        let sealedSet = Set(sealed)
        let open = series.filter { !$0.value.head.isEmpty && !sealedSet.contains($0.key) }
        let checkpoint = walBytes >= options.checkpointBytes || (open.isEmpty && walBytes > 0)
        let walID = nextWALID
        if checkpoint {
            var entries: [WALRecord.Entry] = []
            for (id, state) in open.sorted(by: { $0.key < $1.key }) {
                for entry in state.head {
                    entries.append(WALRecord.Entry(series: id, time: entry.time, value: entry.value, receivedAt: entry.receivedAt))
                }
            }
            if !entries.isEmpty { write.wal = (walID, WALRecord(entries: entries).encoded()) }
            write.dropWALBefore = walID
        }
        guard !write.chunks.isEmpty || checkpoint else { return }
        _ = try await applying(write)
        for id in sealed {
            series[id]!.sealedWALThrough = series[id]!.headWALThrough
            series[id]!.head = []
        }
        if checkpoint {
            nextWALID = walID + 1
            walBytes = write.wal?.bytes.count ?? 0
            for id in open.keys { series[id]!.headWALThrough = walID }
            report.checkpointed = true
        }
        publish(chunksBefore: chunkID, rollupsBefore: rollupID)
        report.sealedChunks += write.chunks.count
    }
}
