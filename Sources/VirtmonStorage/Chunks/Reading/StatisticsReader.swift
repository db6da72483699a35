import Foundation
import VirtmonModel

/// Answers a statistics query from a view, outside the store's actor: from the coarsest rollup that answers
/// it exactly (up to the last whole bucket before an upper bound that is not on one), else from chunk
/// summaries where a chunk lies inside one period and the query range, decoding only the chunks that straddle
/// a boundary; then the heads.
struct StatisticsReader: Sendable {
    let query: StatisticsQuery
    let plan: QueryPlan
    let view: ReadView
    let backend: any ChunkBackend
    let options: ChunkStoreOptions
    let now: Date

    /// Where periods start counting: the lower bound, else the first matching sample (without a lower bound
    /// or an eq time that is the first sample of a matching series, each of which has it at or before the
    /// upper bound). Nil when only the reference computation over every sample can answer: volume and
    /// message_id filters need each sample.
    var start: Int64? {
        guard !plan.hasValueFilters else { return nil }
        if let lower = query.lowerTimeBound { return microseconds(lower) }
        if plan.from == .min { return view.first ?? 0 }
        return nil
    }

    func rows(start: Int64) async throws -> [StatisticsRow] {
        var groups = StatisticsGroups(query: query, start: start, keys: view.keys)
        let span = view.span(within: plan)
        if let (resolution, edge) = rollupResolution(start: start) {
            try await feedRollups(resolution: resolution, before: edge, into: &groups, span: span)
            // What lies between the last whole bucket and an upper bound off the rollup's boundaries.
            if edge <= plan.to { try await feedChunks(from: edge, into: &groups, span: span) }
        } else {
            try await feedChunks(from: plan.from, into: &groups, span: span)
        }
        try feedHeads(into: &groups, span: span)
        return groups.rows()
    }

    /// Buckets that start from the range's lower bound and before `edge`, which is on a bucket boundary.
    private func feedRollups(resolution: Int64, before edge: Int64, into groups: inout StatisticsGroups, span: Int64) async throws {
        let rollups = try await backend.rollups(
            series: ChunkSampleReader.idList(view.ids), resolution: resolution, from: plan.from, to: min(plan.to, edge &- 1),
            visibleThrough: view.visibleRollups)
        for rollup in rollups where groups.knows(rollup.series) {
            for item in try ChunkStore.decode(rollup) where item.start >= plan.from && item.start < edge {
                groups.add(rollup.series, count: Int(item.count), sum: item.sum, min: item.min, max: item.max, m2: item.m2,
                           first: item.firstTime, last: item.lastTime)
            }
            try groups.checkRows(span: span)
        }
    }

    /// Sealed samples at or after `from` (the range's lower bound, or a rollup's edge) that the plan admits.
    private func feedChunks(from: Int64, into groups: inout StatisticsGroups, span: Int64) async throws {
        let chunks = try await backend.chunks(
            series: ChunkSampleReader.idList(view.ids), from: max(from, plan.from), to: plan.to, visibleThrough: view.visibleChunks)
        let summariesAnswer = plan.sampleFilters.allSatisfy { $0.op != .ne }
        for chunk in chunks where groups.knows(chunk.series) {
            let summary = chunk.summary
            if summariesAnswer && summary.firstTime >= from && plan.admits(summary.firstTime) && plan.admits(summary.lastTime)
                && groups.bucket(summary.firstTime) == groups.bucket(summary.lastTime) {
                groups.add(chunk.series, count: summary.count, sum: summary.sum, min: summary.min, max: summary.max,
                           m2: summary.m2, first: summary.firstTime, last: summary.lastTime)
                continue
            }
            let decoded = try ChunkStore.decode(chunk)
            groups.add(chunk.series, times: decoded.timestamps, values: decoded.values) { $0 >= from && plan.admits($0) }
            try groups.checkRows(span: span)
        }
    }

    private func feedHeads(into groups: inout StatisticsGroups, span: Int64) throws {
        for (id, head) in view.heads {
            for entry in head where plan.admits(entry.time) { groups.add(id, time: entry.time, value: entry.value) }
            try groups.checkRows(span: span)
        }
    }

    /// The coarsest rollup (microseconds) whose buckets each fall inside one period and inside the range: a
    /// lower bound and period that are multiples of it, time filters only `ge` on its boundaries and `lt`, no
    /// value filters, and the range within its retention; with the edge its buckets stop at: the first `lt`
    /// bound rounded down to a boundary (the samples from there are read from the chunks), else no edge.
    func rollupResolution(start: Int64) -> (resolution: Int64, edge: Int64)? {
        guard query.lowerTimeBound != nil, !plan.hasValueFilters else { return nil }
        let bounds = plan.sampleFilters.compactMap { filter -> (QueryOperator, Int64)? in
            guard case .date(let date) = filter.value else { return nil }
            return (filter.op, microseconds(date))
        }
        guard bounds.allSatisfy({ $0.0 == .ge || $0.0 == .lt }) else { return nil }
        let now = microseconds(now)
        for rollup in options.rollups.sorted(by: { $0.resolution > $1.resolution }) {
            let resolution = rollup.resolution * 1_000_000
            guard query.period == 0 || (query.period * 1_000_000) % resolution == 0 else { continue }
            guard floorDivide(start, resolution) * resolution == start else { continue }
            guard bounds.allSatisfy({ $0.0 == .lt || floorDivide($0.1, resolution) * resolution == $0.1 }) else { continue }
            guard start >= now - rollup.retention * 1_000_000 + resolution else { continue }
            let edge = bounds.filter { $0.0 == .lt }.map { floorDivide($0.1, resolution) * resolution }.min() ?? .max
            return (resolution, edge)
        }
        return nil
    }
}
