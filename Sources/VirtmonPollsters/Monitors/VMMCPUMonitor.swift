import VirtmonAgent
import VirtmonModel

/// The hypervisor's own CPU: time its threads other than the vCPUs (`CPU n/KVM`, `CPU n/TCG`) used since the
/// previous check, as percent of one CPU. Published as `vmm.cpu.overhead`; above `maxPercent` an event.
public actor VMMCPUMonitor: Monitor {
    public nonisolated let type = "cpu_usage"
    public nonisolated let cycle: Duration
    public nonisolated let level: EventLevel
    public let watch: VMMWatchList
    public let maxPercent: Double
    private let ticksPerSecond: Double
    private var previous: [Int32: (times: ProcessCPUTimes, at: Double)] = [:]

    public init(cycle: Duration = .seconds(10), level: EventLevel = .error, watch: VMMWatchList = VMMWatchList(),
                maxPercent: Double = 50) {
        self.cycle = cycle
        self.level = level
        self.watch = watch
        self.maxPercent = maxPercent
        self.ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    public static let overheadMeter = MeterDefinition(
        name: "vmm.cpu.overhead", type: .gauge, unit: "%",
        summary: "CPU used by the hypervisor process outside its vCPU threads, percent of one CPU",
        origin: "/proc/PID/stat, /proc/PID/task/*/{comm,stat}")

    public func check(_ context: MonitorContext) async -> MonitorOutcome {
        var outcome = MonitorOutcome()
        let poll = context.pollContext
        var seen: [Int32: (times: ProcessCPUTimes, at: Double)] = [:]
        for process in watch.processes(context) {
            guard let times = try? process.cpuTimes(procRoot: context.procRoot) else { continue }
            seen[process.pid] = (times, context.monotonicTime)
            guard let last = previous[process.pid],
                let percent = ProcessCPUTimes.outsidePercent(
                    from: last.times, to: times, seconds: context.monotonicTime - last.at, ticksPerSecond: ticksPerSecond)
            else { continue }
            let resource = process.resourceID(host: context.host)
            var metadata = process.metadata
            metadata["vcpu_threads"] = .number(Double(times.vcpuThreads))
            outcome.samples.append(poll.sample(VMMCPUMonitor.overheadMeter, volume: percent, resourceID: resource,
                                               metadata: metadata))
            if percent > maxPercent {
                outcome.events.append(Event(
                    time: context.time, type: type, level: level, host: context.host, resource: resource,
                    message: "\(process.label) used \(String(format: "%.1f", percent)) % of a CPU "
                        + "outside its \(times.vcpuThreads) vCPU threads, above \(maxPercent) %",
                    details: ["pid": .number(Double(process.pid)), "percent": .number(percent),
                              "limit_percent": .number(maxPercent)]))
            }
        }
        previous = seen
        return outcome
    }
}

import Foundation
