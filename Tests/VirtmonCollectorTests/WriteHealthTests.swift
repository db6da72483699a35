import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing
import VirtmonAPI
import VirtmonCollector
import VirtmonModel
import VirtmonStorage

/// A store whose commits fail while told to, in front of the reference store: fault injection for what a
/// full disk or a lost database does to the write path.
final class FailingWrites: Storage {
    let inner = MemoryStorage()
    let failing = Mutex(false)
    /// Commits holding a sample of this meter fail (a message the store can never take).
    let failingMeter = Mutex<String?>(nil)

    func commit(_ batch: IngestBatch) async throws -> CommitResult {
        if failing.withLock({ $0 }) { throw SQLiteLikeError(message: "disk I/O error (database or disk is full)") }
        if let meter = failingMeter.withLock({ $0 }), batch.samples.contains(where: { $0.name == meter }) {
            throw SQLiteLikeError(message: "value too long for type character varying(255)")
        }
        return try await inner.commit(batch)
    }
    func samples(_ query: SampleQuery) async throws -> [StoredSample] { try await inner.samples(query) }
    func meters(_ filters: [QueryFilter]) async throws -> [MeterRecord] { try await inner.meters(filters) }
    func resources(_ filters: [QueryFilter]) async throws -> [ResourceRecord] { try await inner.resources(filters) }
    func statistics(_ query: StatisticsQuery) async throws -> [StatisticsRow] { try await inner.statistics(query) }
    func events(_ query: EventQuery) async throws -> [Event] { try await inner.events(query) }
    func hosts() async throws -> [HostRecord] { try await inner.hosts() }
    func stats() async throws -> StorageStats { try await inner.stats() }
    func alarms(project: String?) async throws -> [Alarm] { try await inner.alarms(project: project) }
    func alarm(id: String) async throws -> Alarm? { try await inner.alarm(id: id) }
    func saveAlarm(_ alarm: Alarm, changes: [AlarmChange], outbox: [OutboxEntry]) async throws {
        try await inner.saveAlarm(alarm, changes: changes, outbox: outbox)
    }
    func outbox(limit: Int) async throws -> [OutboxEntry] { try await inner.outbox(limit: limit) }
    func removeFromOutbox(id: String) async throws { try await inner.removeFromOutbox(id: id) }
    func deleteAlarm(id: String, change: AlarmChange) async throws -> Bool { try await inner.deleteAlarm(id: id, change: change) }
    func alarmHistory(alarmID: String?, project: String?, limit: Int) async throws -> [AlarmChange] {
        try await inner.alarmHistory(alarmID: alarmID, project: project, limit: limit)
    }
    func deleteSamples(before cutoff: Date) async throws -> Int { try await inner.deleteSamples(before: cutoff) }
    func close() async {}

    struct SQLiteLikeError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

@Suite("Write health")
struct WriteHealthTests {
    @Test("/healthz answers 503 with the reason while writes fail, and 200 again after the next stored write")
    func healthFollowsWrites() async throws {
        let storage = FailingWrites()
        var logger = Logger(label: "test.health")
        logger.logLevel = .critical
        let ingestor = Ingestor(storage: storage, secret: "", logger: logger)
        let environment = APIEnvironment(storage: storage, ingestor: ingestor, tokens: TokenTable(adminToken: "a"), logger: logger)
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = try APIServer.application(environment, host: "127.0.0.1", port: 0) { continuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
        let task = Task { try await group.run() }
        defer { Task { await group.triggerGracefulShutdown(); _ = try? await task.value } }
        var ports = stream.makeAsyncIterator()
        let port = try #require(await ports.next())

        func get(_ path: String) async throws -> (Int, String) {
            let response = try await CollectorHarness.http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), String(buffer: body))
        }
        func postBatch(_ seq: UInt64) async throws -> Int {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/batches")
            request.method = .POST
            request.body = .bytes(ByteBuffer(data: TestBatches.make(seq: seq).encoded()))
            return Int(try await CollectorHarness.http.execute(request, timeout: .seconds(10)).status.code)
        }

        #expect(try await postBatch(1) == 200)
        #expect(try await get("/healthz").0 == 200)
        storage.failing.withLock { $0 = true }
        #expect(try await postBatch(2) == 503)
        let (status, text) = try await get("/healthz")
        #expect(status == 503 && text.contains("writes failing") && text.contains("disk is full"), "\(text)")
        #expect(try await get("/metrics").1.contains("virtmon_collector_writes_failing 1"))
        storage.failing.withLock { $0 = false }
        #expect(try await postBatch(2) == 200)
        #expect(try await get("/healthz").0 == 200)
    }

    @Test("repeated failures are logged at most once per 10 s per kind, with the count held back")
    func throttledLogs() {
        let throttle = LogThrottle(interval: 10)
        let start = Date(timeIntervalSince1970: 1_000_000)
        #expect(throttle.shouldLog("503", now: start) == (true, 0))
        for second in 1...9 { #expect(throttle.shouldLog("503", now: start.addingTimeInterval(Double(second))).log == false) }
        #expect(throttle.shouldLog("500", now: start.addingTimeInterval(5)).log == true, "another kind has its own budget")
        #expect(throttle.shouldLog("503", now: start.addingTimeInterval(10)) == (true, 9))
    }
}
