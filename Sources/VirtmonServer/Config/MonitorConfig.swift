import VirtmonModel

/// The `monitors:` section: which hypervisor and host checks run, their thresholds, and where their events go.
public struct MonitorConfig: Sendable {
    /// One check's switch, cycle and event level.
    public struct Check: Sendable {
        public var enabled: Bool
        public var cycle: Duration
        public var level: EventLevel
    }

    public var enabled = true
    /// Events waiting for handlers at the most; more are dropped and counted.
    public var queueSize = 1000
    /// Event type → handler names (`log`, `publish`, `webhook`). Types not listed get `defaultHandlers`.
    public var handlers: [String: [String]] = [:]
    public var defaultHandlers = ["log", "publish"]
    /// Where the `webhook` handler POSTs events.
    public var webhookURL: String?
    public var webhookAttempts = 3
    /// How often a lasting breach is raised again; nil raises it only when it begins and when it ends.
    public var reraiseInterval: Duration?

    /// PIDs to watch besides those found through libvirt and by program name.
    public var pids: [Int32] = []
    public var scanByName = true
    /// Mappings at least this large count as guest RAM when a guest's size is unknown (KiB).
    public var guestMemoryLimitKiB: UInt64 = 128 * 1024

    public var memoryUsage = Check(enabled: true, cycle: .seconds(10), level: .error)
    /// Overhead (KiB) at or above which `memory_usage` raises its event.
    public var maxOverheadKiB: UInt64 = 256 * 1024
    public var cpuUsage = Check(enabled: true, cycle: .seconds(10), level: .error)
    public var maxCPUPercent = 50.0
    public var liveness = Check(enabled: true, cycle: .seconds(5), level: .fatal)
    public var hostMemory = Check(enabled: true, cycle: .seconds(10), level: .error)
    public var minimumAvailableShare = 0.1

    public init() {}

    /// The handler names for events of `type`.
    public func handlerNames(for type: String) -> [String] {
        handlers[type] ?? defaultHandlers + (webhookURL == nil ? [] : ["webhook"])
    }

    /// Sizes as the monitors and `virtmon check vmm` take them: `64MiB`, `1GiB`, or a bare number of KiB.
    public static func parseKiB(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let kib = UInt64(trimmed) { return kib }
        guard let bytes = ConfigReader.parseSize(trimmed), bytes >= 1024 else { return nil }
        return UInt64(bytes / 1024)
    }
}

import Foundation
