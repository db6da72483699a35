import Foundation
import ServiceLifecycle
import VirtmonModel
import VirtmonThreads

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends one JSON object per line, each sample in the wire shape (`counter_name`, …) and each event as its
/// record, and rotates the file when the next write would take it past `maxBytes`: `FILE` becomes `FILE.1`,
/// `FILE.1` becomes `FILE.2`, and so on up to `backups` old files.
public actor FilePublisher: Publisher {
    /// Writes, fsyncs block: this actor runs on a thread of its own, never on the cooperative pool.
    private let executor = SerialThreadExecutor(name: "vm-file-pub")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    public nonisolated let target: String
    private let path: String
    private let maxBytes: Int
    private let backups: Int
    private var fd: Int32 = -1
    private var size = 0

    public init(path: String, maxBytes: Int, backups: Int) throws(PublisherError) {
        self.path = path
        self.target = "file://" + path
        self.maxBytes = max(1, maxBytes)
        self.backups = max(0, backups)
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try DurableFile.createDirectory(directory) }
        let (fd, size) = try FilePublisher.openForAppend(path)
        self.fd = fd
        self.size = size
    }

    private static func openForAppend(_ path: String) throws(PublisherError) -> (Int32, Int) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PublisherError.io(target: path, reason: "cannot open for writing: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        fstat(fd, &info)
        return (fd, Int(info.st_size))
    }

    public func publish(samples: [Sample], events: [Event]) async throws {
        var pending: [UInt8] = []
        pending.reserveCapacity((samples.count + events.count) * 360)
        var line: [UInt8] = []
        func add() throws(PublisherError) {
            line.append(UInt8(ascii: "\n"))
            if size > 0, size + pending.count + line.count > maxBytes {
                try writeAll(pending)
                pending.removeAll(keepingCapacity: true)
                try rotate()
            }
            pending.append(contentsOf: line)
            line.removeAll(keepingCapacity: true)
        }
        for sample in samples {
            WireJSON.append(sample, to: &line)
            try add()
        }
        for event in events {
            WireJSON.append(event, to: &line)
            try add()
        }
        try writeAll(pending)
    }

    private func writeAll(_ data: [UInt8]) throws(PublisherError) {
        guard !data.isEmpty else { return }
        let failure = data.withUnsafeBytes { DurableFile.writeAll(fd, $0) }
        guard failure == 0 else {
            throw PublisherError.io(target: target, reason: "write failed: \(String(cString: strerror(failure)))")
        }
        size += data.count
    }

    private func rotate() throws(PublisherError) {
        close(fd)
        if backups == 0 {
            unlink(path)
        } else {
            unlink("\(path).\(backups)")
            if backups > 1 {
                for index in stride(from: backups - 1, through: 1, by: -1) {
                    rename("\(path).\(index)", "\(path).\(index + 1)")
                }
            }
            rename(path, "\(path).1")
        }
        (fd, size) = try FilePublisher.openForAppend(path)
    }

    public func run() async throws {
        try? await gracefulShutdown()
        fsync(fd)
    }
}
