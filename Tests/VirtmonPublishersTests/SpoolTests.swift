import Foundation
import Testing
@testable import VirtmonPublishers

@Suite struct SpoolTests {
    @Test func appendReadRemoveInOrder() throws {
        let directory = temporaryDirectory("spool")
        var spool = try Spool(directory: directory, maxBytes: 1 << 20, maxBatches: 100)
        try spool.append(sequence: 2, sampleCount: 5, data: Data("two".utf8))
        try spool.append(sequence: 10, sampleCount: 1, data: Data("ten".utf8))
        #expect(spool.entries.map(\.sequence) == [2, 10])
        #expect(spool.sampleCount == 6 && spool.totalBytes == 6)
        let oldest = try #require(spool.oldest)
        #expect(try spool.read(oldest) == Data("two".utf8))
        spool.remove(oldest)
        #expect(spool.entries.map(\.sequence) == [10])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).count == 1)
    }

    @Test func reopeningPicksUpWhatWasLeftAndCleansHalfWrittenFiles() throws {
        let directory = temporaryDirectory("spool-reopen")
        do {
            var spool = try Spool(directory: directory, maxBytes: 1 << 20, maxBatches: 100)
            try spool.append(sequence: 100, sampleCount: 3, data: Data("a".utf8))
            try spool.append(sequence: 9, sampleCount: 4, data: Data("b".utf8))
        }
        FileManager.default.createFile(atPath: directory + "/00000000000000000200-1.batch.tmp", contents: Data("x".utf8))
        FileManager.default.createFile(atPath: directory + "/README", contents: Data("not a batch".utf8))
        let reopened = try Spool(directory: directory, maxBytes: 1 << 20, maxBatches: 100)
        #expect(reopened.entries.map(\.sequence) == [9, 100], "sorted by sequence, not by name or write order")
        #expect(reopened.sampleCount == 7)
        #expect(!FileManager.default.fileExists(atPath: directory + "/00000000000000000200-1.batch.tmp"))
    }

    @Test func theBoundDropsTheOldestAndCountsThem() throws {
        var spool = try Spool(directory: temporaryDirectory("spool-bound"), maxBytes: 25, maxBatches: 3)
        for sequence in 1...5 {
            try spool.append(sequence: UInt64(sequence), sampleCount: 10, data: Data(repeating: 0, count: 5))
        }
        #expect(spool.entries.map(\.sequence) == [3, 4, 5])
        #expect(spool.evicted == Spool.Eviction(batches: 2, samples: 20))
        let eviction = try spool.append(sequence: 6, sampleCount: 10, data: Data(repeating: 0, count: 20))
        #expect(eviction.batches == 2, "bytes bound: 3 × 5 + 20 > 25 until two of the old are gone")
        #expect(spool.entries.map(\.sequence) == [5, 6])
        #expect(spool.totalBytes == 25)
    }

    @Test func anOversizedBatchIsStillKept() throws {
        var spool = try Spool(directory: temporaryDirectory("spool-big"), maxBytes: 4, maxBatches: 10)
        try spool.append(sequence: 1, sampleCount: 1, data: Data(repeating: 1, count: 100))
        #expect(spool.entries.count == 1)
    }

    @Test func anUnwritableDirectoryIsAClearError() {
        #expect(throws: PublisherError.self) {
            try Spool(directory: "/proc/virtmon-cannot-be-here", maxBytes: 1, maxBatches: 1)
        }
    }
}

@Suite struct SequenceAllocatorTests {
    @Test func increasesAcrossRestartsAndBlocks() async throws {
        let directory = temporaryDirectory("sequence")
        var seen: [UInt64] = []
        for _ in 0..<3 {
            let allocator = try SequenceAllocator(dataDir: directory, blockSize: 4)
            for _ in 0..<6 { seen.append(try await allocator.allocate()) }
        }
        #expect(seen == seen.sorted() && Set(seen).count == seen.count, "\(seen)")
        #expect(seen.first == 1)
    }

    @Test func identityIsStable() throws {
        let directory = temporaryDirectory("identity")
        let first = try AgentIdentity.load(dataDir: directory, host: "a")
        let second = try AgentIdentity.load(dataDir: directory, host: "b")
        #expect(first.id == second.id && second.host == "b")
        #expect(UUID(uuidString: first.id) != nil)
    }
}
