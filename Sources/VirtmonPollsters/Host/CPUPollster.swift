import VirtmonAgent
import VirtmonModel

/// Host CPU utilisation and its split by mode, from two reads of /proc/stat a cycle apart.
public actor CPUPollster: Pollster {
    public nonisolated let name = "host.cpu"
    /// Reads /proc/stat.
    public nonisolated var readsOnlyKernelTables: Bool { true }
    public nonisolated let needsPreviousRead = true
    private var previous: CPUTimes?

    public init() {}

    static let util = MeterDefinition(
        name: "hardware.cpu.util", type: .gauge, unit: "%",
        summary: "Share of all CPUs' time spent busy (not idle, not iowait) since the previous cycle",
        origin: "/proc/stat")
    static let user = MeterDefinition(
        name: "hardware.system_stats.cpu.user", type: .gauge, unit: "%",
        summary: "Share of CPU time in user mode, nice included", origin: "/proc/stat")
    static let system = MeterDefinition(
        name: "hardware.system_stats.cpu.system", type: .gauge, unit: "%",
        summary: "Share of CPU time in the kernel, interrupts included", origin: "/proc/stat")
    static let iowait = MeterDefinition(
        name: "hardware.system_stats.cpu.iowait", type: .gauge, unit: "%",
        summary: "Share of CPU time idle while I/O was outstanding", origin: "/proc/stat")
    static let steal = MeterDefinition(
        name: "hardware.system_stats.cpu.steal", type: .gauge, unit: "%",
        summary: "Share of CPU time the hypervisor gave to others", origin: "/proc/stat")
    static let idle = MeterDefinition(
        name: "hardware.system_stats.cpu.idle", type: .gauge, unit: "%",
        summary: "Share of CPU time idle", origin: "/proc/stat")

    public nonisolated var meters: [MeterDefinition] {
        [CPUPollster.util, CPUPollster.user, CPUPollster.system, CPUPollster.iowait, CPUPollster.steal,
         CPUPollster.idle]
    }

    public func poll(_ context: PollContext) async throws -> [Sample] {
        let path = context.procRoot + "/stat"
        guard let current = CPUTimes.parse(try context.proc("stat")) else {
            throw ProcFSError.malformed(path: path, reason: "no 'cpu' line with at least four counters")
        }
        defer { previous = current }
        guard let previous, let shares = CPUShares.between(previous, current) else { return [] }
        return [
            context.sample(CPUPollster.util, volume: shares.utilization),
            context.sample(CPUPollster.user, volume: shares.user),
            context.sample(CPUPollster.system, volume: shares.system),
            context.sample(CPUPollster.iowait, volume: shares.iowait),
            context.sample(CPUPollster.steal, volume: shares.steal),
            context.sample(CPUPollster.idle, volume: shares.idle),
        ]
    }
}
