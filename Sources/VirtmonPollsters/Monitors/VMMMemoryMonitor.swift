import VirtmonAgent
import VirtmonModel

/// The hypervisor's own memory: resident memory outside guest RAM, read from /proc/PID/smaps. Raises an
/// event naming the pid, the value and the limit when it reaches `maxOverheadKiB`; publishes the value as
/// `vmm.memory.overhead`.
public struct VMMMemoryMonitor: Monitor {
    public let type = "memory_usage"
    public let cycle: Duration
    public let level: EventLevel
    public let watch: VMMWatchList
    /// Mappings at least this large count as guest RAM when the guest's own size is unknown.
    public let guestMemoryLimitKiB: UInt64
    public let maxOverheadKiB: UInt64

    public init(cycle: Duration = .seconds(10), level: EventLevel = .error, watch: VMMWatchList = VMMWatchList(),
                guestMemoryLimitKiB: UInt64 = 128 * 1024, maxOverheadKiB: UInt64 = 256 * 1024) {
        self.cycle = cycle
        self.level = level
        self.watch = watch
        self.guestMemoryLimitKiB = guestMemoryLimitKiB
        self.maxOverheadKiB = maxOverheadKiB
    }

    public static let overheadMeter = MeterDefinition(
        name: "vmm.memory.overhead", type: .gauge, unit: "KB",
        summary: "Hypervisor process memory outside guest RAM: resident KiB of mappings smaller than the guest's memory",
        origin: "/proc/PID/smaps")

    public func check(_ context: MonitorContext) async -> MonitorOutcome {
        var outcome = MonitorOutcome()
        let poll = context.pollContext
        for process in watch.processes(context) {
            // A process that ended since it was found is the liveness check's business.
            guard let (memory, limit) = try? process.memory(procRoot: context.procRoot,
                                                             defaultLimitKiB: guestMemoryLimitKiB)
            else { continue }
            let resource = process.resourceID(host: context.host)
            var metadata = process.metadata
            metadata["guest_memory_limit_kib"] = .number(Double(limit))
            metadata["rss_kib"] = .number(Double(memory.rssKiB))
            outcome.samples.append(poll.sample(VMMMemoryMonitor.overheadMeter, volume: Double(memory.overheadKiB),
                                               resourceID: resource, metadata: metadata))
            if memory.overheadKiB >= maxOverheadKiB {
                outcome.events.append(Event(
                    time: context.time, type: type, level: level, host: context.host, resource: resource,
                    message: "memory usage of \(process.label) is \(memory.overheadKiB) KiB outside guest RAM, at or "
                        + "above the limit of \(maxOverheadKiB) KiB",
                    details: ["pid": .number(Double(process.pid)), "overhead_kib": .number(Double(memory.overheadKiB)),
                              "limit_kib": .number(Double(maxOverheadKiB)), "rss_kib": .number(Double(memory.rssKiB))]))
            }
        }
        return outcome
    }
}
