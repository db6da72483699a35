import Foundation
import Testing
import VirtmonModel
@testable import VirtmonStorage

/// Which write-ahead records a checkpoint drops and what it writes again, on every chunk backend.
@Suite("Write-ahead checkpoints")
struct WALCheckpointTests {
    static func sample(_ resource: String, _ step: Int, volume: Double) -> Sample {
        Sample(
            name: "cpu_util", type: .gauge, unit: "%", volume: volume, userID: "u1", projectID: "p1", resourceID: resource,
            timestamp: ConformanceData.t0.addingTimeInterval(Double(step) * 10), resourceMetadata: [:])
    }

    @Test("heads that fill at the same pace are never written again: their records stay until they seal, then go", arguments: StoreKind.chunked)
    func lockstepHeadsAreNotRewritten(kind: StoreKind) async throws {
        // Every head seals at the eighth sample here, so the first heads are not cut short (SealSpreadTests).
        var options = ChunkStoreTests.small
        options.firstSealSpread = 0
        let (store, _, cleanup) = try await kind.makeChunked(options)
        defer { Task { await cleanup() } }
        // 50 series, one sample each per batch: a record is about 1,000 bytes, so the 4,000-byte threshold
        // passes at the fifth batch while every head still needs every record.
        var written: [Int64] = []
        for step in 0..<7 {
            let batch = IngestBatch(
                origin: BatchOrigin(agent: "a", host: "h", sequence: UInt64(step)),
                samples: (0..<50).map { WALCheckpointTests.sample("vm-\($0)", step, volume: Double(step)) })
            _ = try await store.commit(batch)
            written.append(await store.walRecords.last!.id)
            let report = try await store.maintain(at: ConformanceData.t0.addingTimeInterval(Double(step) * 10), sealAll: false)
            #expect(!report.checkpointed, "\(kind): batch \(step) checkpointed heads that need every record")
        }
        #expect(await store.walRecords.map(\.id) == written, "\(kind): the records are the batches' own, none rewritten")
        // The eighth sample seals every head in its commit; the next pass drops every record without writing one.
        _ = try await store.commit(IngestBatch(
            origin: BatchOrigin(agent: "a", host: "h", sequence: 7),
            samples: (0..<50).map { WALCheckpointTests.sample("vm-\($0)", 7, volume: 7) }))
        let report = try await store.maintain(at: ConformanceData.t0.addingTimeInterval(70), sealAll: false)
        #expect(report.checkpointed && report.sealedChunks == 0)
        #expect(await store.walRecords.isEmpty)
        #expect(try await store.stats().walBytes == 0)
    }

    @Test("a slow series pinning old records has its head rewritten once, and a restart replays it exactly once", arguments: StoreKind.chunked)
    func stragglerIsRewrittenAndReplayedOnce(kind: StoreKind) async throws {
        let (store, reopen, cleanup) = try await kind.makeChunked(ChunkStoreTests.small)
        defer { Task { await cleanup() } }
        let reference = MemoryStorage()
        var sequence: UInt64 = 0
        func feed(_ samples: [Sample]) async throws {
            let batch = IngestBatch(origin: BatchOrigin(agent: "a", host: "h", sequence: sequence), samples: samples)
            sequence += 1
            _ = try await store.commit(batch)
            _ = try await reference.commit(batch)
        }
        try await feed([WALCheckpointTests.sample("slow", 0, volume: -1)])
        var rewrote = false
        for step in 0..<40 {
            var samples = (0..<20).map { WALCheckpointTests.sample("fast-\($0)", step, volume: Double(step)) }
            // The slow series' second sample lands in a record the checkpoint keeps: replay must not count it twice.
            if step == 30 { samples.append(WALCheckpointTests.sample("slow", 30, volume: -2)) }
            try await feed(samples)
            let report = try await store.maintain(at: ConformanceData.t0.addingTimeInterval(Double(step) * 10), sealAll: false)
            rewrote = rewrote || (report.checkpointed && step > 30)
        }
        let records = await store.walRecords
        #expect(rewrote, "\(kind): no checkpoint after the slow series' second sample")
        #expect(records.first!.id > 1, "\(kind): the slow series still pins the first record")
        let bytes = await store.walBytes
        #expect(bytes < 8_000, "\(kind): \(bytes) bytes of records kept for one slow head and 20 fast ones")
        try await ChunkStoreTests.expectSame(store, as: reference, "\(kind) after the checkpoint")
        try await ChunkStoreTests.expectSame(try await reopen(), as: reference, "\(kind) replayed after the checkpoint")
    }

    @Test("a checkpoint record's version says it replaces heads, and it survives a round trip")
    func checkpointRecordVersion() throws {
        let entries = [WALRecord.Entry(series: 2, time: 10, value: 1.5, receivedAt: 12)]
        let plain = WALRecord(entries: entries).encoded()
        let checkpoint = WALRecord(entries: entries, replacesHeads: true).encoded()
        #expect(plain.first == 2 && checkpoint.first == 3)
        #expect(try WALRecord(decoding: checkpoint).replacesHeads)
        #expect(try !WALRecord(decoding: plain).replacesHeads)
        #expect(try WALRecord(decoding: checkpoint).entries == entries)
    }
}
