import Foundation
import VirtmonModel
import VirtmonStorage

/// The embedded store: one SQLite file in WAL mode, a writer connection and a reader connection.
public final class SQLiteStorage: Storage {
    private let writer: SQLiteSession
    private let reader: SQLiteSession
    /// Where the database file is.
    public let path: String

    /// Opens (creating and migrating as needed) the database at `path`.
    public init(path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        self.path = path
        writer = try SQLiteSession(path: path, migrate: true)
        reader = try SQLiteSession(path: path, migrate: false)
    }

    public func commit(_ batch: IngestBatch) async throws -> CommitResult { try await writer.commit(batch) }
    public func samples(_ query: SampleQuery) async throws -> [StoredSample] { try await reader.samples(query) }
    public func meters(_ filters: [QueryFilter]) async throws -> [MeterRecord] { try await reader.meters(filters) }
    public func resources(_ filters: [QueryFilter]) async throws -> [ResourceRecord] { try await reader.resources(filters) }
    public func statistics(_ query: StatisticsQuery) async throws -> [StatisticsRow] { try await reader.statistics(query) }
    public func events(_ query: EventQuery) async throws -> [Event] { try await reader.events(query) }
    public func hosts() async throws -> [HostRecord] { try await reader.hosts() }
    public func deleteSamples(before cutoff: Date) async throws -> Int { try await writer.deleteSamples(before: cutoff) }
    public func close() async {}
}
