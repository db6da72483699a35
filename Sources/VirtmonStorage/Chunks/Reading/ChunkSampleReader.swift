import Foundation
import VirtmonModel

/// Reads the samples of a view from the backend and the view's heads, outside the store's actor.
struct ChunkSampleReader: Sendable {
    let plan: QueryPlan
    let view: ReadView
    let backend: any ChunkBackend

    struct Found { var stored: StoredSample; var time: Int64; var series: Int64; var ordinal: Int }

    /// The matching samples, newest first, at most `limit`.
    ///
    /// A limit is applied while reading: the newest window of time is read first and widened (×4) only while it
    /// holds fewer matching samples than the limit, so `limit=1` reads the latest chunks, not every chunk of
    /// every matching series. Every sample at or after a window's start is in a chunk that overlaps the window,
    /// so once the window holds `limit` of them they are the newest.
    func samples(limit: Int?) async throws -> [StoredSample] {
        guard let limit else { return try await samples(from: plan.from).map(\.stored) }
        let newest = view.last.map { min($0, plan.to) } ?? plan.to
        let oldest = max(plan.from, view.first ?? plan.from)
        var span: Int64 = 3_600_000_000
        while true {
            // Once the window reaches the oldest matching sample it is the whole range.
            let (start, overflow) = newest.subtractingReportingOverflow(span)
            let from = overflow || start <= oldest ? plan.from : start
            let found = try await samples(from: from)
            if found.count >= limit || from == plan.from { return Array(found.prefix(max(0, limit))).map(\.stored) }
            span = span.multipliedReportingOverflow(by: 4).overflow ? .max : span * 4
        }
    }

    /// The matching samples at or after `from` (and within the plan), newest first.
    func samples(from: Int64) async throws -> [Found] {
        let chunks = try await backend.chunks(series: ChunkSampleReader.idList(view.ids), from: from, to: plan.to, visibleThrough: view.visibleChunks)
        var bySeries: [Int64: [StoredChunk]] = [:]
        for chunk in chunks where view.keys[chunk.series] != nil { bySeries[chunk.series, default: []].append(chunk) }
        var found: [Found] = []
        for id in view.ids {
            guard let key = view.keys[id] else { continue }
            let points = try ChunkSampleReader.points(chunks: bySeries[id] ?? [], head: view.heads[id]?.entries ?? [])
            var previous = Int64.min
            var ordinal = 0
            for point in points {
                ordinal = point.time == previous ? ordinal + 1 : 0
                previous = point.time
                guard point.time >= from && point.time <= plan.to else { continue }
                let sample = key.sample(volume: point.value, at: point.time, messageID: StoredSampleID.make(series: id, time: point.time, ordinal: ordinal))
                let stored = StoredSample(sample: sample, recordedAt: dateFromMicroseconds(point.receivedAt))
                guard plan.sampleFilters.allSatisfy({ $0.matches(stored) }) else { continue }
                found.append(Found(stored: stored, time: point.time, series: id, ordinal: ordinal))
            }
        }
        found.sort { ($0.time, $0.series, $0.ordinal) > ($1.time, $1.series, $1.ordinal) }
        return found
    }

    /// Series ids for a backend query: all of them (nil) when there are too many to list.
    static func idList(_ ids: [Int64]) -> [Int64]? { ids.count > 5000 ? nil : ids }

    /// One series' samples from its chunks and head, in time order (ties: chunk order, then arrival).
    static func points(chunks: [StoredChunk], head: [ChunkStore.HeadEntry]) throws -> [ChunkStore.HeadEntry] {
        var points: [ChunkStore.HeadEntry] = []
        for chunk in chunks.sorted(by: { ($0.summary.firstTime, $0.id) < ($1.summary.firstTime, $1.id) }) {
            let decoded = try ChunkStore.decode(chunk)
            for index in decoded.timestamps.indices {
                points.append(ChunkStore.HeadEntry(time: decoded.timestamps[index], value: decoded.values[index], receivedAt: chunk.receivedAt))
            }
        }
        points.append(contentsOf: head)
        return points.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
    }
}

extension ChunkStore {
    static func decode(_ chunk: StoredChunk) throws -> (timestamps: [Int64], values: [Double]) {
        do {
            return try ChunkCodec.decode(chunk.data)
        } catch {
            throw ChunkFormatError("chunk \(chunk.id) of series \(chunk.series): \(error)")
        }
    }

    static func decode(_ rollup: StoredRollup) throws -> [RollupBucket] {
        do {
            return try RollupCodec.decode(rollup.data)
        } catch {
            throw ChunkFormatError("rollup \(rollup.id) of series \(rollup.series): \(error)")
        }
    }
}
