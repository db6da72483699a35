import Foundation
import Testing
import VirtmonModel

/// Every route, asked with p1's token about p2's data — by id, by filter, by groupby, by query, by write —
/// is refused or answers nothing of p2's, and p2's own view is the same afterwards.
@Suite("Project isolation")
struct ProjectIsolationTests {
    struct Probe: Sendable {
        var method: String
        var path: String
        var body: JSONValue?
        /// The answer repeats the id asked for (the series route names its series); it must then hold no points.
        var echoes = false
    }

    /// Strings that only p2's data contains.
    static let secrets = ["p2-vm0", "p2-disk", "p2.private", "\"p2\"", "p2-user", "p2-meta"]

    @Test("p1's token against p2's data on every route: refused or empty, and p2's view unchanged")
    func isolation() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let now = WireTimestamp.format(Date())
        func sample(_ resource: String, _ meter: String, user: String) -> JSONValue {
            .object([
                "counter_type": "gauge", "counter_unit": "u", "counter_volume": 3, "resource_id": .string(resource),
                "user_id": .string(user), "timestamp": .string(now), "resource_metadata": .object(["tag": .string("\(resource)-meta")]),
            ])
        }
        for (resource, meter, token, user) in [
            ("p2-vm0", "p2.private", "p2-token", "p2-user"), ("p2-vm0", "cpu.util", "p2-token", "p2-user"),
            ("p2-disk", "cpu.util", "p2-token", "p2-user"), ("p1-vm0", "cpu.util", "p1-token", "p1-user"),
        ] {
            let answer = try await collector.request(.POST, "/v2/meters/\(meter)", token: token, body: Data(WireJSON.encode(.array([sample(resource, meter, user: user)]))))
            #expect(answer.status == 200, "\(answer.text)")
        }
        let listing = try await collector.request(.GET, "/v2/samples?q.field=resource_id&q.value=p2-vm0", token: "p2-token")
        guard case .array(let p2Samples)? = listing.json, case .object(let first)? = p2Samples.first, case .string(let p2SampleID)? = first["id"] else {
            Issue.record("no p2 sample: \(listing.text)"); return
        }
        let p2Views = ["/v2/resources/p2-vm0", "/v2/resources", "/v2/meters", "/v2/samples", "/v2/meters/cpu.util/statistics?groupby=resource_id", "/api/v1/resources/p2-vm0"]
        func p2Snapshot() async throws -> [String] {
            var texts: [String] = []
            for path in p2Views { texts.append(try await collector.request(.GET, path, token: "p2-token").text) }
            return texts
        }
        let before = try await p2Snapshot()

        let byProject = "q.field=project_id&q.value=p2"
        let byResource = "q.field=resource_id&q.value=p2-vm0"
        let filter = #"{"and": [{"=": {"resource_id": "p2-vm0"}}, {"=": {"project_id": "p2"}}]}"#
        let probes: [Probe] = [
            Probe(method: "GET", path: "/v2/meters?\(byProject)"), Probe(method: "GET", path: "/v2/meters?\(byResource)"),
            Probe(method: "GET", path: "/v2/meters/p2.private"), Probe(method: "GET", path: "/v2/meters/cpu.util?\(byResource)"),
            Probe(method: "GET", path: "/v2/meters/cpu.util?q.field=user_id&q.value=p2-user"),
            Probe(method: "GET", path: "/v2/meters/cpu.util/statistics?groupby=resource_id&groupby=project_id&groupby=user_id"),
            Probe(method: "GET", path: "/v2/meters/cpu.util/statistics?\(byProject)"),
            Probe(method: "GET", path: "/v2/meters/p2.private/statistics?aggregate.func=cardinality&aggregate.param=resource_id"),
            Probe(method: "GET", path: "/v2/samples?\(byProject)"), Probe(method: "GET", path: "/v2/samples?\(byResource)"),
            Probe(method: "GET", path: "/v2/samples?q.field=metadata.tag&q.value=p2-vm0-meta"),
            Probe(method: "GET", path: "/v2/samples/\(p2SampleID)"),
            Probe(method: "POST", path: "/v2/query/samples", body: .object(["filter": .string(filter)])),
            Probe(method: "POST", path: "/v2/query/samples", body: .object(["filter": .string(#"{"=": {"project_id": "p2"}}"#), "limit": 100])),
            Probe(method: "GET", path: "/v2/resources?\(byProject)"), Probe(method: "GET", path: "/v2/resources/p2-vm0"),
            Probe(method: "GET", path: "/v2/resources/p2-disk"), Probe(method: "GET", path: "/v2/resources?q.field=user_id&q.value=p2-user"),
            Probe(method: "GET", path: "/v2/capabilities"), Probe(method: "GET", path: "/v2/alarms"),
            Probe(method: "GET", path: "/v2/events"), Probe(method: "GET", path: "/v2/event_types"), Probe(method: "GET", path: "/v2/events/x"),
            Probe(method: "GET", path: "/api/v1/hosts"), Probe(method: "GET", path: "/api/v1/events"),
            Probe(method: "GET", path: "/api/v1/meters?project=p2"), Probe(method: "GET", path: "/api/v1/meters?resource=p2-vm0"),
            Probe(method: "GET", path: "/api/v1/resources?project=p2"), Probe(method: "GET", path: "/api/v1/resources/p2-vm0"),
            Probe(method: "GET", path: "/api/v1/samples?project=p2"), Probe(method: "GET", path: "/api/v1/samples?resource=p2-vm0"),
            Probe(method: "GET", path: "/api/v1/series?meter=cpu.util&resource=p2-vm0", echoes: true),
            Probe(method: "GET", path: "/api/v1/statistics?meter=cpu.util&groupby=resource_id&project=p2"),
            Probe(method: "GET", path: "/api/v1/statistics?meter=p2.private&aggregate=cardinality:resource_id"),
            Probe(method: "GET", path: "/metrics"),
            Probe(method: "POST", path: "/v2/meters/cpu.util", body: .array([sample("p2-vm0", "cpu.util", user: "x")])),
            Probe(method: "POST", path: "/v2/meters/cpu.util", body: .array([.object([
                "counter_type": "gauge", "counter_unit": "u", "counter_volume": 1, "resource_id": "p2-disk", "project_id": "p2",
            ])])),
        ]
        for probe in probes {
            let answer = try await collector.request(probe.method == "POST" ? .POST : .GET, probe.path, token: "p1-token",
                                                     body: probe.body.map { Data(WireJSON.encode($0)) })
            if [401, 403, 404].contains(answer.status) { continue }
            #expect(answer.status == 200, "\(probe.method) \(probe.path): \(answer.status) \(answer.text)")
            if probe.echoes {
                #expect(answer.text.contains("\"points\":[]"), "\(probe.path): \(answer.text)")
                continue
            }
            for secret in Self.secrets where probe.path != "/metrics" {
                #expect(!answer.text.contains(secret), "\(probe.method) \(probe.path) shows p1 \(secret): \(answer.text)")
            }
        }
        #expect(try await p2Snapshot() == before, "p2's view changed")
    }
}
