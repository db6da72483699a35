import Foundation

/// What a monitor check sees: the host and where /proc and /run are.
public struct MonitorContext: Sendable {
    public var host: String
    public var procRoot: String
    /// Where libvirt's run directory is (`/run/libvirt`), for its qemu pid files.
    public var libvirtRunDir: String
    public var time: Date
    public var monotonicTime: Double

    public init(host: String, procRoot: String = "/proc", libvirtRunDir: String = "/run/libvirt",
                time: Date = Date(), monotonicTime: Double = PollContext.monotonicNow()) {
        self.host = host
        self.procRoot = procRoot
        self.libvirtRunDir = libvirtRunDir
        self.time = time
        self.monotonicTime = monotonicTime
    }

    /// A poll context on the same roots, for building samples the way pollsters do.
    public var pollContext: PollContext {
        PollContext(host: host, timestamp: time, monotonicTime: monotonicTime, procRoot: procRoot)
    }
}
