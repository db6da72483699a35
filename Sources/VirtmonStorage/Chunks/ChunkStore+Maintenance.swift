import Foundation
import VirtmonModel

/// What one maintenance pass did.
public struct MaintenanceReport: Sendable, Equatable {
    public var sealedChunks = 0
    public var checkpointed = false
    /// Chunks merged away, and the chunks they became.
    public var compactedChunks = 0
    public var compactedInto = 0

    public init() {}
}

extension ChunkStore {
    /// Seals heads that are idle or span too long (all of them with `sealAll`), checkpoints the write-ahead
    /// records when they grow, compacts small chunks into large ones, purges rows superseded at the previous
    /// pass and expires rollups. The collector runs it every minute.
    public func maintain() async throws -> MaintenanceReport {
        try await maintain(at: options.now(), sealAll: false)
    }

    public func maintain(at now: Date, sealAll: Bool) async throws -> MaintenanceReport {
        await lock()
        defer { unlock() }
        var report = MaintenanceReport()
        let nowMicros = microseconds(now)
        if let bounds = purgeBounds {
            try await backend.purgeSuperseded(chunksThrough: bounds.chunks, rollupsThrough: bounds.rollups)
            purgeBounds = nil
        }
        try await sealAndCheckpoint(now: nowMicros, sealAll: sealAll, report: &report)
        try await compact(report: &report)
        for rollup in options.rollups {
            try await backend.deleteRollups(resolution: rollup.resolution * 1_000_000, before: nowMicros - rollup.retention * 1_000_000)
        }
        purgeBounds = (visibleChunks, visibleRollups)
        return report
    }

    private func sealAndCheckpoint(now: Int64, sealAll: Bool, report: inout MaintenanceReport) async throws {
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
        _ = try await backend.apply(write)
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

    private func compact(report: inout MaintenanceReport) async throws {
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
                report.compactedChunks += parts.count
                report.compactedInto += 1
            }
            guard !write.chunks.isEmpty else { continue }
            _ = try await backend.apply(write)
            publish(chunksBefore: chunkID, rollupsBefore: rollupID)
        }
    }

    // MARK: retention

    public func deleteSamples(before cutoff: Date) async throws -> Int {
        await lock()
        defer { unlock() }
        let limit = microseconds(cutoff)
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
        _ = try await backend.apply(write)
        rawHorizon = write.rawHorizon
        publish(chunksBefore: chunkID, rollupsBefore: nextRollupID)
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
            for entry in state.head {
                first = min(first, entry.time)
                last = max(last, entry.time)
            }
            series[id]!.first = first
            series[id]!.last = last
        }
        rebuildIndex()
    }

    // MARK: the earlier schema

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
            _ = try await backend.apply(write)
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
        _ = try await backend.apply(drop)
        rebuildIndex()
    }
}
