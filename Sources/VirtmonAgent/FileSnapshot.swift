import Foundation
import Synchronization

/// The files one cycle has read, so that pollsters sharing a file (`/proc/stat`, `/proc/meminfo`) see the same
/// bytes and the file is read once per cycle.
///
/// A mutex-guarded cache rather than an actor: reads happen on the pollsters' own threads, and an actor hop
/// per file would cost a thread wake-up each. The read itself happens outside the lock, so a file that blocks
/// holds up only the pollster reading it.
public final class FileSnapshot: Sendable {
    private let cache = Mutex<[String: String]>([:])

    public init() {}

    /// The text of `path`, read on first use in this cycle.
    public func read(_ path: String) throws(ProcFSError) -> String {
        if let text = cache.withLock({ $0[path] }) { return text }
        let text = try FileSnapshot.readFile(path)
        cache.withLock { $0[path] = text }
        return text
    }

    /// Reads a whole file. Files under /proc report size 0, so this reads until end of file rather than
    /// trusting the size.
    public static func readFile(_ path: String) throws(ProcFSError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ProcFSError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ProcFSError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
