import Foundation
import Testing
import VirtmonModel
@testable import VirtmonStorage

/// Series born together must not seal together forever after: each series' first head is cut short by an
/// amount its id fixes, and later heads are full-sized, so the seals of a lock-step fleet stay spread.
@Suite struct SealSpreadTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// One sample of each of `series` resources at cycle `cycle` (10 s apart), as a fleet of agents sends them.
    static func cycle(_ cycle: Int, series: Int) -> IngestBatch {
        let time = t0.addingTimeInterval(Double(cycle) * 10)
        return IngestBatch(samples: (0..<series).map {
            Sample(name: "cpu_util", type: .gauge, unit: "%", volume: Double(cycle), resourceID: "vm-\($0)", timestamp: time)
        }, receivedAt: time)
    }

    @Test("400 series in lock step: no commit seals more than a spread's share, and every later chunk is full-sized")
    func sealsOfLockStepSeriesStaySpread() async throws {
        var options = ChunkStoreOptions()
        options.chunkSamples = 40
        options.maxChunkSamples = 40  // no compaction: the chunks as sealed are what is counted
        options.firstSealSpread = 20
        let store = try await ChunkStore(backend: MemoryChunkBackend(), options: options)
        var sealedPerCycle: [Int] = []
        var chunks = 0
        for index in 0..<200 {
            #expect(try await store.commit(Self.cycle(index, series: 400)) == .stored)
            let now = try await store.stats().chunks
            sealedPerCycle.append(now - chunks)
            chunks = now
        }
        // A spread of half a chunk (20 cycles): 400 series seal 20 at a time from cycle 20 on, never 400 at once.
        #expect(sealedPerCycle.max() == 20, "\(sealedPerCycle)")
        #expect(sealedPerCycle.prefix(20).allSatisfy { $0 == 0 }, "no head seals before it holds chunk_samples − spread + 1")
        let stats = try await store.stats()
        #expect(stats.chunkSamples + stats.headSamples == 200 * 400, "nothing lost to the spread")
        // First chunks hold 21-40 samples; after them every series seals every 40 cycles, in its own phase.
        #expect(stats.chunks == 400 * 5, "each series: one shortened first chunk and four full ones in 200 cycles")

        var unspread = options
        unspread.firstSealSpread = 0
        let wave = try await ChunkStore(backend: MemoryChunkBackend(), options: unspread)
        var maxSealed = 0
        chunks = 0
        for index in 0..<80 {
            _ = try await wave.commit(Self.cycle(index, series: 400))
            let now = try await wave.stats().chunks
            maxSealed = max(maxSealed, now - chunks)
            chunks = now
        }
        #expect(maxSealed == 400, "without the spread all 400 heads seal in one commit")
        #expect(ChunkStoreOptions().sealSpread == 0, "off unless asked for")
    }

    @Test func aSpreadAsLargeAsTheChunkIsRefusedByName() {
        var options = ChunkStoreOptions()
        options.chunkSamples = 10
        options.firstSealSpread = 10
        #expect(throws: QueryError.self) { try options.validate() }
    }
}
