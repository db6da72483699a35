import Foundation
import Logging
import NIOHTTP1
import Testing
import VirtmonAPI
import VirtmonCollector
import VirtmonModel
import VirtmonPrometheus
import VirtmonStorage
import SwiftProtobuf

/// One table, one entry per route the router serves: what no token, a wrong token, the admin token, the owning
/// project's token (p1) and another project's token (p2) get when the request is aimed at p1's data. A route
/// added without an entry fails the test, so nothing reaches production with its authorization unstated.
@Suite("Authorization table")
struct AuthorizationTableTests {
    /// What one caller must get.
    enum Expect: Sendable, CustomStringConvertible {
        /// Exactly this status.
        case status(Int)
        /// 200, and the answer holds p1's data (so that `hides` elsewhere is not vacuous).
        case shows
        /// 200, and nothing of p1's data.
        case hides
        /// 200 naming the series asked for, with no points.
        case noPoints

        var description: String {
            switch self {
            case .status(let code): "\(code)"
            case .shows: "200 with p1's data"
            case .hides: "200 without p1's data"
            case .noPoints: "200 without points"
            }
        }
    }

    /// A request: the method, the path with its parameters filled in, and the body.
    struct Call: Sendable {
        var method: HTTPMethod
        var path: String
        var body: Data? = nil
        var headers: [(String, String)] = []
    }

    struct Entry: Sendable {
        /// Builds the request; called once per caller, so a route that changes or deletes gets a fresh object.
        var call: @Sendable (Fixture) async throws -> Call
        var admin: Expect
        var owner: Expect
        var other: Expect
        /// Open routes answer without a token, and answer a wrong one as if none was sent.
        var open = false
    }

    /// Strings that only p1's data holds.
    static let markers = ["p1-authvm", "p1-authalarm", "p1-authevent"]

    /// p1's data in a collector, and what the entries need to aim at it.
    actor Fixture {
        let collector: CollectorHarness
        let sampleID: String
        let alarmID: String
        private var sequence: UInt64 = 100

        init(_ collector: CollectorHarness) async throws {
            self.collector = collector
            let posted = try await collector.request(.POST, "/v2/meters/auth.p1meter", token: "p1-token",
                                                     body: Fixture.samples(project: nil))
            guard posted.status == 200 else { throw FixtureError(what: "posting p1's sample: \(posted.status) \(posted.text)") }
            let listed = try await collector.request(.GET, "/v2/samples?q.field=resource_id&q.value=p1-authvm", token: "p1-token")
            guard case .array(let rows)? = listed.json, case .object(let row)? = rows.first, case .string(let id)? = row["id"] else {
                throw FixtureError(what: "listing p1's sample: \(listed.status) \(listed.text)")
            }
            sampleID = id
            alarmID = try await Fixture.createAlarm(collector)
            let event = Event(id: "p1-authevent-id", time: Date(), type: "p1-authevent-type", level: .error, host: "test-host",
                              resource: "p1-authvm", message: "p1-authevent message")
            var batch = TestBatches.make(agent: "agent-auth", seq: 1, samples: 0)
            batch.events = [event]
            let (body, signature) = TestBatches.signed(batch)
            let stored = try await collector.postBatch(body, signature: signature)
            guard stored.status == 200 else { throw FixtureError(what: "posting the event: \(stored.status) \(stored.text)") }
        }

        struct FixtureError: Error, CustomStringConvertible { var what: String; var description: String { what } }

        static func samples(project: String?) -> Data {
            var sample: [String: JSONValue] = [
                "counter_type": "gauge", "counter_unit": "%", "counter_volume": 7, "resource_id": "p1-authvm",
                "timestamp": .string(WireTimestamp.format(Date())),
            ]
            if let project { sample["project_id"] = .string(project) }
            return Data(WireJSON.encode(.array([.object(sample)])))
        }

        static let alarmBody = Data("""
            {"name": "p1-authalarm", "type": "threshold",
             "threshold_rule": {"meter_name": "auth.p1meter", "threshold": 90, "comparison_operator": "gt", "statistic": "avg",
                                "period": 60, "evaluation_periods": 1}}
            """.utf8)

        static let newAlarmBody = Data(String(decoding: alarmBody, as: UTF8.self).replacingOccurrences(of: "p1-authalarm", with: "created-alarm").utf8)

        static func createAlarm(_ collector: CollectorHarness) async throws -> String {
            let created = try await collector.request(.POST, "/v2/alarms", token: "p1-token", body: alarmBody)
            guard created.status == 201, case .object(let alarm)? = created.json, case .string(let id)? = alarm["alarm_id"] else {
                throw FixtureError(what: "creating p1's alarm: \(created.status) \(created.text)")
            }
            return id
        }

        /// A new alarm of p1's, for a caller that may change or delete it.
        func freshAlarm() async throws -> String { try await Fixture.createAlarm(collector) }

        /// A signed batch with a sequence not used before.
        func batch() -> Call {
            sequence += 1
            let (body, signature) = TestBatches.signed(TestBatches.make(agent: "agent-auth", seq: sequence))
            return Call(method: .POST, path: "/api/v1/batches", body: body, headers: [(SignedFrame.signatureHeader, signature ?? "")])
        }
    }

