import Synchronization
import VirtmonModel
import VirtmonStorage

/// Wraps a real backend so that chosen commits land and then report failure, as a COMMIT does when the
/// server commits and the connection drops (or the statement deadline passes) before the answer arrives.
final class LandedThenLostBackend: ChunkBackend {
    struct Lost: Error, CustomStringConvertible {
        var description: String { "the connection dropped after COMMIT was sent (injected)" }
    }

    let inner: any ChunkBackend
    /// How many of the next commits land and then fail.
    private let armed = Mutex(0)

    init(_ inner: any ChunkBackend) { self.inner = inner }

    func arm(_ commits: Int) { armed.withLock { $0 = commits } }

    func apply(_ write: ChunkWrite) async throws -> CommitResult {
        let result = try await inner.apply(write)
        let fail = armed.withLock { count -> Bool in
            guard count > 0 else { return false }
            count -= 1
            return true
        }
        if fail { throw Lost() }
        return result
    }

    func load() async throws -> ChunkBackendState { try await inner.load() }
    func chunks(series: [Int64]?, from: Int64, to: Int64, visibleThrough: Int64) async throws -> [StoredChunk] {
        try await inner.chunks(series: series, from: from, to: to, visibleThrough: visibleThrough)
    }
    func chunks(ids: [Int64]) async throws -> [StoredChunk] { try await inner.chunks(ids: ids) }
    func rollups(series: [Int64]?, resolution: Int64, from: Int64, to: Int64, visibleThrough: Int64) async throws -> [StoredRollup] {
        try await inner.rollups(series: series, resolution: resolution, from: from, to: to, visibleThrough: visibleThrough)
    }
    func rollups(chunks: [Int64]) async throws -> [StoredRollup] { try await inner.rollups(chunks: chunks) }
    func chunkCatalog(below: Int) async throws -> [ChunkInfo] { try await inner.chunkCatalog(below: below) }
    func deleteChunks(endingBefore cutoff: Int64) async throws -> Int { try await inner.deleteChunks(endingBefore: cutoff) }
    func chunks(straddling cutoff: Int64) async throws -> [StoredChunk] { try await inner.chunks(straddling: cutoff) }
    func deleteRollups(resolution: Int64, before cutoff: Int64) async throws { try await inner.deleteRollups(resolution: resolution, before: cutoff) }
    func purgeSuperseded(chunksThrough: Int64, rollupsThrough: Int64) async throws {
        try await inner.purgeSuperseded(chunksThrough: chunksThrough, rollupsThrough: rollupsThrough)
    }
    func deleteEvents(before cutoff: Int64) async throws { try await inner.deleteEvents(before: cutoff) }
    func deleteEmptySeries(_ candidates: [Int64]) async throws -> [Int64] { try await inner.deleteEmptySeries(candidates) }
    func spans() async throws -> [Int64: (first: Int64, last: Int64, walThrough: Int64)] { try await inner.spans() }
    func legacySamples(after afterID: Int64, limit: Int) async throws -> [(id: Int64, stored: StoredSample)] {
        try await inner.legacySamples(after: afterID, limit: limit)
    }
    func events(_ query: EventQuery) async throws -> [Event] { try await inner.events(query) }
    func hosts() async throws -> [HostRecord] { try await inner.hosts() }
    func stats() async throws -> StorageStats { try await inner.stats() }
    func close() async { await inner.close() }

    func alarms(project: String?) async throws -> [Alarm] { try await inner.alarms(project: project) }
    func alarm(id: String) async throws -> Alarm? { try await inner.alarm(id: id) }
    func saveAlarm(_ alarm: Alarm, changes: [AlarmChange], outbox: [OutboxEntry]) async throws {
        try await inner.saveAlarm(alarm, changes: changes, outbox: outbox)
    }
    func saveAlarm(_ alarm: Alarm, ifStill expected: Alarm, changes: [AlarmChange], outbox: [OutboxEntry]) async throws -> Bool {
        try await inner.saveAlarm(alarm, ifStill: expected, changes: changes, outbox: outbox)
    }
    func deleteAlarm(id: String, change: AlarmChange) async throws -> Bool { try await inner.deleteAlarm(id: id, change: change) }
    func alarmHistory(alarmID: String?, project: String?, limit: Int) async throws -> [AlarmChange] {
        try await inner.alarmHistory(alarmID: alarmID, project: project, limit: limit)
    }
    func outbox(limit: Int) async throws -> [OutboxEntry] { try await inner.outbox(limit: limit) }
    func removeFromOutbox(id: String) async throws { try await inner.removeFromOutbox(id: id) }
}
