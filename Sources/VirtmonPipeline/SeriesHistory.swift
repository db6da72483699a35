import VirtmonModel

/// The last value and time of each series, for the transformers that compare a sample with its predecessor.
///
/// The first sample of a series only records its value; a sample not newer than the last one arrived out of
/// order and is ignored (the last one stays). Time is the agent's monotonic clock when the sample carries it,
/// else its timestamp: samples of one series come from one agent, so they all carry it or none do.
struct SeriesHistory: Sendable {
    private var last: [SeriesKey: (volume: Double, time: Double)] = [:]

    /// Series with a remembered value.
    var count: Int { last.count }

    /// Records `sample` and returns the previous value and the seconds since it, or nil for a first or an
    /// out-of-order sample.
    mutating func step(_ sample: Sample) -> (previous: Double, elapsed: Double)? {
        let key = sample.seriesKey
        let time = sample.monotonicTime ?? sample.timestamp.timeIntervalSince1970
        guard let before = last[key] else {
            last[key] = (sample.volume, time)
            return nil
        }
        guard time > before.time else { return nil }
        last[key] = (sample.volume, time)
        return (before.volume, time - before.time)
    }
}