    static func get(_ path: String) -> @Sendable (Fixture) async throws -> Call { { _ in Call(method: .GET, path: path) } }

    static func post(_ path: String, _ json: String) -> @Sendable (Fixture) async throws -> Call {
        { _ in Call(method: .POST, path: path, body: Data(json.utf8)) }
    }

    /// A remote-write request carrying one new series labelled as p1's (a project token's write is stored under
    /// its own project whatever the labels say; each call names a new resource, which the first writer owns).
    static func remoteWrite() throws -> Data {
        var series = RemoteWriteMapping.OutgoingSeries(labels: [
            .init("__name__", "auth_rw_metric"), .init("instance", "rw-\(UUID().uuidString.prefix(8))"), .init("project_id", "p1"),
        ], points: [.init(value: 1, timestampMs: Int64(Date().timeIntervalSince1970 * 1000))])
        series.labels.sort { $0.name < $1.name }
        return try Snappy.compress(try RemoteWriteMapping.request([series]).serializedData())
    }

    /// Every route the router serves, as the router names it.
    static let table: [String: Entry] = [
        // Open routes.
        "GET /healthz": Entry(call: get("/healthz"), admin: .status(200), owner: .status(200), other: .status(200), open: true),
        "GET /metrics": Entry(call: get("/metrics"), admin: .status(200), owner: .status(200), other: .status(200), open: true),
        "GET /openapi.json": Entry(call: get("/openapi.json"), admin: .status(200), owner: .status(200), other: .status(200), open: true),
        "GET /": Entry(call: get("/"), admin: .status(200), owner: .status(200), other: .status(200), open: true),
        "GET /dashboard/{asset}": Entry(call: get("/dashboard/dashboard.js"), admin: .status(200), owner: .status(200), other: .status(200), open: true),
        // Signed, not token-checked: a token neither helps nor hurts.
        "POST /api/v1/batches": Entry(call: { await $0.batch() }, admin: .status(200), owner: .status(200), other: .status(200), open: true),

        // virtmon's own API.
        "GET /api/v1/whoami": Entry(call: get("/api/v1/whoami"), admin: .status(200), owner: .status(200), other: .status(200)),
        "GET /api/v1/hosts": Entry(call: get("/api/v1/hosts"), admin: .status(200), owner: .status(403), other: .status(403)),
        "GET /api/v1/events": Entry(call: get("/api/v1/events"), admin: .shows, owner: .status(403), other: .status(403)),
        "GET /api/v1/meters": Entry(call: get("/api/v1/meters?resource=p1-authvm"), admin: .shows, owner: .shows, other: .hides),
        "GET /api/v1/statistics": Entry(call: get("/api/v1/statistics?meter=auth.p1meter&groupby=resource_id"),
                                        admin: .shows, owner: .shows, other: .hides),
        "GET /api/v1/resources": Entry(call: get("/api/v1/resources"), admin: .shows, owner: .shows, other: .hides),
        "GET /api/v1/resources/{id}": Entry(call: get("/api/v1/resources/p1-authvm"), admin: .shows, owner: .shows, other: .status(404)),
        "GET /api/v1/samples": Entry(call: get("/api/v1/samples?resource=p1-authvm"), admin: .shows, owner: .shows, other: .hides),
        "GET /api/v1/series": Entry(call: get("/api/v1/series?meter=auth.p1meter&resource=p1-authvm"),
                                    admin: .shows, owner: .shows, other: .noPoints),
        "POST /api/v1/write": Entry(call: { _ in
            Call(method: .POST, path: "/api/v1/write", body: try remoteWrite(),
                 headers: [("Content-Encoding", "snappy"), ("X-Prometheus-Remote-Write-Version", "0.1.0")])
        }, admin: .status(204), owner: .status(204), other: .status(204)),
        "GET /federate": Entry(call: get("/federate?match%5B%5D=%7Bresource_id%3D%22p1-authvm%22%7D"), admin: .shows, owner: .shows, other: .hides),

        // Ceilometer's API.
        "GET /v2/samples": Entry(call: get("/v2/samples"), admin: .shows, owner: .shows, other: .hides),
        "GET /v2/samples/{id}": Entry(call: { Call(method: .GET, path: "/v2/samples/\($0.sampleID)") },
                                      admin: .shows, owner: .shows, other: .status(404)),
        "POST /v2/query/samples": Entry(call: post("/v2/query/samples", #"{"filter": "{\"=\": {\"resource_id\": \"p1-authvm\"}}"}"#),
                                        admin: .shows, owner: .shows, other: .hides),
        "GET /v2/resources": Entry(call: get("/v2/resources"), admin: .shows, owner: .shows, other: .hides),
        "GET /v2/resources/{id}": Entry(call: get("/v2/resources/p1-authvm"), admin: .shows, owner: .shows, other: .status(404)),
        "GET /v2/meters": Entry(call: get("/v2/meters"), admin: .shows, owner: .shows, other: .hides),
        "GET /v2/meters/{name}": Entry(call: get("/v2/meters/auth.p1meter"), admin: .shows, owner: .shows, other: .hides),
        "POST /v2/meters/{name}": Entry(call: { _ in Call(method: .POST, path: "/v2/meters/auth.p1meter", body: Fixture.samples(project: "p1")) },
                                        admin: .shows, owner: .shows, other: .status(403)),
        "GET /v2/meters/{name}/statistics": Entry(call: get("/v2/meters/auth.p1meter/statistics?groupby=resource_id"),
                                                  admin: .shows, owner: .shows, other: .hides),
        // Events belong to hosts: only the admin sees them.
        "GET /v2/events": Entry(call: get("/v2/events"), admin: .shows, owner: .hides, other: .hides),
        "GET /v2/events/{id}": Entry(call: get("/v2/events/p1-authevent-id"), admin: .shows, owner: .status(404), other: .status(404)),
        "GET /v2/event_types": Entry(call: get("/v2/event_types"), admin: .shows, owner: .hides, other: .hides),
        "GET /v2/capabilities": Entry(call: get("/v2/capabilities"), admin: .status(200), owner: .status(200), other: .status(200)),
        // Aodh's alarm API.
        "GET /v2/alarms": Entry(call: get("/v2/alarms"), admin: .shows, owner: .shows, other: .hides),
        // Each caller's new alarm is its own project's (named so that it is not taken for p1's).
        "POST /v2/alarms": Entry(call: { _ in Call(method: .POST, path: "/v2/alarms", body: Fixture.newAlarmBody) },
                                 admin: .status(201), owner: .status(201), other: .status(201)),
        "GET /v2/alarms/{id}": Entry(call: { Call(method: .GET, path: "/v2/alarms/\($0.alarmID)") },
                                     admin: .shows, owner: .shows, other: .status(404)),
        "PUT /v2/alarms/{id}": Entry(call: { Call(method: .PUT, path: "/v2/alarms/\(try await $0.freshAlarm())", body: Fixture.alarmBody) },
                                     admin: .shows, owner: .shows, other: .status(404)),
        "DELETE /v2/alarms/{id}": Entry(call: { Call(method: .DELETE, path: "/v2/alarms/\(try await $0.freshAlarm())") },
                                        admin: .status(204), owner: .status(204), other: .status(404)),
        "GET /v2/alarms/{id}/state": Entry(call: { Call(method: .GET, path: "/v2/alarms/\($0.alarmID)/state") },
                                           admin: .status(200), owner: .status(200), other: .status(404)),
        "PUT /v2/alarms/{id}/state": Entry(call: { Call(method: .PUT, path: "/v2/alarms/\(try await $0.freshAlarm())/state", body: Data(#""alarm""#.utf8)) },
                                           admin: .status(200), owner: .status(200), other: .status(404)),
        "GET /v2/alarms/{id}/history": Entry(call: { Call(method: .GET, path: "/v2/alarms/\($0.alarmID)/history") },
                                             admin: .shows, owner: .shows, other: .status(404)),
        "POST /v2/query/alarms": Entry(call: post("/v2/query/alarms", "{}"), admin: .shows, owner: .shows, other: .hides),
        "POST /v2/query/alarms/history": Entry(call: post("/v2/query/alarms/history", "{}"), admin: .shows, owner: .shows, other: .hides),
    ]

    static func check(_ expect: Expect, _ answer: (status: Int, json: JSONValue?, text: String)) -> Bool {
        let holds = markers.contains { answer.text.contains($0) }
        switch expect {
        case .status(let code): return answer.status == code
        case .shows: return answer.status == 200 && holds
        case .hides: return answer.status == 200 && !holds
        case .noPoints: return answer.status == 200 && answer.text.contains("\"points\":[]")
        }
    }

    @Test("the table has exactly the router's routes")
    func tableCoversTheRouter() {
        let storage = MemoryStorage()
        let logger = Logger(label: "test.authorization")
        let environment = APIEnvironment(storage: storage, ingestor: Ingestor(storage: storage, secret: "", logger: logger),
                                         tokens: TokenTable(adminToken: "a"), logger: logger)
        let served = Set(APIServer.router(environment).routes.map { "\($0.method) \($0.path)" })
        let listed = Set(AuthorizationTableTests.table.keys)
        #expect(served.subtracting(listed).isEmpty, "routes with no authorization entry: \(served.subtracting(listed).sorted())")
        #expect(listed.subtracting(served).isEmpty, "entries for routes the router does not serve: \(listed.subtracting(served).sorted())")
    }

    @Test("every route: no token, a wrong token, the admin, the owning project and another project get what the table says")
    func everyRouteAsEveryCaller() async throws {
        // Its wrong tokens are many more than one client may send in a minute (AuthFailureLimitTests checks that).
        let collector = try await CollectorHarness { $0.maxFailedTokenChecks = 10_000 }
        defer { Task { await collector.stop() } }
        let fixture = try await Fixture(collector)
        for (route, entry) in AuthorizationTableTests.table.sorted(by: { $0.key < $1.key }) {
            // Another project first: a refusal must leave p1's objects as they were for the callers after it.
            for (caller, token, expect) in [("p2", "p2-token", entry.other), ("p1", "p1-token", entry.owner),
                                            ("admin", CollectorHarness.adminToken, entry.admin)] {
                let call = try await entry.call(fixture)
                let answer = try await collector.request(call.method, call.path, token: token, body: call.body, headers: call.headers)
                #expect(AuthorizationTableTests.check(expect, answer),
                        "\(route) as \(caller): expected \(expect), got \(answer.status) \(answer.text.prefix(400))")
            }
            for token in [nil, "not-a-token"] {
                let call = try await entry.call(fixture)
                let answer = try await collector.request(call.method, call.path, token: token, body: call.body, headers: call.headers)
                if entry.open {
                    #expect(answer.status != 401, "\(route) is open but checked a token: \(answer.status) \(answer.text.prefix(300))")
                    #expect(AuthorizationTableTests.check(entry.admin, answer),
                            "\(route) with token \(token ?? "none"): expected \(entry.admin), got \(answer.status) \(answer.text.prefix(300))")
                } else {
                    let words = token == nil ? "authentication required: send X-Auth-Token" : "the token is not valid"
                    #expect(answer.status == 401 && answer.text.contains(words),
                            "\(route) with token \(token ?? "none"): \(answer.status) \(answer.text.prefix(300))")
                }
            }
        }
    }
}
