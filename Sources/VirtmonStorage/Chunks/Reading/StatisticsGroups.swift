import VirtmonModel

/// The accumulators of one statistics answer: one per group and period. Groups are numbered once per series,
/// so that accumulating keys on two integers, not on strings; the row bound is checked as they grow, so a
/// query that would answer too many rows stops early and holds at most about that many.
struct StatisticsGroups {
    private struct Key: Hashable { var group: Int; var bucket: Int64 }
    private struct Description { var group: Int; var distinct: [String: String?]; var unit: String }

    let query: StatisticsQuery
    /// Where periods start counting, microseconds.
    let start: Int64
    private let periodMicros: Int64
    private let cardinalityFields: [QueryField]
    private var accumulators: [Key: StatisticsAccumulator] = [:]
    private var groupValues: [[String?]] = []
    private var described: [Int64: Description] = [:]

    init(query: StatisticsQuery, start: Int64, keys: [Int64: SeriesKey]) {
        self.query = query
        self.start = start
        periodMicros = query.period * 1_000_000
        let fields = query.aggregates.compactMap(\.parameter)
        cardinalityFields = fields
        var numbers: [[String?]: Int] = [:]
        var groupValues: [[String?]] = []
        var described: [Int64: Description] = [:]
        for (id, key) in keys {
            let sample = key.sample(volume: 0, at: 0, messageID: "")
            var distinct: [String: String?] = [:]
            for field in fields { distinct[field.description] = MemoryStorage.fieldValue(field, of: sample) }
            let values = query.groupBy.map { MemoryStorage.groupValue($0, of: sample) }
            let number: Int
            if let known = numbers[values] {
                number = known
            } else {
                number = groupValues.count
                numbers[values] = number
                groupValues.append(values)
            }
            described[id] = Description(group: number, distinct: distinct, unit: key.unit)
        }
        self.groupValues = groupValues
        self.described = described
    }

    var groupCount: Int { groupValues.count }

    func knows(_ series: Int64) -> Bool { described[series] != nil }

    /// The period a time falls in (0 without periods).
    func bucket(_ time: Int64) -> Int64 { periodMicros > 0 ? floorDivide(time - start, periodMicros) : 0 }

    mutating func add(_ series: Int64, time: Int64, value: Double) {
        guard let description = described[series] else { return }
        accumulators[Key(group: description.group, bucket: bucket(time)), default: StatisticsAccumulator()]
            .add(volume: value, at: time, unit: description.unit, distinctValues: description.distinct)
    }

    /// Decoded samples of one series, in time order, that pass `admits`: one lookup of the series and one of
    /// each period's accumulator instead of both for every sample.
    mutating func add(_ series: Int64, times: [Int64], values: [Double], admits: (Int64) -> Bool) {
        guard let description = described[series] else { return }
        var index = 0
        while index < times.count {
            guard admits(times[index]) else { index += 1; continue }
            let key = Key(group: description.group, bucket: bucket(times[index]))
            var accumulator = accumulators.removeValue(forKey: key) ?? StatisticsAccumulator()
            while index < times.count, bucket(times[index]) == key.bucket {
                if admits(times[index]) {
                    accumulator.add(volume: values[index], at: times[index], unit: description.unit, distinctValues: description.distinct)
                }
                index += 1
            }
            accumulators[key] = accumulator
        }
    }

    /// A run of one series' samples summarised elsewhere (a chunk or a rollup bucket), all in one period.
    mutating func add(_ series: Int64, count: Int, sum: Double, min: Double, max: Double, m2: Double, first: Int64, last: Int64) {
        guard let description = described[series] else { return }
        accumulators[Key(group: description.group, bucket: bucket(first)), default: StatisticsAccumulator()]
            .add(count: count, sum: sum, min: min, max: max, m2: m2, first: first, last: last,
                 unit: description.unit, distinctValues: description.distinct)
    }

    /// Throws the row-bound refusal once the answer has grown past it.
    func checkRows(span: @autoclosure () -> Int64) throws {
        if let limit = query.maxRows, accumulators.count > limit {
            throw query.tooManyRows(groups: groupValues.count, span: span())
        }
    }

    /// The rows in `StatisticsRow.sorted`'s order (group values, then period), sorted on group ranks and
    /// periods: sorting the finished rows on their group values copied them for every comparison and took a
    /// quarter of a 4,800-row answer's time.
    func rows() -> [StatisticsRow] {
        let ranked = groupValues.indices.sorted { StatisticsRow.groupOrder(groupValues[$0], groupValues[$1]) }
        var rank = [Int](repeating: 0, count: groupValues.count)
        for (position, group) in ranked.enumerated() { rank[group] = position }
        let keys = accumulators.keys.sorted { (rank[$0.group], $0.bucket) < (rank[$1.group], $1.bucket) }
        let names = query.groupBy.map(\.description)
        let cardinalityNames = cardinalityFields.map(\.description)
        return keys.map { key in
            var groupBy: [String: String?] = [:]
            for (name, value) in zip(names, groupValues[key.group]) { groupBy[name] = value }
            return accumulators[key]!.row(
                groupBy: groupBy, periodStart: periodMicros > 0 ? start + key.bucket * periodMicros : nil,
                period: query.period, cardinalityFields: cardinalityNames)
        }
    }
}
