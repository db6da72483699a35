import Foundation
import Testing
import VirtmonCollector
import VirtmonModel
import VirtmonServer

/// The findings of the security review, each with the exact request that crashed, leaked or grew the
/// collector, now answered with a clear 4xx while the collector keeps serving.
@Suite("Security regressions")
struct SecurityRegressionTests {
    static func body(_ value: JSONValue) -> Data { Data(WireJSON.encode(value)) }

    static func sample(_ resource: String, volume: Double = 1, project: String? = nil, meter: String = "cpu.util",
                       metadata: [String: JSONValue] = [:], timestamp: String? = nil) -> JSONValue {
        var fields: [String: JSONValue] = [
            "counter_type": "gauge", "counter_unit": "u", "counter_volume": .number(volume), "resource_id": .string(resource),
            "timestamp": .string(timestamp ?? WireTimestamp.format(Date())),
        ]
        if let project { fields["project_id"] = .string(project) }
        if !metadata.isEmpty { fields["resource_metadata"] = .object(metadata) }
        return .object(fields)
    }

    func post(_ collector: CollectorHarness, _ samples: [JSONValue], meter: String = "cpu.util", token: String) async throws -> (status: Int, json: JSONValue?, text: String) {
        try await collector.request(.POST, "/v2/meters/\(meter)", token: token, body: Self.body(.array(samples)))
    }

    func stillServing(_ collector: CollectorHarness) async throws {
        let health = try await collector.request(.GET, "/healthz", token: nil)
        #expect(health.status == 200, "\(health.text)")
    }

