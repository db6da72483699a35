import Foundation
import VirtmonModel

extension ChunkStore {
    /// A query's filters split into those a series answers as a whole and those each sample must pass, with
    /// the time range the latter allow.
    struct Plan {
        var seriesFilters: [QueryFilter] = []
        var sampleFilters: [QueryFilter] = []
        var from = Int64.min
        var to = Int64.max
        /// Set when a message_id eq filter names one series.
        var onlySeries: Int64?

        init(_ filters: [QueryFilter]) {
            for filter in filters {
                switch filter.field {
                case .timestamp:
                    sampleFilters.append(filter)
                    guard case .date(let date) = filter.value else { continue }
                    let micros = microseconds(date)
                    switch filter.op {
                    case .ge: from = max(from, micros)
                    case .gt: from = max(from, micros &+ 1)
                    case .le: to = min(to, micros)
                    case .lt: to = min(to, micros &- 1)
                    case .eq: from = max(from, micros); to = min(to, micros)
                    case .ne: break
                    }
                case .volume:
                    sampleFilters.append(filter)
                case .messageID:
                    sampleFilters.append(filter)
                    if filter.op == .eq, case .string(let text) = filter.value {
                        if let (series, time, _) = ChunkStore.parseMessageID(text) {
                            onlySeries = series
                            from = max(from, time)
                            to = min(to, time)
                        } else {
                            from = 1  // names no stored sample
                            to = 0
                        }
                    }
                default:
                    seriesFilters.append(filter)
                }
            }
        }

        var hasValueFilters: Bool { sampleFilters.contains { $0.field != .timestamp } }
    }

