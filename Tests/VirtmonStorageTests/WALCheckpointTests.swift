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
        #expect(plain.first == 4 && checkpoint.first == 5)
        #expect(try WALRecord(decoding: checkpoint).replacesHeads)
        #expect(try !WALRecord(decoding: plain).replacesHeads)
        #expect(try WALRecord(decoding: checkpoint).entries == entries)
    }

    @Test("a batch's record takes a few bytes a sample, every value keeps its bits, and version 2 and 3 records still replay")
    func compactRecords() throws {
        // One batch of an agent: 4,000 series in ascending order at one time, counters, gauges and constants.
        var entries: [WALRecord.Entry] = []
        for series in 1...4_000 {
            let value: Double = switch series % 3 {
            case 0: 1_000_000_000_000 + Double(series) * 7_919
            case 1: Double(series) / 7
            default: 4
            }
            entries.append(WALRecord.Entry(series: Int64(series), time: 1_764_000_000_000_000, value: value, receivedAt: 1_764_000_000_250_000))
        }
        let bytes = WALRecord(entries: entries).encoded()
        // Version 3 took 4,000 × 19 bytes here: time, arrival and the value whole in every entry.
        #expect(bytes.count < entries.count * 9, "\(bytes.count) bytes for \(entries.count) samples")
        #expect(try WALRecord(decoding: bytes).entries == entries)

        let edges: [Double] = [-0.0, 0, .nan, -.infinity, .infinity, 9_007_199_254_740_992, -9_007_199_254_740_991,
                               9_007_199_254_740_991, Double(Int64.min), .leastNonzeroMagnitude, -3, 0.1]
        let odd = edges.enumerated().map { WALRecord.Entry(series: Int64.max - Int64($0.offset), time: Int64.min + 5, value: $0.element, receivedAt: Int64.max) }
        let back = try WALRecord(decoding: WALRecord(entries: odd, replacesHeads: true).encoded())
        #expect(back.replacesHeads)
        #expect(back.entries.map(\.value.bitPattern) == edges.map(\.bitPattern))
        #expect(back.entries.map(\.series) == odd.map(\.series) && back.entries.map(\.time) == odd.map(\.time))

        // The layout of versions 2 (plain) and 3 (checkpoint), as earlier virtmons wrote it.
        for version: UInt8 in [2, 3] {
            var body: [UInt8] = [2]
            for entry in entries.prefix(2) {
                Varint.put(UInt64(bitPattern: entry.series), into: &body)
                Varint.put(WALRecord.zigzag(entry.time), into: &body)
                Varint.put(WALRecord.zigzag(entry.receivedAt - entry.time), into: &body)
                body += withUnsafeBytes(of: entry.value.bitPattern.littleEndian, Array.init)
            }
            let crc = CRC32.checksum(body[...])
            let old = [version] + (0..<4).map { UInt8(truncatingIfNeeded: crc >> UInt32(8 * $0)) } + body
            let record = try WALRecord(decoding: old)
            #expect(record.entries == Array(entries.prefix(2)) && record.replacesHeads == (version == 3))
        }
        #expect(throws: ChunkFormatError.self) { try WALRecord(decoding: [6, 0, 0, 0, 0, 0]) }
    }
}
