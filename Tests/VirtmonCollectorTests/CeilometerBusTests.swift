import Foundation
import Testing
import VirtmonModel
import VirtmonStorage
import VirtmonTestSupport

/// What a real Ceilometer deployment publishes, sent by oslo.messaging's own Notifier from PyPI through a real
/// RabbitMQ, and Ceilometer's msgpack datagrams on the UDP port: the collector stores every validly signed
/// sample once, with Ceilometer's names, units, resources and projects, refuses the forged ones and counts them,
/// and the samples answer through the Ceilometer API.
@Suite("Ceilometer on the bus and on UDP", .serialized)
struct CeilometerBusTests {
    static let telemetrySecret = "telemetry-secret"
    static let fixture = DashboardBrowserTests.packageRoot.appendingPathComponent("Tests/VirtmonCollectorTests/Fixtures/ceilometer_publish.py")

    struct Sent: Decodable {
        var message_id: String?
        var counter_name: String?
        var counter_type: String?
        var counter_unit: String?
        var counter_volume: Double?
        var resource_id: String
        var project_id: String?
        var via: String
        var valid: Bool

        /// The fixture gives every sample its own meter and resource. The chunk engine keeps no per-sample
        /// message id (it answers with one made from the series and the time), so a sample is found by these.
        var key: String { "\(counter_name ?? "")@\(resource_id)" }
    }

    struct Report: Decodable { var sent: [Sent] }

    @Test("oslo.messaging's Notifier (polling agent's and notifier publisher's shapes) and Ceilometer's UDP datagrams are stored once each; forged samples are refused and counted")
    func ceilometerPublishes() async throws {
        if let reason = ThrowawayBroker.unavailableReason { Issue.record("SKIPPED LOUDLY: \(reason)"); return }
        guard let python = ProcessInfo.processInfo.environment["VIRTMON_OSLO_PYTHON"] else {
            Issue.record("SKIPPED LOUDLY: VIRTMON_OSLO_PYTHON is unset; scripts/test.sh installs oslo.messaging from PyPI and sets it")
            return
        }
        let broker = try await ThrowawayBroker(name: "ceilometer")
        defer { broker.discard() }
        let harness = try await CollectorHarness { config in
            config.amqp = [broker.url]
            config.ceilometerSecret = Self.telemetrySecret
        }
        defer { Task { await harness.stop() } }
        // The collector declares Ceilometer's queues when it connects; a notification sent before that would be
        // unroutable (oslo.messaging's notifier does not declare the listener's queue), so wait for the binding.
        try await AMQPConsumerTests.wait("the collector to declare Ceilometer's queues") {
            let metering = try await broker.depth("metering.sample"), polling = try await broker.depth("notifications.sample")
            return metering != nil && polling != nil
        }
        let run = try await ProcessRunner.run(python, [Self.fixture.path,
                                                       "--transport-url", "rabbit://guest:guest@127.0.0.1:\(broker.port)/",
                                                       "--udp", "127.0.0.1:\(harness.udpPort)",
                                                       "--secret", Self.telemetrySecret])
        try #require(run.status == 0, "the oslo.messaging publisher failed: \(run.stderr.suffix(2000))")
        let report = try JSONDecoder().decode(Report.self, from: Data(run.stdout.utf8))
        let valid = report.sent.filter(\.valid)
        let forged = report.sent.filter { !$0.valid }
        #expect(valid.count == 10 && forged.count == 3, "the fixture changed: \(report.sent.count) samples")

        func stored() async throws -> [Sample] {
            try await harness.runtime.storage.samples(SampleQuery(limit: 100_000)).map(\.sample)
        }
        let deadline = ContinuousClock.now + .seconds(30)
        var missing = valid
        while !missing.isEmpty {
            let keys = Set(try await stored().map { "\($0.name)@\($0.resourceID)" })
            missing = valid.filter { !keys.contains($0.key) }
            if ContinuousClock.now > deadline {
                let counters = harness.runtime.ingestor.counters.snapshot
                Issue.record("after 30 s, \(missing.count) of \(valid.count) samples not stored: \(missing.map { "\($0.counter_name ?? "?")@\($0.resource_id) via \($0.via)" }); refused \(counters.refused)")
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        _ = try await harness.waitForCounters { $0.refused[.badSignature, default: 0] >= 3 }
        try await AMQPConsumerTests.wait("both queues to drain") {
            let polling = try await broker.depth("notifications.sample"), metering = try await broker.depth("metering.sample")
            return [polling, metering].allSatisfy { ($0?.ready ?? 1) + ($0?.unacknowledged ?? 1) == 0 }
        }
        let samples = try await stored()
        let byKey = Dictionary(grouping: samples) { "\($0.name)@\($0.resourceID)" }
        for sent in valid {
            let copies = byKey[sent.key] ?? []
            // The notifier publisher sends each sample twice (metering and metering.<name>): stored once.
            #expect(copies.count == 1, "\(sent.counter_name ?? "?")@\(sent.resource_id) via \(sent.via) stored \(copies.count) times")
            guard let sample = copies.first else { continue }
            #expect(sample.name == sent.counter_name)
            #expect(sample.type.rawValue == sent.counter_type)
            #expect(sample.unit == sent.counter_unit)
            #expect(sample.volume == sent.counter_volume)
            #expect(sample.resourceID == sent.resource_id)
            #expect(sample.projectID == sent.project_id)
        }
        #expect(samples.count == valid.count, "stored \(samples.count), sent \(valid.count) validly signed")
        for sent in forged {
            #expect(!samples.contains { $0.resourceID == sent.resource_id }, "forged \(sent.resource_id) was stored")
        }
        let refused = harness.runtime.ingestor.counters.snapshot.refused[.badSignature, default: 0]
        #expect(refused == 3, "bad_signature counted \(refused), 3 forged samples were sent")

        // The same samples answer through the Ceilometer v2 API, as the `ceilometer` CLI would ask.
        func rows(_ path: String) async throws -> [[String: JSONValue]] {
            let answer = try await harness.request(.GET, path)
            guard case .array(let rows)? = answer.json else { Issue.record("\(path): \(answer.status) \(answer.text)"); return [] }
            return rows.compactMap { if case .object(let row) = $0 { row } else { nil } }
        }
        let cpu = try await rows("/v2/meters/cpu?q.field=project_id&q.op=eq&q.value=project-a")
        #expect(Set(cpu.compactMap { $0["resource_id"]?.stringValue }) == ["vm-0", "vm-1", "vm-2"])
        #expect(cpu.allSatisfy { $0["counter_unit"]?.stringValue == "ns" && $0["project_id"]?.stringValue == "project-a" })
        let udp = try await rows("/v2/meters/hardware.cpu.util")
        #expect(Set(udp.compactMap { $0["resource_id"]?.stringValue }) == ["udp-host-0", "udp-host-1"])
    }
}
