import Foundation
import VirtmonModel

/// Sealing heads into chunks (with their rollups) and checkpointing the write-ahead records they no longer need.
extension ChunkStore {
    /// `rewriteAbove`: the bytes of records still needed past which heads pinning old records may be written
    /// again (`checkpointPlan`); `options.checkpointBytes` unless a stop asks for less.
    func sealAndCheckpoint(now: Int64, sealAll: Bool, rewriteAbove: Int? = nil, report: inout MaintenanceReport) async throws {
        var write = ChunkWrite(receivedAt: now)
        var chunkID = nextChunkID
        var rollupID = nextRollupID
        var sealed: [Int64] = []
        for (id, state) in series.sorted(by: { $0.key < $1.key }) where !state.head.isEmpty {
            let (low, high, received) = (state.head.earliest, state.head.latest, state.head.lastArrival)
            guard sealAll || high - low >= options.maxHeadSpan * 1_000_000 || received <= now - options.idleSeal * 1_000_000
            else { continue }
            let (chunk, rollups) = seal(series: id, state.head.entries, walThrough: state.headWALThrough, chunkID: &chunkID, rollupID: &rollupID)
            write.chunks.append(chunk)
            write.rollups.append(contentsOf: rollups)
            sealed.append(id)
        }
        let sealedSet = Set(sealed)
        let plan = checkpointPlan(excluding: sealedSet, rewriteAbove: rewriteAbove ?? options.checkpointBytes)
        let walID = nextWALID
        var rewritten: [Int64] = []
        if let plan {
            if !plan.rewrite.isEmpty {
                var entries: [WALRecord.Entry] = []
                for id in plan.rewrite {
                    for entry in series[id]!.head {
                        entries.append(WALRecord.Entry(series: id, time: entry.time, value: entry.value, receivedAt: entry.receivedAt))
                    }
                }
                write.wal = (walID, WALRecord(entries: entries, replacesHeads: true).encoded())
                rewritten = plan.rewrite
            }
            write.dropWALBefore = plan.dropBefore
        }
        guard !write.chunks.isEmpty || plan != nil else { return }
        _ = try await applying(write)
        for id in sealed {
            series[id]!.sealedWALThrough = series[id]!.headWALThrough
            series[id]!.head = HeadBuffer()
            series[id]!.headWALFrom = 0
        }
        if let plan {
            let kept = walRecords.firstIndex { $0.id >= plan.dropBefore } ?? walRecords.endIndex
            walRecords.removeFirst(kept)
            if let record = write.wal {
                nextWALID = walID + 1
                walRecords.append((walID, record.bytes.count))
            }
            for id in rewritten {
                series[id]!.headWALFrom = walID
                series[id]!.headWALThrough = walID
            }
            report.checkpointed = true
        }
        publish(chunksBefore: chunkID, rollupsBefore: rollupID)
        report.sealedChunks += write.chunks.count
    }

    /// Which write-ahead records a checkpoint drops, and which heads it rewrites so that it may.
    struct CheckpointPlan: Equatable {
        var dropBefore: Int64
        var rewrite: [Int64]
    }

    /// Records below the oldest record any open head (`excluding` the heads about to be sealed) still needs
    /// are dropped as they are: nothing in them is unsealed. Past `threshold` bytes of records still needed,
    /// the older half of them goes too when the heads pinning it are small enough to write again: at most half
    /// the bytes dropped, so a checkpoint never writes more than it frees. A collector whose heads fill at the
    /// same pace (every series one sample per interval) needs about one chunk period of records, and keeps it:
    /// rewriting every open head, as an earlier version did, wrote all of them again each minute once they
    /// outgrew the threshold. Maintenance passes `options.checkpointBytes`; a stop passes 0.
    func checkpointPlan(excluding sealing: Set<Int64>, rewriteAbove threshold: Int) -> CheckpointPlan? {
        guard let oldest = walRecords.first?.id else { return nil }
        var pinned: [(from: Int64, id: Int64, samples: Int)] = []
        for (id, state) in series where !state.head.isEmpty && !sealing.contains(id) {
            pinned.append((state.headWALFrom, id, state.head.count))
        }
        let low = pinned.map(\.from).min() ?? nextWALID
        let freeDrop = walRecords.firstIndex { $0.id >= low } ?? walRecords.endIndex
        let live = walRecords[freeDrop...].reduce(0) { $0 + $1.bytes }
        let plan: CheckpointPlan? = low > oldest ? CheckpointPlan(dropBefore: low, rewrite: []) : nil
        guard live >= threshold, live > 0 else { return plan }
        // The older half of what is still needed, by bytes.
        var freed = 0
        var cut = freeDrop
        while cut < walRecords.endIndex, freed < live / 2 {
            freed += walRecords[cut].bytes
            cut += 1
        }
        let cutoff = cut < walRecords.endIndex ? walRecords[cut].id : nextWALID
        let stragglers = pinned.filter { $0.from < cutoff }
        // At most about 12 bytes per rewritten sample (`WALRecord`).
        let cost = stragglers.reduce(0) { $0 + $1.samples } * 12
        guard cost <= freed / 2 else { return plan }
        return CheckpointPlan(dropBefore: cutoff, rewrite: stragglers.map(\.id).sorted())
    }
}
