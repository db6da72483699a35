import Foundation
import VirtmonModel

extension ChunkStore {
    /// Statistics from the coarsest rollup that answers the query exactly, else from chunk summaries where a
    /// chunk lies inside one period and the query range, decoding only the chunks that straddle a boundary.
    public func statistics(_ query: StatisticsQuery) async throws -> [StatisticsRow] {
        try query.validate()
        let filters = try QueryFilter.normalize(query.allFilters)
        let plan = Plan(filters)
        guard plan.from <= plan.to else { return [] }
        let ids = matchingSeries(plan)
        guard !ids.isEmpty else { return [] }

        // Period starts count from the lower bound, else from the first matching sample; without a lower
        // bound or an eq time that is the first sample of a matching series (each has it at or before the
        // upper bound: matchingSeries). Volume and message_id filters need every sample, and so does an
        // unknown start: the reference computation over them.
        let start: Int64
        if !plan.hasValueFilters, let lower = query.lowerTimeBound {
            start = microseconds(lower)
        } else if !plan.hasValueFilters, plan.from == .min {
            start = ids.compactMap { series[$0]?.first }.min() ?? 0
        } else {
            let rows = MemoryStorage.statistics(of: try await samples(SampleQuery(filters: filters)), query: query)
            if let limit = query.maxRows, rows.count > limit {
                throw query.tooManyRows(groups: Set(rows.map(\.groupBy)).count, span: span(of: ids, plan))
            }
            return rows
        }

        let periodMicros = query.period * 1_000_000
        let cardinalityFields = query.aggregates.compactMap(\.parameter)
        let view = snapshot(ids)
        // Groups are numbered once per series, so that accumulating keys on two integers, not on strings.
        struct Key: Hashable { var group: Int; var bucket: Int64 }
        var accumulators: [Key: StatisticsAccumulator] = [:]
        var groupNumbers: [[String?]: Int] = [:]
        var groupValues: [[String?]] = []
        var described: [Int64: (group: Int, distinct: [String: String?], unit: String)] = [:]
        for (id, key) in view.keys {
            let sample = key.sample(volume: 0, at: 0, messageID: "")
            var distinct: [String: String?] = [:]
            for field in cardinalityFields { distinct[field.description] = MemoryStorage.fieldValue(field, of: sample) }
            let values = query.groupBy.map { MemoryStorage.groupValue($0, of: sample) }
            let number = groupNumbers[values] ?? {
                groupValues.append(values)
                groupNumbers[values] = groupValues.count - 1
                return groupValues.count - 1
            }()
            described[id] = (number, distinct, key.unit)
        }
        func bucket(_ time: Int64) -> Int64 { periodMicros > 0 ? floorDivide(time - start, periodMicros) : 0 }
        func add(_ id: Int64, time: Int64, value: Double) {
            guard let description = described[id] else { return }
            accumulators[Key(group: description.group, bucket: bucket(time)), default: StatisticsAccumulator()]
                .add(volume: value, at: time, unit: description.unit, distinctValues: description.distinct)
        }
        func add(_ id: Int64, count: Int, sum: Double, min: Double, max: Double, m2: Double, first: Int64, last: Int64) {
            guard let description = described[id] else { return }
            accumulators[Key(group: description.group, bucket: bucket(first)), default: StatisticsAccumulator()]
                .add(count: count, sum: sum, min: min, max: max, m2: m2, first: first, last: last,
                     unit: description.unit, distinctValues: description.distinct)
        }
        // Accumulators are checked against the row bound as they grow, so a query that would answer too many
        // rows stops early and holds at most about that many.
        func checkRows() throws {
            if let limit = query.maxRows, accumulators.count > limit {
                throw query.tooManyRows(groups: groupValues.count, span: span(of: ids, plan))
            }
        }
        func inRange(_ time: Int64) -> Bool {
            time >= plan.from && time <= plan.to && plan.sampleFilters.allSatisfy { filter in
                guard case .date(let date) = filter.value else { return false }
                return filter.op.holds(time, microseconds(date))
            }
        }

        if let resolution = rollupResolution(query, plan: plan, start: start) {
            let rollups = try await backend.rollups(
                series: ChunkStore.idList(ids), resolution: resolution, from: plan.from,
                to: plan.to == .max ? .max : plan.to, visibleThrough: view.rollups)
            for rollup in rollups where described[rollup.series] != nil {
                for item in try ChunkStore.decode(rollup) where item.start >= plan.from && item.start <= plan.to {
                    add(rollup.series, count: Int(item.count), sum: item.sum, min: item.min, max: item.max, m2: item.m2,
                        first: item.firstTime, last: item.lastTime)
                }
                try checkRows()
            }
        } else {
            let chunks = try await backend.chunks(
                series: ChunkStore.idList(ids), from: plan.from, to: plan.to, visibleThrough: view.chunks)
            for chunk in chunks where described[chunk.series] != nil {
                let summary = chunk.summary
                if inRange(summary.firstTime) && inRange(summary.lastTime) && plan.sampleFilters.allSatisfy({ $0.op != .ne })
                    && bucket(summary.firstTime) == bucket(summary.lastTime) {
                    add(chunk.series, count: summary.count, sum: summary.sum, min: summary.min, max: summary.max,
                        m2: summary.m2, first: summary.firstTime, last: summary.lastTime)
                    continue
                }
                let decoded = try ChunkStore.decode(chunk)
                for index in decoded.timestamps.indices where inRange(decoded.timestamps[index]) {
                    add(chunk.series, time: decoded.timestamps[index], value: decoded.values[index])
                }
                try checkRows()
            }
        }
        for (id, head) in view.heads {
            for entry in head where inRange(entry.time) { add(id, time: entry.time, value: entry.value) }
            try checkRows()
        }
        let rows = accumulators.map { key, accumulator in
            var groupBy: [String: String?] = [:]
            for (field, value) in zip(query.groupBy, groupValues[key.group]) { groupBy[field.description] = value }
            return accumulator.row(
                groupBy: groupBy, periodStart: periodMicros > 0 ? start + key.bucket * periodMicros : nil,
                period: query.period, cardinalityFields: cardinalityFields.map(\.description))
        }
        return StatisticsRow.sorted(rows, by: query.groupBy)
    }

