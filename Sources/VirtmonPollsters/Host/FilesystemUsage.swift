#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Size and use of one mounted filesystem, in bytes.
public struct FilesystemUsage: Sendable, Hashable {
    public var totalBytes: UInt64
    /// Blocks in use (total − free), as df's "Used" column.
    public var usedBytes: UInt64
    /// Free blocks an unprivileged user may use, as df's "Avail" column.
    public var availableBytes: UInt64

    public init(totalBytes: UInt64, usedBytes: UInt64, availableBytes: UInt64) {
        self.totalBytes = totalBytes
        self.usedBytes = usedBytes
        self.availableBytes = availableBytes
    }

    /// Reads a mount point's usage with statvfs(3). Throws with errno's text when the call fails.
    public static func measure(_ path: String) throws(FilesystemStatError) -> FilesystemUsage {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else {
            throw FilesystemStatError(path: path, reason: String(cString: strerror(errno)))
        }
        let unit = UInt64(info.f_frsize)
        let total = UInt64(info.f_blocks) * unit
        let free = UInt64(info.f_bfree) * unit
        return FilesystemUsage(
            totalBytes: total, usedBytes: total - min(free, total), availableBytes: UInt64(info.f_bavail) * unit)
    }
}

/// statvfs(3) failed on a mount point.
public struct FilesystemStatError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "statvfs \(path): \(reason)" }
}
