import VirtmonAgent

/// The one registry of monitor kinds, for documentation and configuration.
public enum AllMonitors {
    /// Every monitor type with what it checks.
    public static let types: [(type: String, summary: String)] = [
        ("memory_usage", "hypervisor memory outside guest RAM at or above a maximum"),
        ("cpu_usage", "hypervisor CPU outside vCPU threads above a percentage"),
        ("liveness", "a watched hypervisor process exited while its guest should run"),
        ("host_memory", "MemAvailable below a share of MemTotal"),
    ]
}
