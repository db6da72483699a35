import VirtmonAgent
import VirtmonModel

/// Size and use of every real mounted filesystem, in KB as Ceilometer's `hardware.disk.size.*`.
///
/// Real means backed by storage: types that /proc/filesystems marks `nodev` (proc, tmpfs, cgroup, overlay…)
/// are skipped, as are read-only image formats that are always full. A device mounted twice (bind mounts)
/// is reported once, at its first mount point.
public struct FilesystemPollster: Pollster {
    public let name = "host.filesystem"
    private let stat: @Sendable (String) throws -> FilesystemUsage

    /// - Parameter stat: how a mount point's usage is read; statvfs(3) unless a test gives another.
    public init(stat: @escaping @Sendable (String) throws -> FilesystemUsage = { try FilesystemUsage.measure($0) }) {
        self.stat = stat
    }

    static let total = MeterDefinition(
        name: "hardware.disk.size.total", type: .gauge, unit: "KB", summary: "Filesystem size",
        origin: "/proc/mounts + statvfs")
    static let used = MeterDefinition(
        name: "hardware.disk.size.used", type: .gauge, unit: "KB", summary: "Filesystem space in use (df's Used)",
        origin: "/proc/mounts + statvfs")
    static let available = MeterDefinition(
        name: "hardware.disk.size.available", type: .gauge, unit: "KB",
        summary: "Space left for unprivileged users (df's Avail)", origin: "/proc/mounts + statvfs")

    public var meters: [MeterDefinition] {
        [FilesystemPollster.total, FilesystemPollster.used, FilesystemPollster.available]
    }

    static let imageFilesystems: Set<String> = ["squashfs", "iso9660", "erofs", "udf"]

    /// The mounts to meter, in /proc/mounts order.
    public static func realMounts(_ mounts: [MountEntry], pseudo: Set<String>) -> [MountEntry] {
        var seenDevices: Set<String> = []
        return mounts.filter { mount in
            guard !pseudo.contains(mount.fsType), !imageFilesystems.contains(mount.fsType) else { return false }
            return seenDevices.insert(mount.device).inserted
        }
    }

    public func poll(_ context: PollContext) async throws -> [Sample] {
        let mounts = MountEntry.parse(try context.proc("mounts"))
        let pseudo = MountEntry.pseudoFilesystems(try context.proc("filesystems"))
        var samples: [Sample] = []
        for mount in FilesystemPollster.realMounts(mounts, pseudo: pseudo) {
            // A mount that vanished or is not ours to read is skipped; the others still count. One that hangs
            // (a dead NFS server) holds this pollster's own thread until the scheduler's deadline moves on.
            guard let usage = try? stat(mount.mountPoint) else { continue }
            samples += context.deviceSamples(
                mount.mountPoint, resourceType: "host_filesystem",
                metadata: ["mount_point": .string(mount.mountPoint), "device": .string(mount.device),
                           "fs_type": .string(mount.fsType)],
                [
                    (FilesystemPollster.total, Double(usage.totalBytes / 1024)),
                    (FilesystemPollster.used, Double(usage.usedBytes / 1024)),
                    (FilesystemPollster.available, Double(usage.availableBytes / 1024)),
                ])
        }
        return samples
    }
}
