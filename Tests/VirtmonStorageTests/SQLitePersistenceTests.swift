import Foundation
import Testing
import VirtmonModel
import VirtmonStorage
import VirtmonStorageSQLite

@Suite("SQLite file")
struct SQLitePersistenceTests {
    @Test("data survives closing and reopening the file, and a duplicate stays a duplicate")
    func reopen() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-reopen-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("nested/virtmon.db").path
        do {
            let store = try await SQLiteChunkBackend.open(path: path)
            try await ConformanceData.load(into: store)
        }
        let reopened = try await SQLiteChunkBackend.open(path: path)
        #expect(try await reopened.samples(SampleQuery()).count == 40)
        let again = try await reopened.commit(IngestBatch(
            origin: BatchOrigin(agent: "agent-1", host: "h1", sequence: 1), samples: ConformanceData.samples()))
        #expect(again == .duplicate)
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test("a file that is not a database is refused with SQLite's reason")
    func notADatabase() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-garbage-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        await #expect(throws: SQLiteError.self) { try await SQLiteChunkBackend(path: path) }
        do {
            _ = try await SQLiteChunkBackend(path: path)
        } catch let error as SQLiteError {
            #expect(error.description.contains("not a database"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
