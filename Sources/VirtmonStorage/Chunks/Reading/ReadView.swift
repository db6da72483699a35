import VirtmonModel

/// Everything a reader of a `ChunkStore` needs, taken in one turn of the store's actor: the matching series'
/// descriptions, spans and copies of their heads, and how far chunks and rollups are visible. Reading and
/// folding then happen outside the actor, so that a long query never holds up a commit, and the answer is as
/// of the moment the view was taken: rows written later have larger ids, or supersede rows at or below the
/// bounds, and are not counted (see `ChunkBackend`).
struct ReadView: Sendable {
    /// Matching series, ascending.
    var ids: [Int64]
    var keys: [Int64: SeriesKey]
    var heads: [Int64: HeadBuffer]
    /// Earliest and latest sample time per series (chunks and head).
    var spans: [Int64: (first: Int64, last: Int64)]
    var visibleChunks: Int64
    var visibleRollups: Int64

    var isEmpty: Bool { ids.isEmpty }

    /// The earliest and latest time over all matching series (nil: none has samples).
    var first: Int64? { spans.values.map(\.first).min() }
    var last: Int64? { spans.values.map(\.last).max() }

    /// How much time the matching series' samples cover within the plan's range, for the row-bound advice.
    func span(within plan: QueryPlan) -> Int64 {
        let from = max(plan.from, first ?? 0)
        let to = min(plan.to, last ?? 0)
        return max(0, to &- from)
    }
}

extension ChunkStore {
    /// A query's plan and the view of its series, or nil when nothing can match (an empty range, no series).
    nonisolated func readView(_ filters: [QueryFilter]) async throws -> (QueryPlan, ReadView)? {
        let plan = QueryPlan(try QueryFilter.normalize(filters))
        guard !plan.isEmpty else { return nil }
        let view = await readView(plan)
        return view.isEmpty ? nil : (plan, view)
    }

    /// The view of the series matching `plan`, as of now.
    func readView(_ plan: QueryPlan) -> ReadView {
        let ids = matchingSeries(plan)
        var keys: [Int64: SeriesKey] = [:]
        var heads: [Int64: HeadBuffer] = [:]
        var spans: [Int64: (first: Int64, last: Int64)] = [:]
        keys.reserveCapacity(ids.count)
        for id in ids {
            guard let state = series[id] else { continue }
            keys[id] = state.key
            // A copy of the stream's reference: the next append on the actor copies the head, not this.
            heads[id] = state.head
            spans[id] = (state.first, state.last)
        }
        return ReadView(ids: ids, keys: keys, heads: heads, spans: spans, visibleChunks: visibleChunks, visibleRollups: visibleRollups)
    }

    /// Series whose description passes the series-level filters and that hold samples in the range.
    func matchingSeries(_ plan: QueryPlan) -> [Int64] {
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
            let probe = QueryPlan.probe(key)
            if plan.seriesFilters.allSatisfy({ $0.matches(probe) }) { result.append(id) }
        }
        return result.sorted()
    }
}
