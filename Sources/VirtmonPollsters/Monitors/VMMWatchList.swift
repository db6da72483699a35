import VirtmonAgent

/// Which hypervisor processes the VMM checks look at.
public struct VMMWatchList: Sendable, Hashable {
    /// PIDs to watch whatever their program.
    public var pids: [Int32]
    /// Also find VMMs by program name (libvirt's pid files are always read).
    public var scanByName: Bool

    public init(pids: [Int32] = [], scanByName: Bool = true) {
        self.pids = pids
        self.scanByName = scanByName
    }

    func processes(_ context: MonitorContext) -> [VMMProcess] {
        VMMDiscovery.find(procRoot: context.procRoot, libvirtRunDir: context.libvirtRunDir, explicitPIDs: pids,
                          scanByName: scanByName)
    }
}
