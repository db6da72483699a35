import VirtmonModel

/// Ceilometer's rate_of_change: the change per second between a series' consecutive samples, scaled.
///
/// The first sample of a series only records its value, and a sample not newer than the last one is dropped
/// (it arrived out of order). A cumulative counter that goes down was reset, so the change is the new value.
/// See `SeriesHistory` for which clock measures the time between them.
public struct RateOfChange: Transformer {
    public let kind = "rate_of_change"
    public let target: TransformTarget
    private var history = SeriesHistory()

    public init(target: TransformTarget) {
        self.target = target
    }

    /// Series with a remembered value, for tests and self-metrics.
    public var trackedSeries: Int { history.count }

    public let needsPreviousSample = true

    public mutating func transform(_ sample: Sample) throws(TransformError) -> [Sample] {
        guard let (previous, elapsed) = history.step(sample) else { return [] }
        let change: Double
        if sample.type == .cumulative, sample.volume < previous {
            change = sample.volume
        } else if sample.type == .delta {
            change = sample.volume
        } else {
            change = sample.volume - previous
        }
        return [try target.derive(from: sample, volume: change / elapsed)]
    }
}
