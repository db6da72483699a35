import Foundation
import Synchronization
import VirtmonModel
#if canImport(Glibc)
import Glibc
#endif

/// One collector and one agent per data directory: an exclusive `flock` on DATA_DIR/collector.lock or
/// DATA_DIR/agent.lock, held while the process runs (the kernel releases it when the process ends, however it
/// ends). The file says who holds it, so a second collector (or `up`) or a second agent on the same
/// directory is refused at once with that, before it touches anything. A collector and an agent may share a
/// directory: their files do not overlap. Within one process a lock is shared (`up` holds the collector's and
/// builds a collector on it).
public final class DataDirLock: Sendable {
    public let directory: String
    private let descriptor: Int32

    /// The locks this process holds, by directory, so that a second part of the same process shares one.
    private static let held = Mutex<[String: Holder]>([:])
    private struct Holder { weak var lock: DataDirLock? }

    private init(directory: String, descriptor: Int32) {
        self.directory = directory
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Takes the directory for `purpose` (e.g. "virtmon up"), creating it (0700) if needed.
    public enum Role: String, Sendable { case collector, agent }

    public static func acquire(_ directory: String, role: Role, purpose: String) throws -> DataDirLock {
        let path = (directory as NSString).standardizingPath
        let key = "\(path)\u{0}\(role.rawValue)"
        if let existing = held.withLock({ $0[key]?.lock }) { return existing }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw DataDirError("cannot create the data dir \(path): \(ErrorWords.describe(error)); choose another with --data-dir or VIRTMON_DATA_DIR")
        }
        let file = (path as NSString).appendingPathComponent("\(role.rawValue).lock")
        let descriptor = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw DataDirError("cannot open \(file): \(String(cString: strerror(errno))); is the data dir writable by this user?")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            var buffer = [UInt8](repeating: 0, count: 512)
            let count = pread(descriptor, &buffer, buffer.count, 0)
            close(descriptor)
            let holder = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
            if reason == EWOULDBLOCK {
                throw DataDirError("data dir \(path) is in use by \(holder.isEmpty ? "another \(role.rawValue)" : holder); stop it first, or give this one another --data-dir")
            }
            throw DataDirError("cannot lock \(file): \(String(cString: strerror(reason)))")
        }
        let owner = "pid \(getpid()) (\(purpose), since \(WireTimestamp.format(Date())))\n"
        _ = ftruncate(descriptor, 0)
        _ = owner.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        let lock = DataDirLock(directory: path, descriptor: descriptor)
        held.withLock { $0[key] = Holder(lock: lock) }
        return lock
    }
}

/// A data directory that cannot be used, with what to do.
public struct DataDirError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
