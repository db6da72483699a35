import Synchronization
import VirtmonModel

/// What the agent read in its latest cycle of each source, kept in memory for the agent's `/metrics`: a scrape
/// reads this and never waits on libvirt or /proc.
///
/// A source's cycle replaces everything that source said before, so a domain that is gone, or a pollster that
/// failed this cycle, is absent rather than shown with an old value. Samples of a source that reports meter by
/// meter (the monitors, each on its own cadence) replace only the meters they carry.
public final class LatestReadings: Sendable {
    private struct Key: Hashable {
        var source: String
        var meter: String?
    }

    private let readings = Mutex<[Key: [Sample]]>([:])
    /// Sources whose samples arrive meter by meter.
    private let perMeterSources: Set<String>

    public init(perMeterSources: Set<String> = []) {
        self.perMeterSources = perMeterSources
    }

    /// Records one cycle's samples of `source`.
    public func record(_ samples: [Sample], source: String) {
        if perMeterSources.contains(source) {
            let byMeter = Dictionary(grouping: samples, by: \.name)
            readings.withLock { readings in
                for (meter, group) in byMeter { readings[Key(source: source, meter: meter)] = group }
            }
        } else {
            readings.withLock { $0[Key(source: source, meter: nil)] = samples }
        }
    }

    /// Adds samples of `source` that arrived after its cycle (a pollster that finished late): each replaces the
    /// reading of the same meter and resource, the rest of the source's readings stay.
    public func merge(_ samples: [Sample], source: String) {
        guard !samples.isEmpty else { return }
        if perMeterSources.contains(source) { return record(samples, source: source) }
        let incoming = Set(samples.map { SeriesKey(name: $0.name, resource: $0.resourceID) })
        readings.withLock { readings in
            let key = Key(source: source, meter: nil)
            readings[key] = (readings[key] ?? []).filter { !incoming.contains(SeriesKey(name: $0.name, resource: $0.resourceID)) } + samples
        }
    }

    private struct SeriesKey: Hashable {
        var name: String
        var resource: String
    }

    /// Every source's latest samples.
    public func all() -> [Sample] {
        readings.withLock { Array($0.values.joined()) }
    }
}
