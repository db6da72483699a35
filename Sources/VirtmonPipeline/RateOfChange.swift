import VirtmonModel

/// Ceilometer's rate_of_change: the change per second between a series' consecutive samples, scaled.
///
/// The first sample of a series only records its value, and a sample not newer than the last one is dropped
/// (it arrived out of order). A cumulative counter that goes down was reset, so the change is the new value.
/// Time is the agent's monotonic clock when both samples carry it, else their timestamps.
public struct RateOfChange: Transformer {
    public let kind = "rate_of_change"
    public let target: TransformTarget
    private var previous: [SeriesKey: (volume: Double, time: Double)] = [:]

    public init(target: TransformTarget) {
        self.target = target
    }

    /// Series with a remembered value, for tests and self-metrics.
    public var trackedSeries: Int { previous.count }

    public mutating func transform(_ sample: Sample) throws(TransformError) -> [Sample] {
        let key = sample.seriesKey
        let time = RateOfChange.time(of: sample, comparedWith: previous[key]?.time)
        guard let last = previous[key] else {
            previous[key] = (sample.volume, time)
            return []
        }
        let elapsed = time - last.time
        guard elapsed > 0 else { return [] }
        previous[key] = (sample.volume, time)
        let change: Double
        if sample.type == .cumulative, sample.volume < last.volume {
            change = sample.volume
        } else if sample.type == .delta {
            change = sample.volume
        } else {
            change = sample.volume - last.volume
        }
        return [try target.derive(from: sample, volume: change / elapsed)]
    }

    /// Monotonic seconds when the sample has them; otherwise wall-clock seconds. Samples of one series come
    /// from one agent, so they either all carry monotonic time or none do.
    static func time(of sample: Sample, comparedWith _: Double?) -> Double {
        sample.monotonicTime ?? sample.timestamp.timeIntervalSince1970
    }
}
