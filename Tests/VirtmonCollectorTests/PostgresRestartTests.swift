import Foundation
import Logging
import Synchronization
import Testing
import VirtmonModel
import VirtmonPublishers
import VirtmonStorage
import VirtmonTestSupport

/// The collector's PostgreSQL restarted under HTTP ingest, as an operator's upgrade or a crash does: while it is
/// away every POST is answered 503 with PostgreSQL named, agents keep their batches spooled, and when it is back
/// the collector resumes by itself; every sample the agents produced and every batch acknowledged is stored once.
@Suite("PostgreSQL restarted under HTTP ingest", .serialized)
struct PostgresRestartTests {
    @Test("PostgreSQL restarted under three agents: 503 naming the database while it is away, the agents spool, then everything stored once")
    func restartUnderLoad() async throws {
        if let reason = ThrowawayPostgres.unavailableReason { Issue.record("SKIPPED LOUDLY: \(reason)"); return }
        try await ThrowawayPostgres.with("postgres-restart") { try await scenario($0) }
    }

    func scenario(_ server: ThrowawayPostgres) async throws {
        let collector = try await CollectorHarness { config in
            config.storage = server.url
            config.storageTimeout = .seconds(5)
        }
        var publishers: [SpoolingPublisher] = []
        var runs: [Task<Void, any Error>] = []
        var spools: [String] = []
        defer {
            for run in runs { run.cancel() }
            for spool in spools { try? FileManager.default.removeItem(atPath: spool) }
        }
        for agent in 0..<3 {
            let spool = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-pgrestart-\(agent)-\(UUID().uuidString.prefix(8))").path
            spools.append(spool)
            let settings = PublisherSettings(dataDir: spool, secret: CollectorHarness.secret, batchSize: 200,
                                             retry: RetryPolicy(initial: .milliseconds(100), maximum: .milliseconds(500)))
            let factory = PublisherFactory(settings: settings, identity: try AgentIdentity.load(dataDir: spool, host: "pg-host-\(agent)"),
                                           sequence: try SequenceAllocator(dataDir: spool), logger: Logger(label: "test.pgrestart"))
            let publisher = try #require(try factory.make("http://127.0.0.1:\(collector.httpPort)/api/v1/batches") as? SpoolingPublisher)
            publishers.append(publisher)
            runs.append(Task { try await publisher.run() })
        }
        // Each agent publishes a cycle of 100 series every 100 ms for the whole test, through the restart.
        let stop = StopFlag()
        let producers = publishers.enumerated().map { agent, publisher in
            Task { () -> Int in
                var produced = 0
                while !stop.raised.load(ordering: .relaxed) {
                    let now = Date()
                    let samples = (0..<100).map { series in
                        Sample(name: "pg.restart.meter", type: .gauge, unit: "B", volume: Double(agent * 1_000_000 + produced + series),
                               resourceID: "pg-\(agent)-\(series)", timestamp: now)
                    }
                    produced += samples.count
                    try await publisher.publish(samples: samples, events: [])
                    try await Task.sleep(for: .milliseconds(100))
                }
                return produced
            }
        }
        func stored(_ meter: String) async throws -> [Sample] {
            try await collector.runtime.storage.samples(
                SampleQuery(filters: [QueryFilter(.meter, .eq, .string(meter))], limit: 10_000_000)).map(\.sample)
        }
        try await Task.sleep(for: .seconds(3))
        let before = try await stored("pg.restart.meter").count
        #expect(before > 0, "nothing stored before the restart")

        try await server.stop()
        var direct = 0, acknowledged = 0
        var refusal: (status: Int, json: JSONValue?, text: String)?
        for _ in 0..<20 where refusal == nil {
            direct += 1
            let batch = TestBatches.make(agent: "pg-direct", seq: UInt64(direct), samples: 50, meter: "pg.restart.direct")
            let (body, signature) = TestBatches.signed(batch)
            let answer = try await collector.postBatch(body, signature: signature)
            if answer.status == 200 { acknowledged += 50 } else { refusal = answer }
            try await Task.sleep(for: .milliseconds(200))
        }
        let refused = try #require(refusal, "20 posts over 4 s were all acknowledged with PostgreSQL stopped")
        #expect(refused.status == 503, "\(refused.text)")
        #expect(refused.text.lowercased().contains("postgresql"), "the refusal names the database: \(refused.text)")
        try await Task.sleep(for: .seconds(5))
        var waiting = 0
        for publisher in publishers { waiting += await publisher.spooledBatches }
        #expect(waiting > 0, "the agents' batches were not held in their spools while PostgreSQL was away")
        let health = try await collector.request(.GET, "/healthz", token: nil)
        print("PostgreSQL away: \(acknowledged) direct samples acknowledged before the first refusal, then \(refused.status) \(refused.text.prefix(300)); agents spooled \(waiting) batches; /healthz \(health.status) \(health.text.prefix(200))")

        try await server.start()
        let restarted = ContinuousClock.now
        try await Task.sleep(for: .seconds(3))
        stop.raised.store(true, ordering: .relaxed)
        var produced = 0
        for producer in producers { produced += try await producer.value }
        try await AMQPConsumerTests.wait("every agent's spool to drain after PostgreSQL returned", seconds: 120) {
            var left = 0
            for publisher in publishers { left += await publisher.spooledBatches }
            return left == 0
        }
        let drained = ContinuousClock.now - restarted
        let last = TestBatches.make(agent: "pg-direct", seq: UInt64(direct + 1), samples: 50, meter: "pg.restart.direct")
        let (body, signature) = TestBatches.signed(last)
        #expect(try await collector.postBatch(body, signature: signature).status == 200, "a post after PostgreSQL returned")
        acknowledged += 50

        let agentRows = try await stored("pg.restart.meter")
        let distinct = Set(agentRows.map(\.volume)).count
        #expect(agentRows.count == produced && distinct == produced, "agents: \(produced) produced, \(agentRows.count) stored, \(distinct) distinct")
        let directRows = try await stored("pg.restart.direct").count
        #expect(directRows == acknowledged, "direct: \(acknowledged) acknowledged, \(directRows) stored")
        let counters = collector.runtime.ingestor.counters.snapshot
        print("PostgreSQL restarted: \(counters.refused[.storageFailure, default: 0]) batches refused 503 while away; spools drained \(drained) after it returned; "
              + "\(produced) agent samples and \(acknowledged) direct ones stored once")
        await collector.stop()
    }
}

/// A flag the producers read and the test raises; a class because an `Atomic` cannot be captured by value.
private final class StopFlag: Sendable {
    let raised = Atomic(false)
}
