import VirtmonModel

/// The change of a series since its previous sample, as a `delta` sample. A cumulative counter that went down
/// was reset: the delta is its new value. With `growthOnly`, negative changes (of gauges) are dropped.
public struct Delta: Transformer {
    public let kind = "delta"
    public let target: TransformTarget
    public let growthOnly: Bool
    private var history = SeriesHistory()

    public init(target: TransformTarget, growthOnly: Bool = false) {
        self.target = target
        self.growthOnly = growthOnly
    }

    public let needsPreviousSample = true

    public mutating func transform(_ sample: Sample) throws(TransformError) -> [Sample] {
        guard let (previous, _) = history.step(sample) else { return [] }
        var change = sample.volume - previous
        if sample.type == .cumulative, change < 0 { change = sample.volume }
        if growthOnly, change < 0 { return [] }
        return [try target.derive(from: sample, volume: change)]
    }
}
