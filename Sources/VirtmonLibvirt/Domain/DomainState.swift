/// libvirt's domain states (virDomainState), whose numbers power.state reports as Ceilometer does.
public enum DomainState: Int, Sendable, CaseIterable {
    case noState = 0, running = 1, blocked = 2, paused = 3, shutdown = 4, shutoff = 5, crashed = 6, suspended = 7

    public var name: String {
        switch self {
        case .noState: "nostate"
        case .running: "running"
        case .blocked: "blocked"
        case .paused: "paused"
        case .shutdown: "shutdown"
        case .shutoff: "shutoff"
        case .crashed: "crashed"
        case .suspended: "pmsuspended"
        }
    }

    /// Whether the guest has a running QEMU (and so CPU, balloon, disk and network counters).
    public var isActive: Bool { [.running, .blocked, .paused, .shutdown, .suspended].contains(self) }
}
