import Foundation
import VirtmonModel

/// A query's filters split into those a series answers as a whole and those each sample must pass, with the
/// time range the latter allow.
struct QueryPlan: Sendable {
    var seriesFilters: [QueryFilter] = []
    var sampleFilters: [QueryFilter] = []
    var from = Int64.min
    var to = Int64.max
    /// Set when a message_id eq filter names one series.
    var onlySeries: Int64?
    /// The sample filters as time comparisons, nil when one of them is not on a time (`admits` then admits
    /// nothing): converted once, not for every sample a query reads.
    private var timeTests: [(op: QueryOperator, micros: Int64)]? = []

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
                    if let (series, time, _) = StoredSampleID.parse(text) {
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
        for filter in sampleFilters {
            guard case .date(let date) = filter.value else { timeTests = nil; break }
            timeTests?.append((filter.op, microseconds(date)))
        }
    }

    /// Whether no sample can match.
    var isEmpty: Bool { from > to }

    var hasValueFilters: Bool { sampleFilters.contains { $0.field != .timestamp } }

    /// Whether a time passes the range and every time filter (`ne` included).
    func admits(_ time: Int64) -> Bool {
        guard time >= from && time <= to, let timeTests else { return false }
        for test in timeTests where !test.op.holds(time, test.micros) { return false }
        return true
    }

    /// A sample that carries only a series' description, for series-level filters.
    static func probe(_ key: SeriesKey) -> StoredSample {
        StoredSample(sample: key.sample(volume: 0, at: 0, messageID: ""), recordedAt: Date(timeIntervalSince1970: 0))
    }
}

/// A stored sample's message_id: `<series>-<microseconds>`, with `-N` for the N-th repeat of a time.
enum StoredSampleID {
    static func parse(_ text: String) -> (series: Int64, time: Int64, ordinal: Int)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, let series = Int64(parts[0]), let time = Int64(parts[1]) else { return nil }
        let ordinal = parts.count == 3 ? Int(parts[2]) : 0
        guard let ordinal, ordinal >= 0 else { return nil }
        return (series, time, ordinal)
    }

    static func make(series: Int64, time: Int64, ordinal: Int) -> String {
        ordinal == 0 ? "\(series)-\(time)" : "\(series)-\(time)-\(ordinal)"
    }
}
