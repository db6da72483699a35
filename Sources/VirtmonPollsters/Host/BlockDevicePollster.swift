import Foundation
import VirtmonAgent
import VirtmonModel

/// Per-disk I/O counters from /proc/diskstats, for whole disks only: partitions would count the same bytes
/// twice. Whole disks are the entries of /sys/block; RAM disks, loop and floppy devices are left out.
public struct BlockDevicePollster: Pollster {
    public let name = "host.disk"
    /// Reads one /proc file.
    public var readsOnlyKernelTables: Bool { true }
    public init() {}

    static func counter(_ name: String, unit: String, summary: String) -> MeterDefinition {
        MeterDefinition(
            name: "hardware.disk.\(name)", type: .cumulative, unit: unit, summary: summary,
            origin: "/proc/diskstats")
    }

    static let readBytes = counter("read.bytes", unit: "B", summary: "Bytes read from the disk")
    static let writeBytes = counter("write.bytes", unit: "B", summary: "Bytes written to the disk")
    static let readRequests = counter("read.requests", unit: "request", summary: "Reads completed")
    static let writeRequests = counter("write.requests", unit: "request", summary: "Writes completed")
    static let readTime = counter("read.time", unit: "ms", summary: "Time spent on reads")
    static let writeTime = counter("write.time", unit: "ms", summary: "Time spent on writes")
    static let ioTime = counter("io.time", unit: "ms", summary: "Time the disk had I/O in flight")

    public var meters: [MeterDefinition] {
        [BlockDevicePollster.readBytes, BlockDevicePollster.writeBytes, BlockDevicePollster.readRequests,
         BlockDevicePollster.writeRequests, BlockDevicePollster.readTime, BlockDevicePollster.writeTime,
         BlockDevicePollster.ioTime]
    }

    static let ignoredPrefixes = ["ram", "loop", "fd"]

    /// Whether `device` is metered: a whole disk (listed in `wholeDisks` when that is known) and not one of
    /// the ignored kinds.
    public static func isMetered(_ device: String, wholeDisks: Set<String>?) -> Bool {
        if ignoredPrefixes.contains(where: { device.hasPrefix($0) && device.dropFirst($0.count).allSatisfy(\.isNumber) }) {
            return false
        }
        return wholeDisks?.contains(device) ?? true
    }

    public func poll(_ context: PollContext) async throws -> [Sample] {
        let devices = BlockDeviceCounters.parse(try context.proc("diskstats"))
        let listing = try? FileManager.default.contentsOfDirectory(atPath: context.sysRoot + "/block")
        let wholeDisks = listing.map(Set.init)
        return devices.filter { BlockDevicePollster.isMetered($0.name, wholeDisks: wholeDisks) }.flatMap { device in
            context.deviceSamples(device.name, resourceType: "host_disk", [
                (BlockDevicePollster.readBytes, Double(device.readBytes)),
                (BlockDevicePollster.writeBytes, Double(device.writtenBytes)),
                (BlockDevicePollster.readRequests, Double(device.readsCompleted)),
                (BlockDevicePollster.writeRequests, Double(device.writesCompleted)),
                (BlockDevicePollster.readTime, Double(device.readMilliseconds)),
                (BlockDevicePollster.writeTime, Double(device.writeMilliseconds)),
                (BlockDevicePollster.ioTime, Double(device.ioMilliseconds)),
            ])
        }
    }
}
