import VirtmonAgent
import VirtmonModel

/// Seconds since boot from /proc/uptime.
public struct UptimePollster: Pollster {
    public let name = "host.uptime"
    /// Reads one /proc file.
    public var readsOnlyKernelTables: Bool { true }
    public init() {}

    static let uptime = MeterDefinition(
        name: "hardware.system_stats.uptime", type: .gauge, unit: "s",
        summary: "Seconds since the host booted", origin: "/proc/uptime")

    public var meters: [MeterDefinition] { [UptimePollster.uptime] }

    /// Seconds since boot, the first field of /proc/uptime.
    public static func parse(_ text: String) -> Double? {
        guard let first = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).first,
            let seconds = Double(first), seconds >= 0
        else { return nil }
        return seconds
    }

    public func poll(_ context: PollContext) async throws -> [Sample] {
        guard let seconds = UptimePollster.parse(try context.proc("uptime")) else {
            throw ProcFSError.malformed(path: context.procRoot + "/uptime", reason: "expected seconds since boot")
        }
        return [context.sample(UptimePollster.uptime, volume: seconds)]
    }
}
