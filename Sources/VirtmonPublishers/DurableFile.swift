import Foundation
import VirtmonModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small file operations that survive a crash: a file is written beside its final name, synced, renamed into
/// place, and the directory synced, so after a kill either the old or the new content is there, never half.
enum DurableFile {
    static func write(_ data: Data, to path: String) throws(PublisherError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw error("open \(temporary)") }
        let failure = data.withUnsafeBytes { DurableFile.writeAll(fd, $0) }
        if failure != 0 {
            let reason = PublisherError.io(target: "write \(temporary)", reason: String(cString: strerror(failure)))
            close(fd)
            unlink(temporary)
            throw reason
        }
        guard fsync(fd) == 0 else {
            let failure = error("fsync \(temporary)")
            close(fd)
            throw failure
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw error("rename \(temporary)") }
        syncDirectory(of: path)
    }

    /// Writes all of `bytes` to `fd`, resuming after short writes and interrupted calls. Returns 0, or the
    /// errno of the write that failed.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return 0
    }

    static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    static func createDirectory(_ path: String) throws(PublisherError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw PublisherError.io(target: path, reason: "cannot create directory: \(ErrorWords.describe(error))")
        }
    }

    private static func error(_ what: String) -> PublisherError {
        PublisherError.io(target: what, reason: String(cString: strerror(errno)))
    }
}
