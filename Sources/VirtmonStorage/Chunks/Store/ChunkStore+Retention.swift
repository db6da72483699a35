import Foundation
import VirtmonModel

/// Deleting samples past the retention and forgetting the series that leaves empty.
extension ChunkStore {
    public func deleteSamples(before cutoff: Date) async throws -> Int {
        await lock()
        defer { unlock() }
        try await resynchronize()
        let limit = microseconds(cutoff)
        var deleted = try await inFleet { try await trimStraddling(before: limit) }
        deleted += try await backend.deleteChunks(endingBefore: limit)
        for (id, state) in series where !state.head.isEmpty {
            let before = state.head.count
            series[id]!.head.removeAll { $0.time < limit }
            deleted += before - series[id]!.head.count
        }
        try await backend.deleteEvents(before: limit)
        try await refreshSpans()
        try await forgetEmptySeries()
        return deleted
    }

    /// Rewrites the chunks with samples on both sides of `limit` without the older ones and records the
    /// horizon; answers how many samples went.
    func trimStraddling(before limit: Int64) async throws -> Int {
        var deleted = 0
        var write = ChunkWrite()
        var chunkID = nextChunkID
        for chunk in try await backend.chunks(straddling: limit) {
            let decoded = try ChunkStore.decode(chunk)
            let kept = decoded.timestamps.indices.filter { decoded.timestamps[$0] >= limit }
            deleted += decoded.timestamps.count - kept.count
            guard !kept.isEmpty else { continue }
            let times = kept.map { decoded.timestamps[$0] }
            let values = kept.map { decoded.values[$0] }
            // The rollups of the old chunk stay: they summarise samples that existed, for their own retention.
            write.chunks.append(StoredChunk(
                id: chunkID, series: chunk.series, summary: ChunkSummary(timestamps: times, values: values),
                receivedAt: chunk.receivedAt, walThrough: chunk.walThrough,
                data: ChunkCodec.encode(timestamps: times, values: values)))
            write.supersededChunks.append((chunk.id, chunkID))
            chunkID += 1
        }
        write.rawHorizon = max(rawHorizon ?? limit, limit)
        _ = try await applying(write)
        rawHorizon = write.rawHorizon
        publish(chunksBefore: chunkID, rollupsBefore: nextRollupID)
        return deleted
    }

    /// Removes series that retention emptied (no head, no chunk, no rollup), from the store and from memory,
    /// so that what a tenant once wrote does not stay in memory for ever.
    func forgetEmptySeries() async throws {
        let candidates = series.filter { !$0.value.hasData && $0.value.head.isEmpty }.map(\.key).sorted()
        guard !candidates.isEmpty else { return }
        let gone = try await backend.deleteEmptySeries(candidates)
        guard !gone.isEmpty else { return }
        for id in gone {
            guard let state = series.removeValue(forKey: id) else { continue }
            ids.removeValue(forKey: state.key)
            canonicalMetadata.removeValue(forKey: id)
            seriesByMeter[state.key.meter]?.removeAll { $0 == id }
            if seriesByMeter[state.key.meter]?.isEmpty == true { seriesByMeter.removeValue(forKey: state.key.meter) }
        }
        // Owners come from the series that remain: a resource whose data has all expired belongs to no one.
        ledger = OwnershipLedger()
        for (_, state) in series.sorted(by: { $0.key < $1.key }) { ledger.added(resource: state.key.resourceID, project: state.key.projectID) }
        rebuildIndex()
    }

    /// Recomputes every series' first and last time from its chunks and head, and the index from those.
    func refreshSpans() async throws {
        let spans = try await backend.spans()
        for (id, state) in series {
            var first = Int64.max, last = Int64.min
            if let span = spans[id] {
                first = span.first
                last = span.last
            }
            if !state.head.isEmpty {
                first = min(first, state.head.earliest)
                last = max(last, state.head.latest)
            }
            series[id]!.first = first
            series[id]!.last = last
        }
        rebuildIndex()
    }
}
