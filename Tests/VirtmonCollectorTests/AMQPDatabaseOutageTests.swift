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
struct ScriptError: Error, CustomStringConvertible {
    var text: String
    var description: String { text }
}

@Suite("PostgreSQL outage behind RabbitMQ", .serialized)
struct AMQPDatabaseOutageTests {
    static var outage: Int { Int(ProcessInfo.processInfo.environment["VIRTMON_DB_OUTAGE_SECONDS"] ?? "") ?? 20 }
    static let script = DashboardBrowserTests.packageRoot.appendingPathComponent("scripts/postgres.sh").path

    static func postgres(_ arguments: String...) async throws -> String {
        let result = try await ProcessRunner.run("/bin/bash", [script] + arguments)
        guard result.status == 0 else { throw ScriptError(text: "postgres.sh \(arguments.joined(separator: " ")): \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func key(_ sample: Sample) -> String {
        "\(sample.name)@\(sample.resourceID)@\(Int64((sample.timestamp.timeIntervalSince1970 * 1000).rounded()))@\(sample.volume)"
    }

    // Found and fixed while re-enabling it: a commit that lands but loses its answer left the engine's ids behind
    // the database's (AmbiguousCommitTests). With that fixed it passed alone and with both cores busy here
    // (450 of 450 stored once), but the full clean-clone CI run of 2026-12-03 still timed out waiting for every
    // batch 120 s after PostgreSQL returned; the collector logs only errors in this harness, so why is not known.
    @Test("PostgreSQL stopped under a consuming collector: messages requeued while it is away, then every batch stored once",
          .disabled("KNOWN FAILURE (issue 14): in the full CI run not every batch was stored within 120 s after PostgreSQL returned"))
    func databaseOutage() async throws {
        if let reason = ThrowawayBroker.unavailableReason { Issue.record("SKIPPED LOUDLY: \(reason)"); return }
        guard (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.isEmpty == false else {
            Issue.record("SKIPPED LOUDLY: PostgreSQL's server is not installed (scripts/test.sh installs it)")
            return
        }
        let base = ProcessInfo.processInfo.environment["VIRTMON_TEST_RUN"] ?? FileManager.default.temporaryDirectory.path
        let directory = "\(base)/postgres-outage-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        var failure: (any Error)?
        do {
            try await scenario(directory: directory)
        } catch {
            failure = error
        }
        _ = try? await Self.postgres("stop", directory)
        try? FileManager.default.removeItem(atPath: directory)
        if let failure { throw failure }
    }

    func scenario(directory: String) async throws {
        let url = try await Self.postgres("start", directory, String(try CrashTests.freePort()))
        let port = String(url.split(separator: ":").last!.split(separator: "/").first!)
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
        _ = try await Self.postgres("stop", directory)
        try await Task.sleep(for: .seconds(Self.outage))
        let requeued = harness.runtime.ingestor.counters.snapshot.refused[.storageFailure, default: 0]
        let waiting = try await broker.depth("virtmon.batches")
        _ = try await Self.postgres("start", directory, port)
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
