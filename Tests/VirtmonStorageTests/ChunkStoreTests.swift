import Foundation
import Testing
import VirtmonModel
import VirtmonStorage
@testable import VirtmonStorageSQLite

/// The engine's own behaviour on both backends: sealing, compaction, rollups, restart and migration, each
/// checked against the in-memory reference.
@Suite("Chunk engine")
struct ChunkStoreTests {
    /// Tiny chunks so that a few hundred samples seal, compact and roll up many times.
    static var small: ChunkStoreOptions {
        var options = ChunkStoreOptions()
        options.chunkSamples = 8
        options.compactFanIn = 2
        options.maxChunkSamples = 64
        options.checkpointBytes = 4_000
        return options
    }

    static func randomSamples(_ count: Int, seed: UInt64) -> [Sample] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { index in
            let resource = "vm-\(Int.random(in: 0..<5, using: &generator))"
            return Sample(
                name: index % 4 == 0 ? "memory.usage" : "cpu_util", type: .gauge, unit: "%",
                volume: index % 3 == 0 ? Double(Int.random(in: 0...4096, using: &generator)) : Double.random(in: -50...5000, using: &generator),
                userID: "u1", projectID: "p\(resource.last!.wholeNumberValue! % 2)", resourceID: resource,
                timestamp: ConformanceData.t0.addingTimeInterval(Double(Int.random(in: 0..<(6 * 3600 * 1000), using: &generator)) / 1000),
                resourceMetadata: ["rack": .string("r\(resource.last!.wholeNumberValue! % 3)")])
        }
    }

    static let queries: [StatisticsQuery] = [
        StatisticsQuery(meter: "cpu_util", period: 600, groupBy: [.resourceID]),
        StatisticsQuery(meter: "cpu_util", filters: [QueryFilter(.timestamp, .ge, .date(ConformanceData.t0))], period: 3600, groupBy: [.projectID, .metadata("rack")], aggregates: [Aggregate(.cardinality, parameter: .resourceID)]),
        StatisticsQuery(meter: "cpu_util", filters: [QueryFilter(.timestamp, .ge, .date(ConformanceData.t0.addingTimeInterval(1800))), QueryFilter(.timestamp, .lt, .date(ConformanceData.t0.addingTimeInterval(14400)))], period: 300),
        StatisticsQuery(meter: "memory.usage", filters: [QueryFilter(.timestamp, .ge, .date(ConformanceData.t0.addingTimeInterval(60)))], period: 120),
        StatisticsQuery(meter: "memory.usage", filters: [QueryFilter(.timestamp, .gt, .date(ConformanceData.t0.addingTimeInterval(61.5))), QueryFilter(.volume, .lt, .number(3000))], period: 700),
        StatisticsQuery(meter: "cpu_util", filters: [QueryFilter(.timestamp, .ge, .date(ConformanceData.t0))]),
    ]

    /// Commits `samples[range]` to both stores in batches of `size`, each numbered by its first sample's index.
    static func commit(_ samples: [Sample], _ range: Range<Int>, by size: Int, to store: ChunkStore, and reference: MemoryStorage) async throws {
        for start in stride(from: range.lowerBound, to: range.upperBound, by: size) {
            let batch = IngestBatch(origin: BatchOrigin(agent: "a", host: "h", sequence: UInt64(start)), samples: Array(samples[start..<start + size]))
            _ = try await store.commit(batch)
            _ = try await reference.commit(batch)
        }
    }

    static func expectSame(_ store: any Storage, as reference: MemoryStorage, _ context: String) async throws {
        let got = try await store.samples(SampleQuery())
        let want = try await reference.samples(SampleQuery())
        #expect(got.count == want.count, "\(context): sample count")
        let strip = { (stored: StoredSample) -> String in "\(stored.sample.name) \(stored.sample.resourceID) \(stored.sample.timestamp.timeIntervalSince1970) \(stored.sample.volume.bitPattern) \(stored.sample.projectID ?? "-") \(stored.sample.resourceMetadata)" }
        #expect(got.map(strip).sorted() == want.map(strip).sorted(), "\(context): samples")
        for query in queries {
            let actual = try await store.statistics(query)
            let expected = try await reference.statistics(query)
            #expect(actual.count == expected.count, "\(context): \(query)")
            for (a, e) in zip(actual, expected) {
                #expect(a.groupBy == e.groupBy && a.periodStart == e.periodStart && a.count == e.count, "\(context)")
                #expect(a.min == e.min && a.max == e.max && a.durationStart == e.durationStart && a.durationEnd == e.durationEnd, "\(context)")
                #expect(abs(a.sum - e.sum) <= 1e-9 * max(1, abs(e.sum)), "\(context): sum")
                #expect(abs(a.stddev - e.stddev) <= 1e-6 * max(1, e.stddev), "\(context): stddev \(a.stddev) vs \(e.stddev)")
                #expect(a.cardinality == e.cardinality, "\(context)")
            }
        }
    }

    @Test("sealed, compacted and reopened data answer as the reference does", arguments: StoreKind.chunked)
    func sealCompactReopen(kind: StoreKind) async throws {
        let (store, reopen, cleanup) = try await kind.makeChunked(ChunkStoreTests.small)
        defer { Task { await cleanup() } }
        let samples = ChunkStoreTests.randomSamples(800, seed: 42)
        let reference = MemoryStorage()
        try await ChunkStoreTests.commit(samples, 0..<samples.count, by: 40, to: store, and: reference)
        try await ChunkStoreTests.expectSame(store, as: reference, "\(kind) heads and chunks sealed on commit")

        // Restart with open heads: the write-ahead records bring them back, none twice.
        let reopened = try await reopen()
        try await ChunkStoreTests.expectSame(reopened, as: reference, "\(kind) reopened")

        var report = try await reopened.maintain(at: Date(), sealAll: true)
        #expect(report.sealedChunks > 0 && report.checkpointed)
        for _ in 0..<6 where report.compactedChunks > 0 || report.sealedChunks > 0 {
            report = try await reopened.maintain(at: Date(), sealAll: false)
        }
        #expect(try await reopened.stats().headSamples == 0)
        try await ChunkStoreTests.expectSame(reopened, as: reference, "\(kind) all sealed and compacted")

        let again = try await reopen()
        try await ChunkStoreTests.expectSame(again, as: reference, "\(kind) reopened after compaction")
        // Samples keep their ids across sealing and compaction.
        let byID = try await again.samples(SampleQuery(filters: [QueryFilter(.resourceID, .eq, .string("vm-3"))], limit: 3))
        for stored in byID {
            let found = try await again.samples(SampleQuery(filters: [QueryFilter(.messageID, .eq, .string(stored.sample.messageID))]))
            #expect(found.map(\.sample) == [stored.sample])
        }
    }

    @Test("a stop merges what maintenance would, deletes superseded rows and still answers as the reference does", arguments: StoreKind.chunked)
    func stopCompacts(kind: StoreKind) async throws {
        let (store, reopen, cleanup) = try await kind.makeChunked(ChunkStoreTests.small)
        defer { Task { await cleanup() } }
        let samples = ChunkStoreTests.randomSamples(800, seed: 21)
        let reference = MemoryStorage()
        try await ChunkStoreTests.commit(samples, 0..<samples.count, by: 40, to: store, and: reference)
        let before = try await store.stats()
        let report = try await store.checkpointForStop()
        let after = try await store.stats()
        #expect(report.compactedChunks > 0 && after.chunks < before.chunks, "\(kind): \(before.chunks) chunks → \(after.chunks)")
        // Heads spanning more than 2 h are sealed too, as a maintenance pass seals them; nothing is counted twice.
        #expect(after.chunkSamples + after.headSamples == before.chunkSamples + before.headSamples)
        try await ChunkStoreTests.expectSame(store, as: reference, "\(kind) after the stop")
        try await ChunkStoreTests.expectSame(try await reopen(), as: reference, "\(kind) reopened after the stop")
    }

    @Test("after a checkpoint that left no write-ahead record, a restart still replays the records written next", arguments: StoreKind.chunked)
    func replayAfterEmptyCheckpoint(kind: StoreKind) async throws {
        let (store, reopen, cleanup) = try await kind.makeChunked(ChunkStoreTests.small)
        defer { Task { await cleanup() } }
        let samples = ChunkStoreTests.randomSamples(400, seed: 11)
        let reference = MemoryStorage()
        func feed(_ store: ChunkStore, _ range: Range<Int>) async throws {
            try await ChunkStoreTests.commit(samples, range, by: 20, to: store, and: reference)
        }
        try await feed(store, 0..<200)
        let report = try await store.maintain(at: Date(), sealAll: true)
        let walBytes = try await store.stats().walBytes
        #expect(report.checkpointed && walBytes == 0, "\(kind): the checkpoint left records")
        // A clean restart over an empty write-ahead log, then batches that stay in heads, then a crash.
        let restarted = try await reopen()
        try await feed(restarted, 200..<400)
        try await ChunkStoreTests.expectSame(try await reopen(), as: reference, "\(kind) replayed after an empty checkpoint")
    }

    @Test("rollups answer aligned statistics after the raw samples have expired", arguments: StoreKind.chunked)
    func rollupsOutliveRaw(kind: StoreKind) async throws {
        let (store, _, cleanup) = try await kind.makeChunked(ChunkStoreTests.small)
        defer { Task { await cleanup() } }
        let samples = ChunkStoreTests.randomSamples(400, seed: 9)
        _ = try await store.commit(IngestBatch(samples: samples))
        _ = try await store.maintain(at: Date(), sealAll: true)
        let aligned = StatisticsQuery(
            meter: "cpu_util", filters: [QueryFilter(.timestamp, .ge, .date(ConformanceData.t0)), QueryFilter(.timestamp, .lt, .date(ConformanceData.t0.addingTimeInterval(6 * 3600)))],
            period: 3600)
        let before = try await store.statistics(aligned)
        let cutoff = ConformanceData.t0.addingTimeInterval(3 * 3600 + 17)
        let deleted = try await store.deleteSamples(before: cutoff)
        #expect(deleted == samples.filter { $0.timestamp < cutoff }.count)
        #expect(try await store.samples(SampleQuery()).count == samples.count - deleted)
        // Hourly buckets still count every sample; an unaligned query sees only what is left.
        #expect(try await store.statistics(aligned).map(\.count) == before.map(\.count))
        let unaligned = StatisticsQuery(meter: "cpu_util", filters: [QueryFilter(.timestamp, .ge, .date(ConformanceData.t0.addingTimeInterval(1)))])
        #expect(try await store.statistics(unaligned).first?.count == samples.filter { $0.name == "cpu_util" && $0.timestamp >= cutoff }.count)
    }

    @Test("an upper bound off the rollup's boundaries: whole buckets from the rollup, the rest from the chunks, as the reference answers", arguments: StoreKind.chunked)
    func rollupUpToAnEdge(kind: StoreKind) async throws {
        let (store, _, cleanup) = try await kind.makeChunked(ChunkStoreTests.small)
        defer { Task { await cleanup() } }
        let samples = ChunkStoreTests.randomSamples(400, seed: 13)
        let reference = MemoryStorage()
        _ = try await store.commit(IngestBatch(samples: samples))
        _ = try await reference.commit(IngestBatch(samples: samples))
        _ = try await store.maintain(at: Date(), sealAll: true)
        let upper = ConformanceData.t0.addingTimeInterval(5 * 3600 + 1_234.5)
        let query = StatisticsQuery(
            meter: "cpu_util", filters: [QueryFilter(.timestamp, .ge, .date(ConformanceData.t0)), QueryFilter(.timestamp, .lt, .date(upper))],
            period: 3600, groupBy: [.resourceID])
        let rows = try await store.statistics(query)
        let expected = try await reference.statistics(query)
        #expect(rows.map(\.count) == expected.map(\.count) && rows.map(\.groupBy) == expected.map(\.groupBy))
        #expect(rows.map(\.periodStart) == expected.map(\.periodStart) && rows.map(\.max) == expected.map(\.max))
        for (row, want) in zip(rows, expected) { #expect(abs(row.sum - want.sum) <= 1e-9 * max(1, abs(want.sum))) }
        #expect(rows.contains { $0.periodStart == ConformanceData.t0.addingTimeInterval(5 * 3600) && $0.count > 0 })
        // With the raw samples of the first hours gone, the whole hours still count them (the rollup answers)
        // and the last, partial hour is counted from the chunks.
        _ = try await store.deleteSamples(before: ConformanceData.t0.addingTimeInterval(3 * 3600 + 17))
        #expect(try await store.statistics(query).map(\.count) == rows.map(\.count))
    }

    @Test("a database of the row schema is moved into chunks when opened")
    func migratesRowSchema() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("virtmon.db").path
        let samples = ChunkStoreTests.randomSamples(700, seed: 5)
        do {
            // Exactly what the previous release wrote: schema 1 and one row per sample.
            let connection = try SQLiteConnection(path: path)
            try connection.execute(SQLiteSchema.migrations[0])
            try connection.execute("PRAGMA user_version = 1")
            try connection.execute("BEGIN")
            for sample in samples {
                try connection.query(
                    "INSERT INTO samples(\(SQLStatements.sampleColumns)) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
                    SQLStatements.sampleValues(sample, receivedAt: 1_795_200_000_000_000))
            }
            try connection.execute("COMMIT")
        }
        let reference = MemoryStorage()
        _ = try await reference.commit(IngestBatch(samples: samples))
        let store = try await SQLiteChunkBackend.open(path: path, options: ChunkStoreTests.small)
        try await ChunkStoreTests.expectSame(store, as: reference, "migrated")
        #expect(try await store.resources([]).map(\.resourceID) == ["vm-0", "vm-1", "vm-2", "vm-3", "vm-4"])
        let check = try SQLiteConnection(path: path)
        var tables: [String] = []
        try check.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") { tables.append($0.optionalText(0) ?? "") }
        #expect(!tables.contains("samples") && tables.contains("chunks"))
        var version: Int64 = 0
        try check.query("PRAGMA user_version") { version = $0.int64(0) }
        #expect(version == Int64(SQLiteSchema.migrations.count))
    }
}
