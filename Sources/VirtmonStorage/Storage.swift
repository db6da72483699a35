import Foundation
import VirtmonModel

/// Commits batches. Implementations must make a batch durable before returning and store all of it or none;
/// a batch whose origin (agent, sequence) was stored before returns `.duplicate` and writes nothing.
public protocol SampleWriter: Sendable {
    func commit(_ batch: IngestBatch) async throws -> CommitResult
}

/// Answers queries. Implementations must agree with `MemoryStorage`, the reference: the conformance suite
/// runs the same cases against every store.
public protocol SampleReader: Sendable {
    /// Samples matching every filter, newest first.
    func samples(_ query: SampleQuery) async throws -> [StoredSample]
    /// One record per (meter, resource) with the latest sample's ids; filters on meter, resource_id,
    /// project_id, user_id, source, type, unit and resource_metadata (the resource's latest).
    func meters(_ filters: [QueryFilter]) async throws -> [MeterRecord]
    /// Resources; filters on resource_id, project_id, user_id, source, meter, resource_metadata (latest) and
    /// timestamp (ge/gt against the last sample, le/lt against the first).
    func resources(_ filters: [QueryFilter]) async throws -> [ResourceRecord]
    func statistics(_ query: StatisticsQuery) async throws -> [StatisticsRow]
    func events(_ query: EventQuery) async throws -> [Event]
    func hosts() async throws -> [HostRecord]
}

/// A complete store: writing, reading, alarms, retention and shutdown.
public protocol Storage: SampleWriter, SampleReader, AlarmStore {
    /// Deletes samples whose timestamp is before `cutoff` and events older than it; returns how many samples.
    func deleteSamples(before cutoff: Date) async throws -> Int
    /// Housekeeping the collector runs every minute (sealing, compaction, rollup expiry).
    func maintain() async throws -> MaintenanceReport
    /// Counts and sizes for /metrics and `virtmon storage stats`.
    func stats() async throws -> StorageStats
    /// Leaves the store compact for a clean stop, just before `close` (the chunk engine's write-ahead records).
    func checkpointForStop() async throws -> MaintenanceReport
    /// Takes in what other collectors sharing the database wrote, so that queries here see it; answers
    /// whether there was anything. Stores no one else writes have nothing to do.
    func followPeers() async throws -> Bool
    /// Releases connections; the store is not used afterwards.
    func close() async
}

extension Storage {
    /// Stores without housekeeping do nothing.
    public func maintain() async throws -> MaintenanceReport { MaintenanceReport() }
    public func checkpointForStop() async throws -> MaintenanceReport { MaintenanceReport() }
    public func followPeers() async throws -> Bool { false }
}
