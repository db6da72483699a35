import Foundation
import Testing
import VirtmonModel
import VirtmonStorage
import VirtmonTestSupport

/// The built `virtmon agent` publishing through a real RabbitMQ to a collector while the broker goes away for a
/// minute (`VIRTMON_OUTAGE_SECONDS`) mid-stream: the agent's spool holds what the broker could not confirm,
/// and after the broker returns every sample the agent produced is stored exactly once.
@Suite("RabbitMQ outage", .serialized)
struct AMQPOutageTests {
    static var outage: Int { Int(ProcessInfo.processInfo.environment["VIRTMON_OUTAGE_SECONDS"] ?? "") ?? 60 }

    /// A sample's identity without its message id, which the chunk engine does not keep.
    static func key(_ sample: Sample) -> String {
        "\(sample.name)@\(sample.resourceID)@\(Int64((sample.timestamp.timeIntervalSince1970 * 1000).rounded()))"
    }

    static func spooled(_ port: Int) async throws -> Int {
        let answer = try await PrometheusPeers.get("http://127.0.0.1:\(port)/healthz")
        guard case .object(let health)? = try? JSONDecoder().decode(JSONValue.self, from: Data(answer.text.utf8)),
              case .array(let spools)? = health["spools"] else { throw CancellationError() }
        return spools.reduce(0) { total, spool in
            guard case .object(let fields) = spool, fields["target"]?.stringValue?.hasPrefix("amqp") == true else { return total }
            return total + Int(fields["spooled_batches"]?.doubleValue ?? 0)
        }
    }

    @Test("agent → RabbitMQ → collector with the broker stopped mid-stream: the spool holds the outage and every sample is stored once")
    func brokerOutage() async throws {
        if let reason = ThrowawayBroker.unavailableReason { Issue.record("SKIPPED LOUDLY: \(reason)"); return }
        guard let binary = BuiltExecutable.path("virtmon") else {
            Issue.record("SKIPPED LOUDLY: the virtmon executable is not built; scripts/test.sh builds it first")
            return
        }
        let broker = try await ThrowawayBroker(name: "outage")
        defer { broker.discard() }
        let harness = try await CollectorHarness { config in config.amqp = [broker.url] }
        defer { Task { await harness.stop() } }
        let directory = harness.directory.appendingPathComponent("agent")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let reference = directory.appendingPathComponent("reference.jsonl")
        let port = try CrashTests.freePort()
        let config = directory.appendingPathComponent("agent.yaml")
        try """
            agent:
              host: bus-agent
              libvirt_uri: "off"
              listen: 127.0.0.1:\(port)
            publishing:
              secret: "\(CollectorHarness.secret)"
              retry_initial: 200ms
              retry_max: 2s
              flush_timeout: 30s
            """.write(to: config, atomically: true, encoding: .utf8)
        // The broker first, then the file: a sample in the file was handed to the broker's spool before.
        let agent = try PeerProcess(binary, ["agent", "--config", config.path, "--data-dir", directory.appendingPathComponent("data").path,
                                             "--interval", "1", "--log-level", "warning",
                                             "--publisher", broker.url, "--publisher", "file://\(reference.path)"],
                                    log: directory.appendingPathComponent("agent.log"))
        func stored() async throws -> [Sample] {
            try await harness.runtime.storage.samples(SampleQuery(limit: 1_000_000)).map(\.sample)
        }
        try await PrometheusPeers.waitFor("the first samples through the broker (\(agent.tail()))", seconds: 60) {
            try await stored().count > 0
        }
        try await Task.sleep(for: .seconds(3))
        let beforeOutage = try await stored().count
        await broker.stop()
        try await Task.sleep(for: .seconds(Self.outage))
        let heldByAgent = try await Self.spooled(port)
        #expect(heldByAgent >= Self.outage / 2, "the agent spooled \(heldByAgent) batches over a \(Self.outage) s outage")
        let duringOutage = try await stored().count
        try await broker.start()
        try await PrometheusPeers.waitFor("the agent's spool to empty after the broker returned (\(agent.tail()))", seconds: 120) {
            try await Self.spooled(port) == 0
        }
        try await Task.sleep(for: .seconds(2))
        await agent.stop(grace: .seconds(40))
        let produced = try PrometheusEcosystemTests.published(reference)
        let wanted = Set(produced.map(Self.key))
        try await PrometheusPeers.waitFor("every produced sample in the collector", seconds: 60) {
            Set(try await stored().map(Self.key)).isSuperset(of: wanted)
        }
        try await PrometheusPeers.waitFor("the queue to drain", seconds: 30) {
            try await broker.depth("virtmon.batches").map { $0.ready + $0.unacknowledged } == 0
        }
        let samples = try await stored()
        let keys = samples.map(Self.key)
        let missing = wanted.subtracting(keys)
        print("broker outage \(Self.outage) s: \(beforeOutage) samples stored before it, \(duringOutage) at its end, "
              + "\(heldByAgent) batches spooled by the agent; \(produced.count) produced, \(samples.count) stored, "
              + "\(Set(keys).count) distinct, \(missing.count) missing")
        #expect(missing.isEmpty, "\(missing.count) produced samples never stored, e.g. \(missing.prefix(3))")
        #expect(Set(keys).count == keys.count, "\(keys.count - Set(keys).count) samples stored twice")
        #expect(samples.count == produced.count, "stored \(samples.count), the agent produced \(produced.count)")
        let counters = harness.runtime.ingestor.counters.snapshot
        // A batch taken out of order would be refused as a replay; none is.
        #expect(counters.refused.isEmpty, "refusals: \(counters.refused)")
    }
}
