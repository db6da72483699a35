import Foundation
import VirtmonThreads

/// Hands out the agent's batch sequence numbers: strictly increasing for the life of the data dir, across
/// restarts and crashes.
///
/// Numbers are reserved in blocks: the file holds the first number not yet reserved and is rewritten (synced)
/// once per block, not once per batch. A crash skips the rest of a block, which leaves a gap but never a repeat.
public actor SequenceAllocator {
    /// Writes, fsyncs block: this actor runs on a thread of its own, never on the cooperative pool.
    private let executor = SerialThreadExecutor(name: "vm-sequence")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private let path: String
    private let blockSize: UInt64
    private var next: UInt64
    private var reservedUntil: UInt64

    public init(dataDir: String, blockSize: UInt64 = 1000) throws(PublisherError) {
        try DurableFile.createDirectory(dataDir)
        path = dataDir + "/sequence"
        self.blockSize = blockSize
        var start: UInt64 = 1
        if let text = try? String(contentsOfFile: path, encoding: .utf8),
            let stored = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            start = max(stored, 1)
        }
        next = start
        reservedUntil = start + blockSize
        try DurableFile.write(Data("\(reservedUntil)\n".utf8), to: path)
    }

    /// The next number.
    public func allocate() throws(PublisherError) -> UInt64 {
        if next >= reservedUntil {
            let ceiling = reservedUntil + blockSize
            try DurableFile.write(Data("\(ceiling)\n".utf8), to: path)
            reservedUntil = ceiling
        }
        defer { next += 1 }
        return next
    }
}