    @Test("F1: a query/samples limit beyond Int is a 400 naming limit; a numeric string limit is honoured")
    func limitConversion() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        for volume in [1.0, 2.0, 3.0] {
            #expect(try await post(collector, [Self.sample("p1-vm0", volume: volume)], token: "p1-token").status == 200)
        }
        for bad: JSONValue in [1e19, -1e19, 1.5, 0, -3, "many", .array([])] {
            let answer = try await collector.request(.POST, "/v2/query/samples", token: "p1-token", body: Self.body(.object(["limit": bad])))
            #expect(answer.status == 400, "\(bad): \(answer.text)")
            #expect(answer.text.contains("limit"), "\(answer.text)")
        }
        try await stillServing(collector)
        let two = try await collector.request(.POST, "/v2/query/samples", token: "p1-token", body: Self.body(.object(["limit": "2"])))
        guard case .array(let rows)? = two.json else { Issue.record("\(two.text)"); return }
        #expect(rows.count == 2)
        let huge = try await collector.request(.POST, "/v2/query/samples", token: "p1-token", body: Self.body(.object(["limit": 5e18])))
        #expect(huge.status == 200, "a large but representable limit is clamped: \(huge.text)")
    }

    @Test("F2: aggregate=: and other empty aggregates are 400, not an index out of range")
    func emptyAggregate() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        for query in ["aggregate=%3A", "aggregate=%3Aavg", "aggregate=%3A%3A", "period=-5", "period=99999999999999999999"] {
            let answer = try await collector.request(.GET, "/api/v1/statistics?meter=cpu.util&\(query)", token: "p1-token")
            #expect(answer.status == 400, "\(query): \(answer.text)")
        }
        try await stillServing(collector)
    }

    @Test("F3: a project cannot write into, probe or read another project's resource; admin moves it by writing")
    func resourceTakeover() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let early = WireTimestamp.format(Date().addingTimeInterval(-600))
        #expect(try await post(collector, [Self.sample("p2-vm0", volume: 50, timestamp: early)], meter: "p2.private", token: "p2-token").status == 200)
        #expect(try await post(collector, [Self.sample("p2-vm0", volume: 40)], token: "p2-token").status == 200)
        let before = try await collector.request(.GET, "/v2/resources/p2-vm0", token: "p2-token")
        #expect(before.status == 200)

        // The exact request of the finding, and the same with the project spelled out or for an unseen id.
        let takeover = try await post(collector, [.object([
            "counter_type": "gauge", "counter_unit": "u", "counter_volume": 1, "resource_id": "p2-vm0",
        ])], token: "p1-token")
        #expect(takeover.status == 403, "\(takeover.text)")
        #expect(takeover.text.contains("p2-vm0") && takeover.text.contains("not yours"))
        #expect(!takeover.text.contains("p2\""), "the refusal names no other project: \(takeover.text)")
        // A batch mixing a new and a foreign resource stores nothing.
        let mixed = try await post(collector, [Self.sample("p1-new"), Self.sample("p2-vm0")], token: "p1-token")
        #expect(mixed.status == 403)
        #expect(try await collector.request(.GET, "/v2/resources/p1-new", token: "p1-token").status == 404)
        // Hosts reported by agents have no project and are not a project's to write to either.
        let hostBatch = TestBatches.signed(TestBatches.make(seq: 1))
        #expect(try await collector.postBatch(hostBatch.body, signature: hostBatch.signature).status == 200)
        #expect(try await post(collector, [Self.sample("res-1")], meter: "test.meter", token: "p1-token").status == 403)

        let after = try await collector.request(.GET, "/v2/resources/p2-vm0", token: "p2-token")
        #expect(after.status == 200)
        #expect(after.text == before.text, "p2's view of its VM is unchanged")
        #expect(try await collector.request(.GET, "/v2/resources/p2-vm0", token: "p1-token").status == 404)
        let p1Meters = try await collector.request(.GET, "/v2/meters", token: "p1-token")
        #expect(!p1Meters.text.contains("p2-vm0") && !p1Meters.text.contains("p2.private"))
        let grouped = try await collector.request(.GET, "/v2/meters/cpu.util/statistics?groupby=resource_id&q.field=resource_id&q.value=p2-vm0", token: CollectorHarness.adminToken)
        #expect(grouped.text.contains("\"count\":1") && grouped.text.contains("\"sum\":40"), "\(grouped.text)")

        // The operator moves a resource by writing it under another project; then that project owns it.
        #expect(try await post(collector, [Self.sample("p2-vm0", volume: 7, project: "p1")], token: CollectorHarness.adminToken).status == 200)
        #expect(try await post(collector, [Self.sample("p2-vm0", volume: 8)], token: "p1-token").status == 200)
        #expect(try await post(collector, [Self.sample("p2-vm0", volume: 9)], token: "p2-token").status == 403)
        // p1 sees only the samples written under p1, not p2's history or meters.
        let moved = try await collector.request(.GET, "/v2/resources/p2-vm0", token: "p1-token")
        #expect(moved.status == 200 && !moved.text.contains("p2.private"), "\(moved.text)")
        let p2Still = try await collector.request(.GET, "/v2/resources/p2-vm0", token: "p2-token")
        #expect(p2Still.status == 200 && p2Still.text.contains("p2.private"))
    }

    @Test("F8: identifiers with control characters are refused, never cut or changed")
    func controlCharacters() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        for resource in ["p2-vm0\u{0}", "vm\nforged log line", "vm\u{1B}[31m", "vm\u{7F}"] {
            let answer = try await post(collector, [Self.sample(resource)], token: "p1-token")
            #expect(answer.status == 400, "\(answer.text)")
            #expect(answer.text.contains("control character"), "\(answer.text)")
        }
        let meter = try await collector.request(.POST, "/v2/meters/cpu%00util", token: "p1-token", body: Self.body(.array([Self.sample("vm-1")])))
        #expect(meter.status == 400, "\(meter.text)")
        var batch = TestBatches.make(seq: 7)
        batch.samples[0].resourceID = "res\u{0}cut"
        let signed = TestBatches.signed(batch)
        let refused = try await collector.postBatch(signed.body, signature: signed.signature)
        #expect(refused.status == 400 && refused.text.contains("control character"), "\(refused.text)")
    }

    @Test("F5: listings are bounded and statistics refuse more rows than the bound, saying which period fits")
    func boundedWork() async throws {
        let collector = try await CollectorHarness { $0.maxStatisticsRows = 50 }
        defer { Task { await collector.stop() } }
        let start = Date().addingTimeInterval(-3600)
        var samples: [JSONValue] = []
        for index in 0..<300 {
            samples.append(Self.sample("p1-vm\(index % 3)", volume: Double(index), timestamp: WireTimestamp.format(start.addingTimeInterval(Double(index) * 10))))
        }
        #expect(try await post(collector, samples, token: "p1-token").status == 200)
        let newest = try await collector.request(.GET, "/v2/samples?limit=1", token: "p1-token")
        guard case .array(let one)? = newest.json, case .object(let first)? = one.first else { Issue.record("\(newest.text)"); return }
        #expect(one.count == 1 && first["volume"] == 299)
        let refused = try await collector.request(.GET, "/v2/meters/cpu.util/statistics?period=1&groupby=resource_id", token: "p1-token")
        #expect(refused.status == 400, "\(refused.text)")
        #expect(refused.text.contains("more than 50 rows") && refused.text.contains("period="), "\(refused.text)")
        let fits = try await collector.request(.GET, "/v2/meters/cpu.util/statistics?period=600&groupby=resource_id", token: "p1-token")
        #expect(fits.status == 200, "\(fits.text)")
        let own = try await collector.request(.GET, "/api/v1/statistics?meter=cpu.util&period=1", token: "p1-token")
        #expect(own.status == 400 && own.text.contains("rows"))
    }

    @Test("F6: metadata per sample and series per project are bounded, counted per project")
    func tenantBounds() async throws {
        let collector = try await CollectorHarness { $0.maxSeriesPerProject = 3 }
        defer { Task { await collector.stop() } }
        let big = Self.sample("p1-vm0", metadata: ["blob": .string(String(repeating: "x", count: 9000))])
        let large = try await post(collector, [big], token: "p1-token")
        #expect(large.status == 400 && large.text.contains("resource_metadata is larger than 8192 bytes"), "\(large.text)")
        #expect(try await post(collector, (0..<3).map { Self.sample("p1-vm\($0)") }, token: "p1-token").status == 200)
        let over = try await post(collector, [Self.sample("p1-vm9")], token: "p1-token")
        #expect(over.status == 403, "\(over.text)")
        #expect(over.text.contains("holds 3 series") && over.text.contains("max_series_per_project"))
        // Other projects and the existing series are unaffected.
        #expect(try await post(collector, [Self.sample("p1-vm0", volume: 2)], token: "p1-token").status == 200)
        #expect(try await post(collector, [Self.sample("p2-vm0")], token: "p2-token").status == 200)
        let metrics = try await collector.request(.GET, "/metrics", token: nil)
        #expect(metrics.text.contains("virtmon_collector_series_quota_refusals_total{project=\"p1\"} 1"), "\(metrics.text)")
        #expect(metrics.text.contains("virtmon_collector_refused_total{reason=\"series_quota\"} 1"))
    }

    @Test("timestamps are parsed strictly: impossible dates, offsets and leap seconds are refused with the reason")
    func strictTimestamps() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let cases = [
            ("2026-02-31T00:00:00", "2026-02 has 28 days"), ("2026-11-21T10:00:00+99:99", "offset"),
            ("2026-06-30T23:59:60Z", "leap second"), ("2026-11-21T24:00:00", "hour 24"),
        ]
        for (text, reason) in cases {
            let posted = try await post(collector, [Self.sample("p1-vm0", timestamp: text)], token: "p1-token")
            #expect(posted.status == 400 && posted.text.contains(reason), "\(text): \(posted.text)")
            let queried = try await collector.request(.GET, "/v2/samples?q.field=timestamp&q.op=gt&q.value=\(text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", token: "p1-token")
            #expect(queried.status == 400 && queried.text.contains(reason), "\(text): \(queried.text)")
        }
    }

    @Test("sums that overflow a double are a 422 with the reason, never null")
    func overflowingSums() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        #expect(try await post(collector, [Self.sample("p1-vm0", volume: 1.7e308), Self.sample("p1-vm0", volume: 1.7e308)], token: "p1-token").status == 200)
        let answer = try await collector.request(.GET, "/v2/meters/cpu.util/statistics", token: "p1-token")
        #expect(answer.status == 422 && answer.text.contains("1.8e308"), "\(answer.text)")
        #expect(!answer.text.contains("\"sum\":null"))
        let one = try await collector.request(.GET, "/v2/meters/cpu.util/statistics?q.field=volume&q.op=lt&q.value=0", token: "p1-token")
        #expect(one.status == 200)
    }

    @Test("project tokens without an agent secret refuse to start unless allow_unsigned_batches is set")
    func unsignedWithProjects() async throws {
        await #expect(throws: CollectorStartError.self) { _ = try await CollectorHarness(secret: "") }
        let allowed = try await CollectorHarness(secret: "") { $0.allowUnsignedBatches = true }
        await allowed.stop()
        let config = try #require(try? { () throws -> CollectorConfig in
            var config = CollectorConfig(dataDir: "/tmp")
            try CollectorConfigLoader.parse("collector:\n  allow_unsigned_batches: true\n  max_statistics_rows: 7\n", file: "c.yaml", into: &config)
            return config
        }())
        #expect(config.allowUnsignedBatches && config.maxStatisticsRows == 7)
    }

    @Test("the UDP socket's kernel drops and the connection figures are on /metrics")
    func udpDropsExported() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let metrics = try await collector.request(.GET, "/metrics", token: nil)
        #expect(metrics.text.contains("virtmon_collector_udp_receive_drops_total 0"), "\(metrics.text)")
        #expect(metrics.text.contains("virtmon_collector_http_connections "))
        #expect(UDPSocketDrops.count(port: collector.udpPort) == 0)
        let fixture = FileManager.default.temporaryDirectory.appendingPathComponent("proc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: fixture.appendingPathComponent("net"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: fixture) }
        try """
               sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
             1234: 0100007F:1356 00000000:0000 07 00000000:00034000 00:00000000 00000000     0        0 77 2 0000000000000000 81920
            """.write(to: fixture.appendingPathComponent("net/udp"), atomically: true, encoding: .utf8)
        #expect(UDPSocketDrops.count(port: 4950, procRoot: fixture.path) == 81920)
        #expect(UDPSocketDrops.count(port: 4951, procRoot: fixture.path) == nil)
    }
}
