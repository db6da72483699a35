import Foundation
import VirtmonModel

/// The reference store: everything in memory, every query answered by plain iteration. The SQL stores must
/// give the same answers (the conformance suite checks), and tests use it where persistence is not the point.
public actor MemoryStorage: Storage {
    private var stored: [StoredSample] = []
    private var index = LatestIndex()
    private var eventLog: [Event] = []
    private var seen: Set<BatchOrigin> = []
    private var hostState: [String: HostRecord] = [:]
    private var seriesKeys: Set<SeriesKey> = []
    private var ledger = OwnershipLedger()
    var alarmTable = MemoryAlarms()

    public init() {}

    public func commit(_ batch: IngestBatch) throws -> CommitResult {
        // Series are what the ledger counts: the same keys the chunk engine makes series of, in the same order.
        var newKeys: [SeriesKey] = []
        var pending: Set<SeriesKey> = []
        for sample in batch.samples {
            let key = SeriesKey(sample)
            if !seriesKeys.contains(key), pending.insert(key).inserted { newKeys.append(key) }
        }
        if let writer = batch.writer {
            try ledger.check(writer, resources: Set(batch.samples.lazy.map(\.resourceID)))
            try ledger.checkQuota(writer, adding: newKeys.count)
        }
        if let origin = batch.origin {
            let key = BatchOrigin(agent: origin.agent, host: "", sequence: origin.sequence)
            guard seen.insert(key).inserted else { return .duplicate }
            var host = hostState[origin.agent] ?? HostRecord(host: origin.host, agent: origin.agent, lastSeen: batch.receivedAt, batches: 0)
            host.host = origin.host
            host.lastSeen = dateFromMicroseconds(microseconds(batch.receivedAt))
            host.batches += 1
            hostState[origin.agent] = host
        }
        for key in newKeys {
            seriesKeys.insert(key)
            ledger.added(resource: key.resourceID, project: key.projectID)
        }
        for sample in batch.samples {
            stored.append(StoredSample(sample: sample, recordedAt: batch.receivedAt))
            index.add(sample)
        }
        for var event in batch.events where !eventLog.contains(where: { $0.id == event.id }) {
            event.time = dateFromMicroseconds(microseconds(event.time))
            eventLog.append(event)
        }
        return .stored
    }

    public func samples(_ query: SampleQuery) throws -> [StoredSample] {
        var query = query
        query.filters = try QueryFilter.normalize(query.filters)
        let matching = stored.enumerated().filter { _, sample in query.filters.allSatisfy { $0.matches(sample) } }
        let newestFirst = matching.sorted { lhs, rhs in
            let left = microseconds(lhs.element.sample.timestamp), right = microseconds(rhs.element.sample.timestamp)
            return left != right ? left > right : lhs.offset > rhs.offset
        }.map(\.element)
        if let limit = query.limit { return Array(newestFirst.prefix(limit)) }
        return newestFirst
    }

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

    /// The whole index, or for a query confined to one project, one folded from that project's samples only.
    private func view(for filters: [QueryFilter]) -> LatestIndex {
        guard let project = FilterScope.confiningProject(filters) else { return index }
        var own = LatestIndex()
        for stored in self.stored where stored.sample.projectID == project { own.add(stored.sample) }
        return own
    }

    public func statistics(_ query: StatisticsQuery) throws -> [StatisticsRow] {
        try query.validate()
        let filters = try QueryFilter.normalize(query.allFilters)
        let matching = stored.filter { sample in filters.allSatisfy { $0.matches(sample) } }
        let rows = MemoryStorage.statistics(of: matching, query: query)
        if let limit = query.maxRows, rows.count > limit {
            let times = matching.map { microseconds($0.sample.timestamp) }
            throw query.tooManyRows(groups: Set(rows.map(\.groupBy)).count, span: (times.max() ?? 0) - (times.min() ?? 0))
        }
        return rows
    }

    /// The reference computation over samples that already passed the query's filters.
    static func statistics(of matching: [StoredSample], query: StatisticsQuery) -> [StatisticsRow] {
        guard !matching.isEmpty else { return [] }
        let start = query.lowerTimeBound.map(microseconds) ?? matching.map { microseconds($0.sample.timestamp) }.min()!
        let periodMicros = query.period * 1_000_000
        let cardinalityFields = query.aggregates.compactMap { $0.parameter?.description }

        struct Key: Hashable { var groups: [String?]; var bucket: Int64 }
        var accumulators: [Key: StatisticsAccumulator] = [:]
        for stored in matching {
            let sample = stored.sample
            let micros = microseconds(sample.timestamp)
            let bucket = periodMicros > 0 ? floorDivide(micros - start, periodMicros) : 0
            let groups = query.groupBy.map { MemoryStorage.groupValue($0, of: sample) }
            var distinct: [String: String?] = [:]
            for aggregate in query.aggregates {
                guard let field = aggregate.parameter else { continue }
                distinct[field.description] = MemoryStorage.fieldValue(field, of: sample)
            }
            accumulators[Key(groups: groups, bucket: bucket), default: StatisticsAccumulator()]
                .add(volume: sample.volume, at: micros, unit: sample.unit, distinctValues: distinct)
        }
        let rows = accumulators.map { key, accumulator in
            var groupBy: [String: String?] = [:]
            for (field, value) in zip(query.groupBy, key.groups) { groupBy[field.description] = value }
            return accumulator.row(
                groupBy: groupBy, periodStart: periodMicros > 0 ? start + key.bucket * periodMicros : nil,
                period: query.period, cardinalityFields: cardinalityFields
            )
        }
        return StatisticsRow.sorted(rows, by: query.groupBy)
    }

    public func events(_ query: EventQuery) -> [Event] {
        let newestFirst = eventLog.filter(query.matches).sorted {
            microseconds($0.time) != microseconds($1.time) ? $0.time > $1.time : $0.id.utf8.lexicographicallyPrecedes($1.id.utf8)
        }
        if let limit = query.limit { return Array(newestFirst.prefix(limit)) }
        return newestFirst
    }

    public func hosts() -> [HostRecord] {
        hostState.values.sorted { ($0.host, $0.agent) < ($1.host, $1.agent) }
    }

    /// Every sample is held as it came, unencoded, so all of them count as head samples; nothing is on disk.
    public func stats() -> StorageStats {
        var stats = StorageStats()
        stats.series = seriesKeys.count
        stats.headSamples = stored.count
        return stats
    }

    public func deleteSamples(before cutoff: Date) -> Int {
        let limit = microseconds(cutoff)
        let before = stored.count
        stored.removeAll { microseconds($0.sample.timestamp) < limit }
        eventLog.removeAll { microseconds($0.time) < limit }
        // Series with no samples left are forgotten, and with them their resources' owners.
        seriesKeys = []
        ledger = OwnershipLedger()
        for entry in stored where seriesKeys.insert(SeriesKey(entry.sample)).inserted {
            ledger.added(resource: entry.sample.resourceID, project: entry.sample.projectID)
        }
        return before - stored.count
    }

    public func close() {}

    static func groupValue(_ field: GroupField, of sample: Sample) -> String? {
        switch field {
        case .resourceID: sample.resourceID
        case .projectID: sample.projectID
        case .userID: sample.userID
        case .source: sample.source
        case .metadata(let key): QueryFilter.lookup(key, in: sample.resourceMetadata).flatMap(QueryFilter.jsonText)
        }
    }

    static func fieldValue(_ field: QueryField, of sample: Sample) -> String? {
        switch field {
        case .resourceID: sample.resourceID
        case .projectID: sample.projectID
        case .userID: sample.userID
        case .source: sample.source
        default: nil
        }
    }
}

/// Division rounding toward minus infinity, as a period index needs for times before the start.
public func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    let quotient = value / divisor
    return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
}
