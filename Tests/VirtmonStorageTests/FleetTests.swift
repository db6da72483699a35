import Foundation
import Testing
import VirtmonModel
import VirtmonStorage
import VirtmonStoragePostgres

/// Several engines (collectors) on one PostgreSQL database: every engine answers with every sample any of them
/// stored, ids never collide, housekeeping by one is taken in by the others, and a fresh engine reads the same.
@Suite("Collectors sharing one PostgreSQL database")
struct FleetTests {
    static func batch(_ agent: String, _ sequence: Int, _ samples: ArraySlice<Sample>) -> IngestBatch {
        IngestBatch(origin: BatchOrigin(agent: agent, host: "h", sequence: UInt64(sequence)), samples: Array(samples))
    }

    /// Two engines over one fresh database, or nil (said loudly) when no PostgreSQL was started.
    static func pair() async throws -> (url: String, a: ChunkStore, b: ChunkStore)? {
        guard StoreKind.postgresURL != nil else {
            print("⚠️  SKIPPING the collector fleet tests: VIRTMON_TEST_POSTGRES_URL is not set (bash scripts/test.sh starts a server and sets it)")
            return nil
        }
        let url = try await StoreKind.freshPostgresDatabase()
        let a = try await PostgresChunkBackend.open(url: url, options: ChunkStoreTests.small)
        let b = try await PostgresChunkBackend.open(url: url, options: ChunkStoreTests.small)
        return (url, a, b)
    }

    @Test("batches taken in turn by two engines, with housekeeping on one, answer the same on both and on a third")
    func alternating() async throws {
        guard let (url, a, b) = try await Self.pair() else { return }
        let samples = ChunkStoreTests.randomSamples(1_200, seed: 11)
        let reference = MemoryStorage()
        for (index, start) in stride(from: 0, to: samples.count, by: 30).enumerated() {
            let batch = Self.batch("agent", index + 1, samples[start..<start + 30])
            #expect(try await reference.commit(batch) == .stored)
            // Alternating, as a round-robin load balancer sends them; both engines create series and seal heads.
            #expect(try await (index % 2 == 0 ? a : b).commit(batch) == .stored, "batch \(index + 1)")
            // The housekeeping (idle seals, checkpoints, compaction) runs on one of them only, as in a fleet.
            if index == 12 { _ = try await a.maintain(at: Date(), sealAll: true) }
            if index == 25 { _ = try await a.maintain(at: Date(), sealAll: false) }
        }
        // A repeat sent to the other collector is still a repeat.
        #expect(try await a.commit(Self.batch("agent", 2, samples[30..<60])) == .duplicate)
        // The repeat was computed after taking in B's writes; B's follow takes in A's last ones.
        #expect(try await !a.followPeers(), "A is at the newest position")
        #expect(try await b.followPeers())
        #expect(try await !b.followPeers(), "nothing new the second time")
        try await ChunkStoreTests.expectSame(a, as: reference, "engine A")
        try await ChunkStoreTests.expectSame(b, as: reference, "engine B")
        let third = try await PostgresChunkBackend.open(url: url, options: ChunkStoreTests.small)
        try await ChunkStoreTests.expectSame(third, as: reference, "a third engine opened afterwards")
        // The follower's checkpoint view matches: a stop checkpoint on B (its heads came from A's records too).
        _ = try await b.checkpointForStop()
        _ = try await a.followPeers()
        try await ChunkStoreTests.expectSame(a, as: reference, "engine A after B's stop checkpoint")
        for store in [a, b, third] { await store.close() }
        let reopened = try await PostgresChunkBackend.open(url: url, options: ChunkStoreTests.small)
        try await ChunkStoreTests.expectSame(reopened, as: reference, "reopened after all closed")
        await reopened.close()
    }

