import Foundation
import VirtmonAgent
import VirtmonModel

/// Notices a watched hypervisor process that exits while its guest should still run: a `fatal` event.
///
/// Should still run means: libvirt's pid file still names it (libvirt removes the file when it stops a
/// domain itself), or it was named explicitly, or it was found by program name (there is nobody to ask
/// whether its end was intended, so it is reported). A libvirt domain whose pid file went away with its
/// process was stopped on purpose: an `info` event.
public actor VMMLivenessMonitor: Monitor {
    public nonisolated let type = "liveness"
    public nonisolated let cycle: Duration
    public nonisolated let level: EventLevel
    /// Each exit is reported once, as it is seen; there is no condition that later recovers.
    public nonisolated let raises = MonitorEvents.occurrences
    public let watch: VMMWatchList
    private var watched: [Int32: VMMProcess] = [:]

    public init(cycle: Duration = .seconds(5), level: EventLevel = .fatal, watch: VMMWatchList = VMMWatchList()) {
        self.cycle = cycle
        self.level = level
        self.watch = watch
    }

    public func check(_ context: MonitorContext) async -> MonitorOutcome {
        var outcome = MonitorOutcome()
        let current = watch.processes(context)
        let alive = Dictionary(uniqueKeysWithValues: current.filter { $0.isAlive(procRoot: context.procRoot) }.map { ($0.pid, $0) })
        for (pid, process) in watched.sorted(by: { $0.key < $1.key }) where alive[pid] == nil {
            let resource = process.resourceID(host: context.host)
            let label = process.label
            let stoppedByLibvirt = process.origin == .libvirt && !pidFileStillNames(pid, process, context)
            outcome.events.append(Event(
                time: context.time, type: type, level: stoppedByLibvirt ? .info : level, host: context.host,
                resource: resource,
                message: stoppedByLibvirt ? "\(label) stopped with its domain"
                    : "\(label) exited while its guest should be running",
                details: ["pid": .number(Double(pid)), "origin": .string(process.origin.rawValue)]))
        }
        // A process is watched from the first check that sees it alive; one reported as gone is dropped.
        watched = alive
        return outcome
    }

    private func pidFileStillNames(_ pid: Int32, _ process: VMMProcess, _ context: MonitorContext) -> Bool {
        guard let domain = process.domain else { return false }
        return VMMDiscovery.libvirtPID(domain: domain, libvirtRunDir: context.libvirtRunDir) == pid
    }
}
