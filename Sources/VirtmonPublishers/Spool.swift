import Foundation
import VirtmonModel

/// A bounded on-disk queue of batches for one destination: a directory with one file per batch, named by the
/// batch's sequence number so that listing it gives the send order.
///
/// A batch is on disk (synced) before `append` returns and leaves it only through `remove` after the
/// destination accepted it, or through eviction when the bound is reached: then the oldest go first, and
/// what was dropped is counted. Not thread-safe on its own: its owner is one publisher actor.
public struct Spool: Sendable {
    /// A spooled batch as listed on disk.
    public struct Entry: Sendable, Hashable {
        public var sequence: UInt64
        public var sampleCount: Int
        public var bytes: Int
        var fileName: String
    }

    /// What eviction threw away to stay within the bound.
    public struct Eviction: Sendable, Hashable {
        public var batches = 0
        public var samples = 0
    }

    public let directory: String
    public let maxBytes: Int
    public let maxBatches: Int
    private(set) public var entries: [Entry] = []
    private(set) public var totalBytes = 0
    /// Everything evicted since this spool was opened.
    private(set) public var evicted = Eviction()

    /// Opens (creating it when needed) the spool in `directory`, picking up what an earlier run left, and
    /// removing half-written files a crash left.
    public init(directory: String, maxBytes: Int, maxBatches: Int) throws(PublisherError) {
        self.directory = directory
        self.maxBytes = maxBytes
        self.maxBatches = maxBatches
        try DurableFile.createDirectory(directory)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw PublisherError.io(target: directory, reason: "cannot list spool: \(ErrorWords.describe(error))")
        }
        for name in names {
            if name.hasSuffix(".tmp") {
                unlink(directory + "/" + name)
                continue
            }
            guard let entry = Spool.parseName(name) else { continue }
            var info = stat()
            guard stat(directory + "/" + name, &info) == 0 else { continue }
            entries.append(Entry(sequence: entry.0, sampleCount: entry.1, bytes: Int(info.st_size), fileName: name))
        }
        entries.sort { $0.sequence < $1.sequence }
        totalBytes = entries.reduce(0) { $0 + $1.bytes }
    }

    static func parseName(_ name: String) -> (UInt64, Int)? {
        guard name.hasSuffix(".batch") else { return nil }
        let parts = name.dropLast(6).split(separator: "-")
        guard parts.count == 2, let sequence = UInt64(parts[0]), let count = Int(parts[1]) else { return nil }
        return (sequence, count)
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var oldest: Entry? { entries.first }
    public var sampleCount: Int { entries.reduce(0) { $0 + $1.sampleCount } }

    /// Writes a batch durably, then evicts the oldest batches (never the one just written) while the spool is
    /// over its bound. Returns what this call evicted.
    @discardableResult
    public mutating func append(sequence: UInt64, sampleCount: Int, data: Data) throws(PublisherError) -> Eviction {
        let name = String(format: "%020llu-%d.batch", sequence, sampleCount)
        try DurableFile.write(data, to: directory + "/" + name)
        entries.append(Entry(sequence: sequence, sampleCount: sampleCount, bytes: data.count, fileName: name))
        totalBytes += data.count
        var now = Eviction()
        while entries.count > 1, totalBytes > maxBytes || entries.count > maxBatches {
            let victim = entries.removeFirst()
            unlink(directory + "/" + victim.fileName)
            totalBytes -= victim.bytes
            now.batches += 1
            now.samples += victim.sampleCount
        }
        evicted.batches += now.batches
        evicted.samples += now.samples
        return now
    }

    /// The stored bytes of a batch.
    public func read(_ entry: Entry) throws(PublisherError) -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: directory + "/" + entry.fileName))
        } catch {
            throw PublisherError.io(target: entry.fileName, reason: "cannot read spooled batch: \(error)")
        }
    }

    /// Deletes a batch the destination accepted (or one that cannot be read back at all).
    public mutating func remove(_ entry: Entry) {
        guard let index = entries.firstIndex(of: entry) else { return }
        unlink(directory + "/" + entry.fileName)
        entries.remove(at: index)
        totalBytes -= entry.bytes
    }
}
