import VirtmonAgent
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

    /// Every pollster the agent can run.
    public static func all() -> [any Pollster] { host() }

    /// Every meter any pollster emits, in registry order.
    public static var meters: [MeterDefinition] { all().flatMap(\.meters) }
}
