import Foundation
import VirtmonModel

/// Several collectors on one database: each holds every series and head, follows the others' writes through
/// the database (`FleetChanges`), and writes only from the newest position (`FleetPosition`).
extension ChunkStore {
    /// Runs `work` (which writes through `applying` and changes memory only after a write landed) until it is
    /// not refused as stale, taking in the other collectors' writes before each new try. Each refusal means
    /// another collector's write landed, so the fleet as a whole always moves on.
    func inFleet<T>(_ work: () async throws -> T) async throws -> T {
        var refusals = 0
        while true {
            do {
                return try await work()
            } catch let stale as FleetStale {
                refusals += 1
                guard refusals < 64 else { throw stale }
                try await catchUp()
            }
        }
    }

    /// Takes in what the other collectors wrote since this engine's position: their rows when they can be
    /// followed, else everything again, as at start-up.
    func catchUp() async throws {
        guard let fleet else { return }
        let cursor = FleetCursor(position: fleet, seriesThrough: nextSeriesID - 1, walThrough: nextWALID - 1, chunksThrough: visibleChunks)
        if let changes = try await backend.changes(after: cursor) {
            absorb(changes)
        } else {
            try restore(try await backend.load())
        }
    }

    /// The other collectors' writes, applied as if this engine had made them. Chunks come before records: a
    /// chunk sealed elsewhere covers every sample of its series in records up to its `walThrough`, so the head
    /// here loses those, and records after the cursor add only what is newer than the series' last seal.
    func absorb(_ changes: FleetChanges) {
        for record in changes.series.sorted(by: { $0.id < $1.id }) where series[record.id] == nil {
            series[record.id] = SeriesState(key: record.key)
            register(record)
            nextSeriesID = max(nextSeriesID, record.id + 1)
        }
        for (id, span) in changes.spans where series[id] != nil {
            series[id]!.first = min(series[id]!.first, span.first)
            series[id]!.last = max(series[id]!.last, span.last)
            guard span.walThrough > series[id]!.sealedWALThrough else { continue }
            series[id]!.sealedWALThrough = span.walThrough
            nextWALID = max(nextWALID, span.walThrough + 1)
            if series[id]!.headWALThrough <= span.walThrough {
                series[id]!.head = HeadBuffer()
                series[id]!.headWALFrom = 0
            }
        }
        rawHorizon = changes.rawHorizon
        replay(changes.wal)
        if let oldest = changes.oldestWAL {
            walRecords.removeAll { $0.id < oldest }
        } else {
            walRecords = []
        }
        publish(chunksBefore: max(changes.maxChunkID, visibleChunks) + 1, rollupsBefore: max(changes.maxRollupID, visibleRollups) + 1)
        fleet = changes.position
        indexIsCurrent = false
    }

    /// Takes in the other collectors' writes now, if there are any, so that queries here answer with them.
    /// The collector calls it four times a second; a store no one else writes has nothing to do. Answers whether
    /// anything was taken in.
    public func followPeers() async throws -> Bool {
        guard fleet != nil else { return false }
        // Asked before queueing for the writer: under steady ingest here the answer is mostly "nothing new",
        // and waiting behind the commits first would only delay what the others wrote.
        guard let position = try await backend.fleetPosition(), position != fleet else { return false }
        await lock()
        defer { unlock() }
        try await resynchronize()
        // This engine's own writes, waited for just now, may have taken it in already.
        guard position.generation > fleet?.generation ?? 0 || position.epoch != fleet?.epoch else { return false }
        try await catchUp()
        return true
    }

    /// Where this engine's view of a shared database stands (nil: not shared).
    public var fleetPosition: FleetPosition? { fleet }
}