    /// `<series>-<microseconds>` or `<series>-<microseconds>-<repeat>`.
    static func parseMessageID(_ text: String) -> (Int64, Int64, Int)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, let series = Int64(parts[0]), let time = Int64(parts[1]) else { return nil }
        let ordinal = parts.count == 3 ? Int(parts[2]) : 0
        guard let ordinal, ordinal >= 0 else { return nil }
        return (series, time, ordinal)
    }

    static func messageID(series: Int64, time: Int64, ordinal: Int) -> String {
        ordinal == 0 ? "\(series)-\(time)" : "\(series)-\(time)-\(ordinal)"
    }

    /// Series whose description passes the series-level filters and that hold samples in the range.
    func matchingSeries(_ plan: Plan) -> [Int64] {
        let meter = plan.seriesFilters.lazy.compactMap { filter -> String? in
            guard filter.field == .meter, filter.op == .eq, case .string(let name) = filter.value else { return nil }
            return name
        }.first
        let candidates = plan.onlySeries.map { [$0] } ?? meter.map { seriesByMeter[$0] ?? [] } ?? Array(series.keys)
        var result: [Int64] = []
        for id in candidates {
            // Field by field: copying a whole state would copy its head.
            guard let first = series[id]?.first, let last = series[id]?.last, first <= last,
                  last >= plan.from, first <= plan.to
            else { continue }
            if plan.seriesFilters.isEmpty { result.append(id); continue }
            guard let key = series[id]?.key else { continue }
            let probe = probe(key)
            if plan.seriesFilters.allSatisfy({ $0.matches(probe) }) { result.append(id) }
        }
        return result.sorted()
    }

    func probe(_ key: SeriesKey) -> StoredSample {
        StoredSample(sample: key.sample(volume: 0, at: 0, messageID: ""), recordedAt: Date(timeIntervalSince1970: 0))
    }

    /// What a reader works from: copies of the heads it needs and how far chunks and rollups are visible.
    struct Snapshot: Sendable {
        var heads: [Int64: [HeadEntry]]
        var keys: [Int64: SeriesKey]
        var chunks: Int64
        var rollups: Int64
    }

    func snapshot(_ ids: [Int64]) -> Snapshot {
        var heads: [Int64: [HeadEntry]] = [:]
        var keys: [Int64: SeriesKey] = [:]
        for id in ids {
            guard let state = series[id] else { continue }
            heads[id] = state.head
            keys[id] = state.key
        }
        return Snapshot(heads: heads, keys: keys, chunks: visibleChunks, rollups: visibleRollups)
    }

    /// Series ids for a backend query: all of them (nil) when there are too many to list.
    static func idList(_ ids: [Int64]) -> [Int64]? { ids.count > 5000 ? nil : ids }

    // MARK: samples

    public func samples(_ query: SampleQuery) async throws -> [StoredSample] {
        let filters = try QueryFilter.normalize(query.filters)
        let plan = Plan(filters)
        guard plan.from <= plan.to else { return [] }
        let ids = matchingSeries(plan)
        guard !ids.isEmpty else { return [] }
        let view = snapshot(ids)
        guard let limit = query.limit else {
            return try await samples(ids, plan: plan, view: view, from: plan.from).map(\.stored)
        }
        // A limit is applied while reading: the newest window of time is read first and widened (doubling)
        // only while it holds fewer matching samples than the limit, so `limit=1` reads the latest chunks, not
        // every chunk of every matching series. Every sample at or after a window's start is in a chunk that
        // overlaps the window, so once the window holds `limit` of them they are the newest.
        let newest = ids.compactMap { series[$0]?.last }.max().map { min($0, plan.to) } ?? plan.to
        let oldest = max(plan.from, ids.compactMap { series[$0]?.first }.min() ?? plan.from)
        var span: Int64 = 3_600_000_000
        while true {
            // Once the window reaches the oldest matching sample it is the whole range.
            let (start, overflow) = newest.subtractingReportingOverflow(span)
            let from = overflow || start <= oldest ? plan.from : start
            let found = try await samples(ids, plan: plan, view: view, from: from)
            if found.count >= limit || from == plan.from { return Array(found.prefix(max(0, limit))).map(\.stored) }
            span = span.multipliedReportingOverflow(by: 4).overflow ? .max : span * 4
        }
    }

    struct FoundSample { var stored: StoredSample; var time: Int64; var series: Int64; var ordinal: Int }

    /// The matching samples of these series at or after `from` (and within the plan), newest first.
    func samples(_ ids: [Int64], plan: Plan, view: Snapshot, from: Int64) async throws -> [FoundSample] {
        let chunks = try await backend.chunks(series: ChunkStore.idList(ids), from: from, to: plan.to, visibleThrough: view.chunks)
        var bySeries: [Int64: [StoredChunk]] = [:]
        for chunk in chunks where view.keys[chunk.series] != nil { bySeries[chunk.series, default: []].append(chunk) }
        var found: [FoundSample] = []
        for id in ids {
            guard let key = view.keys[id] else { continue }
            let points = try ChunkStore.points(chunks: bySeries[id] ?? [], head: view.heads[id] ?? [])
            var previous = Int64.min
            var ordinal = 0
            for point in points {
                ordinal = point.time == previous ? ordinal + 1 : 0
                previous = point.time
                guard point.time >= from && point.time <= plan.to else { continue }
                let sample = key.sample(volume: point.value, at: point.time, messageID: ChunkStore.messageID(series: id, time: point.time, ordinal: ordinal))
                let stored = StoredSample(sample: sample, recordedAt: dateFromMicroseconds(point.receivedAt))
                guard plan.sampleFilters.allSatisfy({ $0.matches(stored) }) else { continue }
                found.append(FoundSample(stored: stored, time: point.time, series: id, ordinal: ordinal))
            }
        }
        found.sort { ($0.time, $0.series, $0.ordinal) > ($1.time, $1.series, $1.ordinal) }
        return found
    }

    /// One series' samples from its chunks and head, in time order (ties: chunk order, then arrival).
    static func points(chunks: [StoredChunk], head: [HeadEntry]) throws -> [HeadEntry] {
        var points: [HeadEntry] = []
        for chunk in chunks.sorted(by: { ($0.summary.firstTime, $0.id) < ($1.summary.firstTime, $1.id) }) {
            let decoded = try decode(chunk)
            for index in decoded.timestamps.indices {
                points.append(HeadEntry(time: decoded.timestamps[index], value: decoded.values[index], receivedAt: chunk.receivedAt))
            }
        }
        points.append(contentsOf: head)
        return points.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
    }

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

    // MARK: meters and resources

    public func meters(_ filters: [QueryFilter]) throws -> [MeterRecord] {
        let filters = try QueryFilter.normalize(filters)
        try FilterScope.checkMeterFilters(filters)
        return view(for: filters).meterRecords(matching: filters)
    }

    public func resources(_ filters: [QueryFilter]) throws -> [ResourceRecord] {
        let filters = try QueryFilter.normalize(filters)
        try FilterScope.checkResourceFilters(filters)
        return view(for: filters).resourceRecords(matching: filters)
    }

    /// The whole index, or for a query confined to one project (`project_id` eq), that project's own.
    func view(for filters: [QueryFilter]) -> LatestIndex {
        if !indexIsCurrent { rebuildIndex() }
        guard let project = FilterScope.confiningProject(filters) else { return index }
        if let cached = projectIndexes[project] { return cached }
        let own = buildIndex { $0.projectID == project }
        projectIndexes[project] = own
        return own
    }
}
