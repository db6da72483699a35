import Foundation
import PostgresNIO
import Testing
import VirtmonStorage
import VirtmonStoragePostgres

/// A statement the server refuses reaches the caller as what virtmon was doing, the server's own message and
/// its SQLSTATE, never postgres-nio's fixed placeholder text.
@Suite("PostgreSQL errors in words")
struct PostgresErrorTests {
    @Test("a commit the server refuses names the purpose, the server's message and the SQLSTATE",
          .enabled(if: StoreKind.postgresURL != nil, "VIRTMON_TEST_POSTGRES_URL is not set (bash scripts/test.sh starts a server and sets it)"))
    func refusedCommit() async throws {
        let url = try await StoreKind.freshPostgresDatabase()
        let store = try await PostgresChunkBackend.open(url: url)
        let samples = ConformanceData.samples()
        _ = try await store.commit(IngestBatch(origin: BatchOrigin(agent: "a", host: "h", sequence: 1), samples: Array(samples.prefix(5))))
        // Someone drops a table under the running collector.
        let admin = PostgresClient(configuration: try PostgresConnectionSettings.configuration(from: url))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await admin.run() }
            try await admin.query("DROP TABLE batches")
            group.cancelAll()
        }
        do {
            _ = try await store.commit(IngestBatch(origin: BatchOrigin(agent: "a", host: "h", sequence: 2), samples: Array(samples.dropFirst(5).prefix(5))))
            Issue.record("a commit into a dropped table succeeded")
        } catch {
            let text = "\(error)"
            print("refused commit: \(text)")
            #expect(text.contains("committing a batch"), "\(text)")
            #expect(text.contains("relation \"batches\" does not exist"), "\(text)")
            #expect(text.contains("SQLSTATE 42P01"), "\(text)")
            #expect(!text.contains("Generic description"), "\(text)")
            #expect(!text.contains("password"), "\(text)")
        }
        await store.close()
    }
}
