/// What statistics need from a run of samples without decoding them: count, extremes, sum, the sum of squared
/// deviations from the mean (Welford's M2, which merges without cancellation) and the first and last times
/// and values.
public struct ChunkSummary: Sendable, Hashable {
    public var count: Int
    public var firstTime: Int64
    public var lastTime: Int64
    public var min: Double
    public var max: Double
    public var sum: Double
    public var m2: Double
    public var firstValue: Double
    public var lastValue: Double

    public init(count: Int, firstTime: Int64, lastTime: Int64, min: Double, max: Double, sum: Double, m2: Double, firstValue: Double, lastValue: Double) {
        self.count = count
        self.firstTime = firstTime
        self.lastTime = lastTime
        self.min = min
        self.max = max
        self.sum = sum
        self.m2 = m2
        self.firstValue = firstValue
        self.lastValue = lastValue
    }

    /// The summary of samples in time order (at least one).
    public init(timestamps: [Int64], values: [Double]) {
        var mean = 0.0
        var m2 = 0.0
        var sum = 0.0
        var low = Double.infinity
        var high = -Double.infinity
        for (index, value) in values.enumerated() {
            sum += value
            low = Swift.min(low, value)
            high = Swift.max(high, value)
            let delta = value - mean
            mean += delta / Double(index + 1)
            m2 += delta * (value - mean)
        }
        self.init(
            count: values.count, firstTime: timestamps.first!, lastTime: timestamps.last!, min: low, max: high,
            sum: sum, m2: m2, firstValue: values.first!, lastValue: values.last!)
    }
}
