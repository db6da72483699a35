import Foundation
import VirtmonModel

/// Everything one cycle's pollsters share: the host's identity, the cycle's time, and one snapshot of the files
/// read under the (injectable) /proc and /sys roots.
public struct PollContext: Sendable {
    /// The host name samples of host resources carry as their resource id.
    public let host: String
    /// Wall-clock time of the cycle, stamped on every sample it produces.
    public let timestamp: Date
    /// Monotonic seconds at the cycle's start, for rate math that must not follow wall-clock jumps.
    public let monotonicTime: Double
    /// Where /proc is (a fixture directory in tests).
    public let procRoot: String
    /// Where /sys is.
    public let sysRoot: String
    /// The cycle's shared file reads.
    public let files: FileSnapshot
    /// Wall and monotonic time now, for a pollster whose source answers late (see `restamped()`); tests inject
    /// a fixed one.
    public let clock: @Sendable () -> (wall: Date, monotonic: Double)

    public init(
        host: String, timestamp: Date = Date(), monotonicTime: Double = PollContext.monotonicNow(),
        procRoot: String = "/proc", sysRoot: String = "/sys", files: FileSnapshot = FileSnapshot(),
        clock: (@Sendable () -> (wall: Date, monotonic: Double))? = nil
    ) {
        self.host = host
        self.timestamp = timestamp
        self.monotonicTime = monotonicTime
        self.procRoot = procRoot
        self.sysRoot = sysRoot
        self.files = files
        self.clock = clock ?? { (Date(), PollContext.monotonicNow()) }
    }

    /// This context stamped with the clock's time now instead of the cycle's start: for a pollster to call just
    /// before it reads a source that may make it wait (libvirt), so its counters carry the time they were read.
    public func restamped() -> PollContext {
        let now = clock()
        return PollContext(host: host, timestamp: now.wall, monotonicTime: now.monotonic, procRoot: procRoot,
                           sysRoot: sysRoot, files: files, clock: clock)
    }

    /// Reads `relative` (such as `stat` or `net/dev`) under the /proc root, once per cycle.
    public func proc(_ relative: String) throws(ProcFSError) -> String {
        try files.read(procRoot + "/" + relative)
    }

    /// Reads `relative` under the /sys root, once per cycle.
    public func sys(_ relative: String) throws(ProcFSError) -> String {
        try files.read(sysRoot + "/" + relative)
    }

    /// A sample stamped with this cycle's time and source.
    public func sample(
        _ meter: MeterDefinition, volume: Double, resourceID: String? = nil,
        metadata: [String: JSONValue] = [:]
    ) -> Sample {
        var fullMetadata = metadata
        fullMetadata["host"] = .string(host)
        return Sample(
            name: meter.name, type: meter.type, unit: meter.unit, volume: volume,
            resourceID: resourceID ?? host, timestamp: timestamp, resourceMetadata: fullMetadata,
            monotonicTime: monotonicTime)
    }

    /// Seconds on CLOCK_MONOTONIC.
    public static func monotonicNow() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

extension PollContext {
    /// Samples of one device of the host (an interface, a disk, a mount), as resource `<host>-<device>`:
    /// Ceilometer names devices after their owner.
    public func deviceSamples(
        _ device: String, resourceType: String, metadata: [String: JSONValue] = [:],
        _ values: [(MeterDefinition, Double)]
    ) -> [Sample] {
        var full = metadata
        if full["name"] == nil { full["name"] = .string(device) }
        full["resource_type"] = .string(resourceType)
        let resource = "\(host)-\(device)"
        return values.map { sample($0.0, volume: $0.1, resourceID: resource, metadata: full) }
    }
}
