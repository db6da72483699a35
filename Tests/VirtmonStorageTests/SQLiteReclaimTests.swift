import Foundation
import Testing
import VirtmonModel
import VirtmonStorage
@testable import VirtmonStorageSQLite

/// Free pages go back to the file system: bytes on disk (the database file and SQLite's -wal file, as `du`
/// counts them), not pages in use.
@Suite("SQLite space")
struct SQLiteReclaimTests {
    static func bytesOnDisk(_ directory: URL) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)[.size] as? Int) ?? 0)
        }
    }

    static func freshDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-reclaim-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// 200 batches of 250 series: about 600 KB of write-ahead records, which sealing every head frees.
    static func fill(_ store: ChunkStore) async throws {
        // 250 series × 200 steps of a constant fraction each: records of about 12 bytes a sample, chunks of a
        // few bits a sample, so sealing them frees far more than it writes.
        for step in 0..<200 {
            let samples = (0..<250).map { index in
                Sample(name: "cpu_util", type: .gauge, unit: "%", volume: Double(index % 97) + 0.25, userID: "u", projectID: "p",
                       resourceID: "vm-\(index)", timestamp: ConformanceData.t0.addingTimeInterval(Double(step) * 10), resourceMetadata: [:])
            }
            _ = try await store.commit(IngestBatch(origin: BatchOrigin(agent: "a", host: "h", sequence: UInt64(step)), samples: samples))
        }
    }

    @Test("sealing everything frees the write-ahead records' pages, and the file shrinks by them")
    func freedPagesLeaveTheFile() async throws {
        let directory = try SQLiteReclaimTests.freshDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = ChunkStoreOptions()
        options.chunkSamples = 1_000
        let store = try await SQLiteChunkBackend.open(path: directory.appendingPathComponent("virtmon.db").path, options: options)
        try await SQLiteReclaimTests.fill(store)
        _ = try await store.maintain(at: Date(), sealAll: false)
        let full = SQLiteReclaimTests.bytesOnDisk(directory)
        let report = try await store.maintain(at: Date(), sealAll: true)
        let after = SQLiteReclaimTests.bytesOnDisk(directory)
        print("SQLite space: \(full) bytes with 50,000 samples in write-ahead records, \(after) after sealing them (\(report.reclaimedBytes) released)")
        #expect(report.reclaimedBytes > 300_000, "released \(report.reclaimedBytes) bytes")
        #expect(after < full / 2, "\(full) → \(after) bytes on disk")
        #expect(try await store.samples(SampleQuery(limit: 100_000)).count == 50_000)
    }

    @Test("a database made without incremental auto-vacuum is rebuilt with it by a full reclaim, data intact")
    func olderDatabaseIsRebuilt() async throws {
        let directory = try SQLiteReclaimTests.freshDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("virtmon.db").path
        do {
            // A table before the store's first migration keeps the file at auto_vacuum=NONE, as older releases made it.
            let connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA auto_vacuum=NONE; CREATE TABLE made_by_an_older_release(x);")
        }
        var options = ChunkStoreOptions()
        options.chunkSamples = 1_000
        let store = try await SQLiteChunkBackend.open(path: path, options: options)
        try await SQLiteReclaimTests.fill(store)
        func mode() throws -> Int64 {
            var value: Int64 = -1
            try SQLiteConnection(path: path).query("PRAGMA auto_vacuum") { value = $0.int64(0) }
            return value
        }
        #expect(try mode() == 0)
        let regular = try await store.maintain(at: Date(), sealAll: false)
        let modeAfterPass = try mode()
        #expect(regular.reclaimedBytes == 0 && modeAfterPass == 0, "a maintenance pass rebuilt the whole file")
        let report = try await store.maintain(at: Date(), sealAll: true)
        #expect(report.reclaimedBytes > 300_000, "released \(report.reclaimedBytes) bytes")
        #expect(try mode() == 2)
        #expect(try await store.samples(SampleQuery(limit: 100_000)).count == 50_000)
    }

    @Test("a clean stop drops the write-ahead records of sealed heads and hands their pages back; open heads replay")
    func stopLeavesNoSealedRecords() async throws {
        let directory = try SQLiteReclaimTests.freshDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("virtmon.db").path
        var options = ChunkStoreOptions()
        options.chunkSamples = 150
        let store = try await SQLiteChunkBackend.open(path: path, options: options)
        // 200 steps: every series sealed one chunk of 150 in a commit, and 50 samples are still open.
        try await SQLiteReclaimTests.fill(store)
        let before = SQLiteReclaimTests.bytesOnDisk(directory)
        let recordsBefore = try await store.stats().walBytes
        let report = try await store.checkpointForStop()
        await store.close()
        let after = SQLiteReclaimTests.bytesOnDisk(directory)
        print("SQLite space at a stop: \(before) bytes with \(recordsBefore) of records → \(after) (\(report.reclaimedBytes) released)")
        #expect(report.reclaimedBytes > 0 && after < before / 2, "\(before) → \(after) bytes on disk")
        let reopened = try await SQLiteChunkBackend.open(path: path, options: options)
        let recordsAfter = try await reopened.stats().walBytes
        #expect(recordsAfter > 0 && recordsAfter < recordsBefore / 3, "records of the 50 open samples a series stay: \(recordsBefore) → \(recordsAfter) bytes")
        #expect(try await reopened.samples(SampleQuery(limit: 100_000)).count == 50_000)
        #expect(try await reopened.stats().headSamples == 250 * 50)
    }
}