    /// How much time the matching series' samples cover within the plan's range, for the row-bound advice.
    func span(of ids: [Int64], _ plan: Plan) -> Int64 {
        let first = max(plan.from, ids.compactMap { series[$0]?.first }.min() ?? 0)
        let last = min(plan.to, ids.compactMap { series[$0]?.last }.max() ?? 0)
        return max(0, last &- first)
    }

    /// The coarsest rollup (microseconds) whose buckets each fall inside one period and inside the range:
    /// a lower bound and period that are multiples of it, time filters only `ge`/`lt` on its boundaries, no
    /// value filters, and the range within its retention.
    func rollupResolution(_ query: StatisticsQuery, plan: Plan, start: Int64) -> Int64? {
        guard query.lowerTimeBound != nil, !plan.hasValueFilters else { return nil }
        let bounds = plan.sampleFilters.compactMap { filter -> (QueryOperator, Int64)? in
            guard case .date(let date) = filter.value else { return nil }
            return (filter.op, microseconds(date))
        }
        guard bounds.allSatisfy({ $0.0 == .ge || $0.0 == .lt }) else { return nil }
        let now = microseconds(Date())
        let candidates = options.rollups.sorted { $0.resolution > $1.resolution }
        for rollup in candidates {
            let resolution = rollup.resolution * 1_000_000
            guard query.period == 0 || (query.period * 1_000_000) % resolution == 0 else { continue }
            guard floorDivide(start, resolution) * resolution == start else { continue }
            guard bounds.allSatisfy({ floorDivide($0.1, resolution) * resolution == $0.1 }) else { continue }
            guard start >= now - rollup.retention * 1_000_000 + resolution else { continue }
            return resolution
        }
        return nil
    }
}
