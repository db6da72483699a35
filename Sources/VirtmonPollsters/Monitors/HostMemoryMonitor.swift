import VirtmonAgent
import VirtmonModel

/// Host memory pressure: an event when MemAvailable falls below a share of MemTotal.
public struct HostMemoryMonitor: Monitor {
    public let type = "host_memory"
    public let cycle: Duration
    public let level: EventLevel
    /// The share of MemTotal (0…1) below which memory counts as short.
    public let minimumAvailableShare: Double

    public init(cycle: Duration = .seconds(10), level: EventLevel = .error, minimumAvailableShare: Double = 0.1) {
        self.cycle = cycle
        self.level = level
        self.minimumAvailableShare = minimumAvailableShare
    }

    public func check(_ context: MonitorContext) async -> MonitorOutcome {
        let path = context.procRoot + "/meminfo"
        let values: [String: UInt64]
        do {
            values = MemoryPollster.parse(try FileSnapshot.readFile(path))
        } catch {
            return MonitorOutcome(failure: "\(error)")
        }
        guard let total = values["MemTotal"], total > 0, let available = values["MemAvailable"] else {
            return MonitorOutcome(failure: "\(path) has no MemTotal or MemAvailable")
        }
        let share = Double(available) / Double(total)
        guard share < minimumAvailableShare else { return MonitorOutcome() }
        return MonitorOutcome(events: [Event(
            time: context.time, type: type, level: level, host: context.host, resource: context.host,
            message: "host memory available is \(available) KiB, \(String(format: "%.1f", share * 100)) % of "
                + "\(total) KiB, below \(String(format: "%.2f", minimumAvailableShare * 100)) %",
            details: ["available_kib": .number(Double(available)), "total_kib": .number(Double(total)),
                      "minimum_share": .number(minimumAvailableShare)])])
    }
}

import Foundation
