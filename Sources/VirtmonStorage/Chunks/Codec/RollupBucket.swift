/// The aggregate of one series' samples in one interval of a rollup resolution: enough to merge with other
/// buckets of the same interval (a bucket can be split across chunks) and to answer every statistic exactly.
public struct RollupBucket: Sendable, Hashable {
    /// Start of the interval, microseconds since the epoch, a multiple of the resolution.
    public var start: Int64
    public var count: Int64
    public var sum: Double
    public var min: Double
    public var max: Double
    public var m2: Double
    public var firstTime: Int64
    public var lastTime: Int64

    public init(start: Int64, count: Int64, sum: Double, min: Double, max: Double, m2: Double, firstTime: Int64, lastTime: Int64) {
        self.start = start
        self.count = count
        self.sum = sum
        self.min = min
        self.max = max
        self.m2 = m2
        self.firstTime = firstTime
        self.lastTime = lastTime
    }

    /// Folds another part of the same interval in (Chan et al.'s pairwise update for M2).
    public mutating func merge(_ other: RollupBucket) {
        let total = Double(count + other.count)
        let delta = other.sum / Double(other.count) - sum / Double(count)
        m2 += other.m2 + delta * delta * Double(count) * Double(other.count) / total
        count += other.count
        sum += other.sum
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
        firstTime = Swift.min(firstTime, other.firstTime)
        lastTime = Swift.max(lastTime, other.lastTime)
    }

    /// Buckets of `resolution` microseconds over samples in time order.
    public static func buckets(timestamps: [Int64], values: [Double], resolution: Int64) -> [RollupBucket] {
        var result: [RollupBucket] = []
        var index = 0
        while index < timestamps.count {
            let start = floorDivide(timestamps[index], resolution) * resolution
            var end = index
            while end < timestamps.count && timestamps[end] < start + resolution { end += 1 }
            let summary = ChunkSummary(timestamps: Array(timestamps[index..<end]), values: Array(values[index..<end]))
            result.append(RollupBucket(
                start: start, count: Int64(summary.count), sum: summary.sum, min: summary.min, max: summary.max,
                m2: summary.m2, firstTime: summary.firstTime, lastTime: summary.lastTime))
            index = end
        }
        return result
    }

    /// Merges buckets of the same intervals, in interval order.
    public static func merged(_ buckets: [RollupBucket]) -> [RollupBucket] {
        var byStart: [Int64: RollupBucket] = [:]
        for bucket in buckets {
            if byStart[bucket.start] == nil { byStart[bucket.start] = bucket } else { byStart[bucket.start]!.merge(bucket) }
        }
        return byStart.values.sorted { $0.start < $1.start }
    }
}
