import VirtmonModel

/// The change of a series since its previous sample, as a `delta` sample. A cumulative counter that went down
/// was reset: the delta is its new value. With `growthOnly`, negative changes (of gauges) are dropped.
public struct Delta: Transformer {
    public let kind = "delta"
    public let target: TransformTarget
    public let growthOnly: Bool
    private var previous: [SeriesKey: (volume: Double, time: Double)] = [:]

    public init(target: TransformTarget, growthOnly: Bool = false) {
        self.target = target
        self.growthOnly = growthOnly
    }

    public mutating func transform(_ sample: Sample) throws(TransformError) -> [Sample] {
        let key = sample.seriesKey
        let time = RateOfChange.time(of: sample, comparedWith: nil)
        guard let last = previous[key] else {
            previous[key] = (sample.volume, time)
            return []
        }
        guard time > last.time else { return [] }
        previous[key] = (sample.volume, time)
        var change = sample.volume - last.volume
        if sample.type == .cumulative, change < 0 { change = sample.volume }
        if growthOnly, change < 0 { return [] }
        return [try target.derive(from: sample, volume: change)]
    }
}
