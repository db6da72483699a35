import Foundation
import Testing
import VirtmonModel
import VirtmonStorage
import VirtmonTestSupport
import VirtmonThreads
@testable import VirtmonStorageSQLite

/// A database file damaged on disk, as a failing disk or a bad copy leaves it: what is damaged is named,
/// and what is not stays readable.
@Suite("Damaged storage at start-up")
struct StorageDamageTests {
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-damage-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func batch(_ sequence: UInt64, resource: String, count: Int, from start: Double) -> IngestBatch {
        IngestBatch(origin: BatchOrigin(agent: "a", host: "h", sequence: sequence), samples: (0..<count).map { index in
            Sample(name: "cpu_util", type: .gauge, unit: "%", volume: Double(index), resourceID: resource,
                   timestamp: Date(timeIntervalSince1970: start + Double(index) * 10))
        })
    }

    /// Runs SQL on the closed file through a connection of its own (as a stray writer or a bad disk would change it).
    static func alter(_ path: String, _ sql: String) async throws {
        try await Blocking.run {
            let connection = try SQLiteConnection(path: path)
            try connection.execute(sql)
        }
    }

    @Test("a damaged and a truncated write-ahead record are skipped and named; every other record replays and writes go on")
    func damagedWriteAheadRecords() async throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/virtmon.db"
        let store = try await SQLiteChunkBackend.open(path: path)
        // Unsealed samples: each batch is one write-ahead record, replayed at the next start.
        for (index, resource) in ["vm-1", "vm-2", "vm-3", "vm-4"].enumerated() {
            _ = try await store.commit(Self.batch(UInt64(index + 1), resource: resource, count: 5, from: 1_700_000_000))
        }
        await store.close()
        // The second record gets one byte flipped inside its values, the third loses its last three bytes.
        try await Self.alter(path, """
            UPDATE wal SET data = substr(data, 1, 20) || X'5A' || substr(data, 22) WHERE id = (SELECT id FROM wal ORDER BY id LIMIT 1 OFFSET 1);
            UPDATE wal SET data = substr(data, 1, length(data) - 3) WHERE id = (SELECT id FROM wal ORDER BY id LIMIT 1 OFFSET 2);
            """)

        let reopened = try await SQLiteChunkBackend.open(path: path)
        let damaged = await reopened.damagedRecords
        #expect(damaged.count == 2, "\(damaged)")
        #expect(damaged.allSatisfy { $0.kind == "write-ahead record" && $0.reason.contains("fails its check") }, "\(damaged)")
        let resources = Set(try await reopened.samples(SampleQuery(limit: 100)).map(\.sample.resourceID))
        #expect(resources == ["vm-1", "vm-4"], "the undamaged records replay: \(resources)")
        _ = try await reopened.commit(Self.batch(5, resource: "vm-5", count: 5, from: 1_700_000_100))
        #expect(try await reopened.samples(SampleQuery(limit: 100)).count == 15)
        await reopened.close()
    }

    @Test("a damaged page is named with SQLite's check of it; the recovery script keeps every other page's samples",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3")))
    func damagedPage() async throws {
        let directory = try Self.directory()
        defer { if ProcessInfo.processInfo.environment["KEEP"] == nil { try? FileManager.default.removeItem(atPath: directory) } }
        let path = directory + "/virtmon.db"
        var options = ChunkStoreOptions()
        options.chunkSamples = 16
        let store = try await SQLiteChunkBackend.open(path: path, options: options)
        // 200 series of 64 samples, sealed: the chunks table spans many pages.
        for series in 0..<200 {
            _ = try await store.commit(Self.batch(UInt64(series + 1), resource: "vm-\(series)", count: 64, from: 1_700_000_000))
        }
        _ = try await store.maintain(at: Date(), sealAll: true)
        let stored = try await store.samples(SampleQuery(limit: 100_000)).count
        #expect(stored == 200 * 64)
        await store.close()

        // One leaf page of the chunks table overwritten with garbage.
        let pages = try await ProcessRunner.run("/usr/bin/sqlite3", [path, "SELECT pageno FROM dbstat WHERE name = 'chunks' AND pagetype = 'leaf' ORDER BY pageno"])
        let leaves = pages.stdout.split(separator: "\n").compactMap { Int($0) }
        try #require(leaves.count > 4, "chunk leaf pages: \(pages.stdout) \(pages.stderr)")
        let victim = leaves[leaves.count / 2]
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64((victim - 1) * 4096))
        handle.write(Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }))
        try handle.close()

        do {
            let damaged = try await SQLiteChunkBackend.open(path: path, options: options)
            // Opened: every read that does not touch the page answers; the one that does names the damage.
            do {
                _ = try await damaged.samples(SampleQuery(limit: 100_000))
                Issue.record("a read over the damaged page answered")
            } catch {
                Self.expectNamed(error, path: path, page: victim)
            }
            await damaged.close()
        } catch {
            Self.expectNamed(error, path: path, page: victim)
        }

        // The way out docs/operations.md gives: the readable rows copied into a new file, which opens with the rest.
        let recovered = directory + "/recovered.db"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/recover-sqlite.sh").path
        let recovery = try await ProcessRunner.run("/bin/bash", [script, path, recovered])
        #expect(recovery.status == 0, "\(recovery.stdout) \(recovery.stderr)")
        print("recovery: \(recovery.stdout)")
        let reopened = try await SQLiteChunkBackend.open(path: recovered, options: options)
        let left = try await reopened.samples(SampleQuery(limit: 100_000)).count
        print("damaged page \(victim) of \(leaves.count) chunk leaf pages: \(left) of \(stored) samples recovered")
        #expect(left > stored / 2 && left < stored, "recovered \(left) of \(stored)")
        await reopened.close()
    }

    static func expectNamed(_ error: any Error, path: String, page: Int) {
        let text = "\(error)"
        #expect(text.contains("the database file \(path) is damaged"), "\(text)")
        #expect(text.contains("SQLite's check of it: ") && text.contains("Page \(page): "), "names the damaged page: \(text)")
        print("damaged page reported as: \(text)")
    }
}
