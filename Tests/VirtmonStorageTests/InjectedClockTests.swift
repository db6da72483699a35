import Foundation
import Synchronization
import Testing
import VirtmonModel
import VirtmonStorage

/// Time as the engine sees it, moved by the test: sealing an idle head and retention's horizon happen when
/// the clock says so, with no sleeping and no database.
@Suite struct InjectedClockTests {
    final class TestClock: Sendable {
        private let now = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        var date: Date { now.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    @Test func anIdleHeadIsSealedOnlyOnceTheClockPassesTheIdleBound() async throws {
        let clock = TestClock()
        var options = ChunkStoreOptions()
        options.idleSeal = 3600
        options.now = { clock.date }
        let store = try await ChunkStore(backend: MemoryChunkBackend(), options: options)
        let samples = (0..<5).map { index in
            Sample(name: "cpu_util", type: .gauge, unit: "%", volume: Double(index), resourceID: "vm-1",
                   timestamp: clock.date.addingTimeInterval(Double(index)))
        }
        #expect(try await store.commit(IngestBatch(samples: samples, receivedAt: clock.date)) == .stored)

        clock.advance(1800)
        #expect(try await store.maintain().sealedChunks == 0, "half the idle bound: the head stays open")
        #expect(try await store.stats().headSamples == 5)

        clock.advance(1900)
        #expect(try await store.maintain().sealedChunks == 1, "past the idle bound: sealed")
        let stats = try await store.stats()
        #expect(stats.chunks == 1 && stats.chunkSamples == 5 && stats.headSamples == 0)
        #expect(try await store.samples(SampleQuery()).count == 5, "still readable, now from the chunk")
    }
}