    @Test("two engines committing at the same time store every batch once, each computed from the newest position")
    func concurrent() async throws {
        guard let (url, a, b) = try await Self.pair() else { return }
        let samples = ChunkStoreTests.randomSamples(2_400, seed: 12)
        let reference = MemoryStorage()
        let batches = stride(from: 0, to: samples.count, by: 20).enumerated().map { Self.batch("agent-\($0.offset % 2)", $0.offset + 1, samples[$0.element..<$0.element + 20]) }
        for batch in batches { _ = try await reference.commit(batch) }
        let outcomes = try await withThrowingTaskGroup(of: CommitResult.self) { group in
            for (index, batch) in batches.enumerated() {
                let store = index % 2 == 0 ? a : b
                group.addTask { try await store.commit(batch) }
            }
            group.addTask { _ = try await a.maintain(at: Date(), sealAll: false); return .stored }
            var results: [CommitResult] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(outcomes.allSatisfy { $0 == .stored })
        _ = try await a.followPeers()
        _ = try await b.followPeers()
        try await ChunkStoreTests.expectSame(a, as: reference, "engine A")
        try await ChunkStoreTests.expectSame(b, as: reference, "engine B")
        let positions = [await a.fleetPosition, await b.fleetPosition]
        #expect(positions[0] == positions[1] && (positions[0]?.generation ?? 0) > Int64(batches.count), "\(positions)")
        for store in [a, b] { await store.close() }
        let reopened = try await PostgresChunkBackend.open(url: url, options: ChunkStoreTests.small)
        try await ChunkStoreTests.expectSame(reopened, as: reference, "reopened")
        await reopened.close()
    }

    /// Samples and every statistics query of the engine suite answer the same on both stores.
    static func expectAgree(_ store: ChunkStore, with other: ChunkStore, _ context: String) async throws {
        let line = { (stored: StoredSample) -> String in "\(stored.sample.name) \(stored.sample.resourceID) \(stored.sample.timestamp.timeIntervalSince1970) \(stored.sample.volume.bitPattern)" }
        #expect(try await store.samples(SampleQuery()).map(line).sorted() == other.samples(SampleQuery()).map(line).sorted(), "\(context): samples")
        for query in ChunkStoreTests.queries {
            let shape = { (row: StatisticsRow) -> String in "\(row.groupBy.sorted { $0.key < $1.key }) \(row.periodStart) \(row.count) \(row.min) \(row.max) \(row.sum) \(row.cardinality)" }
            #expect(try await store.statistics(query).map(shape) == other.statistics(query).map(shape), "\(context): \(query)")
        }
    }

    /// Retention deletes rows whose removal the others cannot follow row by row (they reload), and keeps the
    /// rollups of deleted chunks for the rollups' own retention — so statistics over the deleted range come
    /// from those rollups and differ from the reference's; the ground truth is an engine opened afresh.
    @Test("retention on one engine (which deletes rows the others cannot follow) makes the others reload")
    func retentionElsewhere() async throws {
        guard let (url, a, b) = try await Self.pair() else { return }
        let samples = ChunkStoreTests.randomSamples(900, seed: 13)
        for (index, start) in stride(from: 0, to: samples.count, by: 30).enumerated() {
            _ = try await (index % 2 == 0 ? a : b).commit(Self.batch("agent", index + 1, samples[start..<start + 30]))
        }
        _ = try await b.followPeers()
        _ = try await a.followPeers()
        let before = await b.fleetPosition
        let cutoff = ConformanceData.t0.addingTimeInterval(3 * 3600)
        let deleted = try await a.deleteSamples(before: cutoff)
        #expect(deleted > 0)
        #expect(try await b.followPeers())
        #expect((await b.fleetPosition)?.epoch ?? 0 > before?.epoch ?? 0, "the epoch moved: B reloaded")
        let fresh = try await PostgresChunkBackend.open(url: url, options: ChunkStoreTests.small)
        try await Self.expectAgree(b, with: fresh, "engine B after A's retention")
        #expect(try await b.samples(SampleQuery()).allSatisfy { $0.sample.timestamp >= cutoff })
        // And B writes on from there without colliding with what A rewrote.
        let more = ChunkStoreTests.randomSamples(60, seed: 14).map { sample -> Sample in
            var moved = sample
            moved.timestamp = sample.timestamp.addingTimeInterval(4 * 3600)
            return moved
        }
        #expect(try await b.commit(Self.batch("agent", 1_000, more[...])) == .stored)
        _ = try await a.followPeers()
        let after = try await PostgresChunkBackend.open(url: url, options: ChunkStoreTests.small)
        try await Self.expectAgree(a, with: after, "engine A after B wrote on")
        try await Self.expectAgree(b, with: after, "engine B after it wrote on")
        #expect(try await a.samples(SampleQuery()).count == 900 - deleted + 60)
        for store in [a, b, fresh, after] { await store.close() }
    }
}
