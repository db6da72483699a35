import Foundation
import Logging
import PostgresNIO
import VirtmonStorage
import VirtmonStoragePostgres
import VirtmonStorageSQLite

/// The stores the conformance suite runs against. PostgreSQL runs on the server scripts/test.sh starts and
/// names in VIRTMON_TEST_POSTGRES_URL; each test gets a database of its own.
enum StoreKind: String, CaseIterable, CustomStringConvertible {
    /// The reference store; the chunk engine over memory (same engine, no database); SQLite; PostgreSQL.
    case memory, chunkMemory, sqlite, postgres

    var description: String { rawValue }

    static var postgresURL: String? { ProcessInfo.processInfo.environment["VIRTMON_TEST_POSTGRES_URL"] }

    /// The kinds that can run here; PostgreSQL is missing only when no server was started, which is loud.
    static var available: [StoreKind] {
        if postgresURL == nil {
            print("⚠️  SKIPPING the PostgreSQL store: VIRTMON_TEST_POSTGRES_URL is not set (bash scripts/test.sh starts a server and sets it)")
            return [.memory, .chunkMemory, .sqlite]
        }
        return allCases
    }

    /// The stores built on the chunk engine.
    static var chunked: [StoreKind] { available.filter { $0 != .memory } }

    /// A fresh chunk engine over this backend, a way to open it again over the same data, and cleanup.
    func makeChunked(_ options: ChunkStoreOptions) async throws -> (store: ChunkStore, reopen: @Sendable () async throws -> ChunkStore, cleanup: @Sendable () async -> Void) {
        switch self {
        case .memory:
            fatalError("the memory store has no chunks")
        case .chunkMemory:
            // Reopening keeps the same backend, as reopening a file keeps its tables.
            let backend = MemoryChunkBackend()
            return (try await ChunkStore(backend: backend, options: options), { try await ChunkStore(backend: backend, options: options) }, {})
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-store-\(UUID().uuidString)")
            let path = directory.appendingPathComponent("virtmon.db").path
            return (try await SQLiteChunkBackend.open(path: path, options: options), { try await SQLiteChunkBackend.open(path: path, options: options) },
                    { try? FileManager.default.removeItem(at: directory) })
        case .postgres:
            let url = try await StoreKind.freshPostgresDatabase()
            return (try await PostgresChunkBackend.open(url: url, options: options), { try await PostgresChunkBackend.open(url: url, options: options) }, {})
        }
    }

    /// A fresh, empty store and what removes it afterwards.
    func make() async throws -> (store: any Storage, cleanup: @Sendable () async -> Void) {
        switch self {
        case .memory:
            return (MemoryStorage(), {})
        case .chunkMemory:
            return (try await ChunkStore(backend: MemoryChunkBackend()), {})
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-store-\(UUID().uuidString)")
            let store = try await SQLiteChunkBackend.open(path: directory.appendingPathComponent("virtmon.db").path)
            return (store, { try? FileManager.default.removeItem(at: directory) })
        case .postgres:
            let url = try await StoreKind.freshPostgresDatabase()
            let store = try await PostgresChunkBackend.open(url: url)
            return (store, { await store.close() })
        }
    }

    /// Creates `virtmon_test_<random>` on the test server and returns its URL.
    static func freshPostgresDatabase() async throws -> String {
        guard let base = postgresURL, var components = URLComponents(string: base) else {
            throw StorageURLError(url: "", reason: "VIRTMON_TEST_POSTGRES_URL is not set")
        }
        let name = "virtmon_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        let client = PostgresClient(configuration: try PostgresConnectionSettings.configuration(from: base))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
            group.cancelAll()
        }
        components.path = "/\(name)"
        return components.string!
    }
}

extension StoreKind {
    /// A fresh chunk backend of this kind, without an engine over it, and cleanup.
    func makeBackend() async throws -> (backend: any ChunkBackend, cleanup: @Sendable () async -> Void) {
        switch self {
        case .memory:
            fatalError("the memory store has no chunk backend")
        case .chunkMemory:
            return (MemoryChunkBackend(), {})
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let backend = try await SQLiteChunkBackend(path: directory.appendingPathComponent("virtmon.db").path)
            return (backend, { await backend.close(); try? FileManager.default.removeItem(at: directory) })
        case .postgres:
            let backend = try await PostgresChunkBackend(url: try await StoreKind.freshPostgresDatabase())
            return (backend, { await backend.close() })
        }
    }
}
