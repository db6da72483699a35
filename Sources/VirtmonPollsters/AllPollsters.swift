import VirtmonAgent
import VirtmonLibvirt
import VirtmonModel

/// The one registry of pollsters. Each call makes fresh instances, so every source owns its own state.
public enum AllPollsters {
    /// Every host pollster.
    public static func host() -> [any Pollster] {
        [
            CPUPollster(), LoadAveragePollster(), MemoryPollster(), NetworkPollster(), BlockDevicePollster(),
            FilesystemPollster(), UptimePollster(),
        ]
    }

    /// Every pollster the agent can run; the VM pollster when a libvirt source is there.
    public static func all(domains: (any DomainStatsSource)? = nil) -> [any Pollster] {
        host() + (domains.map { [DomainPollster(source: $0)] } ?? [])
    }

    /// Every meter any pollster emits, in registry order.
    public static var meters: [MeterDefinition] { host().flatMap(\.meters) + DomainMeters.all }
}
