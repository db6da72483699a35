import Foundation
import Testing
import VirtmonModel
import VirtmonStorage

/// A commit that lands and then reports failure (the server committed; the answer was lost) must not leave
/// the engine believing it did not: the retried batch is a duplicate, the next batches must not reuse the
/// ids it took, and its samples must be readable at once, not only after a restart.
@Suite("Commits that land and report failure")
struct AmbiguousCommitTests {
    static func batch(_ sequence: Int, _ samples: [Sample]) -> IngestBatch {
        IngestBatch(origin: BatchOrigin(agent: "a", host: "h", sequence: UInt64(sequence)), samples: samples)
    }

    @Test("a batch whose commit landed but failed is a duplicate on retry, and every sample is stored once", arguments: StoreKind.chunked)
    func landedThenLost(kind: StoreKind) async throws {
        let (inner, cleanup) = try await kind.makeBackend()
        defer { Task { await cleanup() } }
        let backend = LandedThenLostBackend(inner)
        let store = try await ChunkStore(backend: backend, options: ChunkStoreTests.small)
        let reference = MemoryStorage()
        let samples = ChunkStoreTests.randomSamples(600, seed: 7)
        let batches = stride(from: 0, to: samples.count, by: 30).enumerated().map { Self.batch($0.offset + 1, Array(samples[$0.element..<$0.element + 30])) }
        var lost = 0
        for (index, batch) in batches.enumerated() {
            _ = try await reference.commit(batch)
            // Every third batch's first commit lands and is reported lost, as does one maintenance pass.
            if index % 3 == 1 {
                backend.arm(1)
                await #expect(throws: LandedThenLostBackend.Lost.self) { try await store.commit(batch) }
                lost += 1
                #expect(try await store.commit(batch) == .duplicate, "\(kind): batch \(index + 1) retried")
            } else {
                #expect(try await store.commit(batch) == .stored, "\(kind): batch \(index + 1)")
            }
            if index == 10 {
                backend.arm(1)
                await #expect(throws: LandedThenLostBackend.Lost.self) { _ = try await store.maintain(at: Date(), sealAll: true) }
            }
        }
        #expect(lost == 7)
        try await ChunkStoreTests.expectSame(store, as: reference, "\(kind) after lost answers")
        _ = try await store.maintain(at: Date(), sealAll: true)
        try await ChunkStoreTests.expectSame(store, as: reference, "\(kind) sealed after lost answers")
        let reopened = try await ChunkStore(backend: inner, options: ChunkStoreTests.small)
        try await ChunkStoreTests.expectSame(reopened, as: reference, "\(kind) reopened after lost answers")
    }
}
