import Foundation
import Testing
import VirtmonAMQP
import VirtmonModel
import VirtmonPublishers
import VirtmonStorage
import VirtmonTestSupport

/// The collector's own PostgreSQL stopped (immediate shutdown, as a crash) for 20 s (`VIRTMON_DB_OUTAGE_SECONDS`)
/// while batches keep arriving through RabbitMQ: every failed commit puts its message back on the queue, and
/// when the server is back every batch is stored exactly once.
///
/// Nested in `FleetAgentsTests`' serialized suite so that the two never run at once: with the fleet test's
/// 26 processes on the same 2 cores, this collector did not finish storing the requeued batches within 120 s
/// after PostgreSQL returned (2 runs of 2, no storage error logged after the outage; not diagnosed yet: issue 17).
extension FleetAgentsTests {
@Suite("PostgreSQL outage behind RabbitMQ", .serialized)
struct AMQPDatabaseOutageTests {
    static var outage: Int { Int(ProcessInfo.processInfo.environment["VIRTMON_DB_OUTAGE_SECONDS"] ?? "") ?? 20 }

    static func key(_ sample: Sample) -> String {
        "\(sample.name)@\(sample.resourceID)@\(Int64((sample.timestamp.timeIntervalSince1970 * 1000).rounded()))@\(sample.volume)"
    }

    // Two defects kept this test disabled: a commit that lands but loses its answer left the engine's ids behind
    // the database's (AmbiguousCommitTests), and the reload after a failed write waited on the pool without a
    // deadline, so a reload begun while the server was away could hold the writer long after it returned
    // (found by PostgresRestartTests).
    @Test("PostgreSQL stopped under a consuming collector: messages requeued while it is away, then every batch stored once")
    func databaseOutage() async throws {
        if let reason = ThrowawayBroker.unavailableReason { Issue.record("SKIPPED LOUDLY: \(reason)"); return }
        if let reason = ThrowawayPostgres.unavailableReason { Issue.record("SKIPPED LOUDLY: \(reason)"); return }
        try await ThrowawayPostgres.with("postgres-outage") { try await scenario($0) }
    }

    func scenario(_ server: ThrowawayPostgres) async throws {
        let url = server.url
        let broker = try await ThrowawayBroker(name: "pg-outage")
        defer { broker.discard() }
        let harness = try await CollectorHarness { config in
            config.storage = url
            config.storageTimeout = .seconds(5)
            config.amqp = [broker.url + "?prefetch=10"]
        }
        defer { Task { await harness.stop() } }
        let transport = try AMQPTransport(address: try AMQPAddress(broker.url))
        let batches = (Self.outage + 10) * 5
        // Batches at 5 a second for the whole test, through the outage.
        let publisher = Task {
            var sent: [Sample] = []
            for seq in 1...batches {
                let batch = TestBatches.make(seq: UInt64(seq))
                let (body, signature) = TestBatches.signed(batch)
                try await transport.send(body: body, signature: signature, timeout: .seconds(10))
                sent += batch.samples
                try await Task.sleep(for: .milliseconds(200))
            }
            return sent
        }
        try await Task.sleep(for: .seconds(3))
        try await server.stop()
        try await Task.sleep(for: .seconds(Self.outage))
        let requeued = harness.runtime.ingestor.counters.snapshot.refused[.storageFailure, default: 0]
        let waiting = try await broker.depth("virtmon.batches")
        try await server.start()
        let sent = try await publisher.value
        let wanted = Set(sent.map(Self.key))
        func stored() async throws -> [Sample] {
            try await harness.runtime.storage.samples(SampleQuery(limit: 1_000_000)).map(\.sample)
        }
        try await AMQPConsumerTests.wait("every batch stored after PostgreSQL returned", seconds: 120) {
            guard let samples = try? await stored() else { return false }
            return Set(samples.map(Self.key)).isSuperset(of: wanted)
        }
        try await AMQPConsumerTests.wait("the queue to drain") {
            try await broker.depth("virtmon.batches").map { $0.ready + $0.unacknowledged } == 0
        }
        let samples = try await stored()
        let keys = samples.map(Self.key)
        print("PostgreSQL away \(Self.outage) s: \(requeued) commits failed and were requeued, \(waiting.map { "\($0.ready) ready + \($0.unacknowledged) unacked" } ?? "?") on the queue at its end; "
              + "\(sent.count) samples sent in \(batches) batches, \(samples.count) stored, \(Set(keys).count) distinct")
        #expect(requeued > 0, "no commit failed while PostgreSQL was stopped")
        #expect((waiting?.ready ?? 0) + (waiting?.unacknowledged ?? 0) > 0, "nothing waited on the queue during the outage")
        #expect(Set(keys).count == keys.count, "\(keys.count - Set(keys).count) samples stored twice")
        #expect(samples.count == sent.count, "stored \(samples.count) of \(sent.count)")
        let counters = harness.runtime.ingestor.counters.snapshot
        #expect(counters.refused.keys.allSatisfy { $0 == .storageFailure }, "other refusals: \(counters.refused)")
    }
}
}
