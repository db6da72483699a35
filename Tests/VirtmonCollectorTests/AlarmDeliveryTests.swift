import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import VirtmonModel
import VirtmonTestSupport

/// From samples to a webhook, through a collector and a real HTTP receiver.
@Suite("Alarm evaluation and delivery, end to end")
struct AlarmDeliveryTests {
    /// Waits until `condition` holds, for up to `seconds`.
    static func eventually(_ seconds: Double = 20, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    @Test("N breaching periods: one webhook with Aodh's body; back under: one ok; a receiver failing twice gets it on the retry")
    func webhookOnTransitions() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let receiver = try await TestHTTPReceiver()
        defer { Task { try? await receiver.stop() } }
        let hook = "http://127.0.0.1:\(receiver.port)/alarm"
        let body = """
            {"name": "hot", "type": "threshold", "severity": "critical",
             "threshold_rule": {"meter_name": "cpu_util", "threshold": 90, "comparison_operator": "gt", "statistic": "max",
                                "period": 5, "evaluation_periods": 1, "query": [{"field": "resource_id", "value": "vm-9"}]},
             "alarm_actions": ["\(hook)"], "ok_actions": ["\(hook)"]}
            """
        let created = try await collector.request(.POST, "/v2/alarms", body: Data(body.utf8))
        guard case .object(let alarm)? = created.json, case .string(let id)? = alarm["alarm_id"] else {
            Issue.record("\(created.text)")
            return
        }
        var seq: UInt64 = 0
        func post(_ volume: Double) async throws {
            seq += 1
            var batch = TestBatches.make(seq: seq, samples: 0)
            let now = Date()
            // A sample every half second over the last five: the newest five-second period holds some of them
            // however late (up to 4.5 s, on a loaded machine) the evaluation runs.
            batch.samples = (0..<10).map { back in
                Sample(name: "cpu_util", type: .gauge, unit: "%", volume: volume, resourceID: "vm-9",
                       timestamp: now.addingTimeInterval(-Double(back) * 0.5 - 0.1))
            }
            let signed = TestBatches.signed(batch)
            #expect(try await collector.postBatch(signed.body, signature: signed.signature).status == 200)
        }
        receiver.answer(500)
        try await post(97)
        #expect(try await Self.eventually { receiver.requests.count >= 2 }, "the first sends reach the receiver (and fail)")
        receiver.answer(200)
        #expect(try await Self.eventually(30) { receiver.requests.count >= 3 }, "delivered on a retry")
        #expect(try await collector.request(.GET, "/v2/alarms/\(id)/state").json == "alarm")
        let first = try #require(receiver.requests.last)
        guard case .object(let webhook)? = try? JSONDecoder().decode(JSONValue.self, from: first.body) else {
            Issue.record("not JSON: \(String(decoding: first.body, as: UTF8.self))")
            return
        }
        #expect(webhook["alarm_id"] == .string(id) && webhook["alarm_name"] == "hot" && webhook["severity"] == "critical")
        #expect(webhook["previous"] == "insufficient data" && webhook["current"] == "alarm")
        if case .string(let reason)? = webhook["reason"] { #expect(reason.hasPrefix("Transition to alarm due to 1 samples outside threshold, most recent: 97.0"), "\(reason)") }
        if case .object(let data)? = webhook["reason_data"] { #expect(data["type"] == "threshold" && data["disposition"] == "outside" && data["count"] == .number(1)) }
        #expect(first.headers["x-openstack-request-id"]?.hasPrefix("req-") == true)
        #expect(first.path == "/alarm")

        // Still breaching: no second webhook.
        try await post(98)
        try await Task.sleep(for: .milliseconds(1500))
        #expect(receiver.requests.count == 3, "one transition, one delivery")

        // Once the breaching samples are older than the newest period, clear values bring it back.
        try await Task.sleep(for: .seconds(6))
        try await post(10)
        #expect(try await Self.eventually { receiver.requests.count >= 4 })
        // A missing delivery is a failed expectation above, never an index out of range that ends the whole run.
        let requests = receiver.requests
        guard requests.count >= 4 else { return }
        let ok = try JSONDecoder().decode(JSONValue.self, from: requests[3].body)
        guard case .object(let okBody) = ok else { return }
        #expect(okBody["previous"] == "alarm" && okBody["current"] == "ok")
        let history = try await collector.request(.GET, "/v2/alarms/\(id)/history").text
        #expect(history.contains("Transition to ok") && history.contains("Transition to alarm"))
        #expect(history.contains(#"\"reason_data\":{\"count\":1,\"disposition\":\"outside\""#), "each transition keeps its reason_data: \(history)")
    }

    @Test("an event alarm fires when a matching monitor event is committed, once; other events leave it")
    func eventAlarm() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let receiver = try await TestHTTPReceiver()
        defer { Task { try? await receiver.stop() } }
        let body = """
            {"name": "vmm-memory", "type": "event", "severity": "moderate",
             "event_rule": {"event_type": "memory_*", "query": [{"field": "level", "op": "eq", "value": "error"}]},
             "alarm_actions": ["http://127.0.0.1:\(receiver.port)/event"]}
            """
        let created = try await collector.request(.POST, "/v2/alarms", body: Data(body.utf8))
        guard case .object(let alarm)? = created.json, case .string(let id)? = alarm["alarm_id"] else { Issue.record("\(created.text)"); return }
        func post(_ seq: UInt64, type: String, level: EventLevel) async throws {
            var batch = TestBatches.make(seq: seq, samples: 0)
            batch.events = [Event(time: Date(), type: type, level: level, host: "h1", resource: "qemu-4242", message: "\(type) at \(level)")]
            let signed = TestBatches.signed(batch)
            #expect(try await collector.postBatch(signed.body, signature: signed.signature).status == 200)
        }
        try await post(1, type: "cpu_usage", level: .error)
        try await post(2, type: "memory_usage", level: .info)
        try await Task.sleep(for: .milliseconds(500))
        #expect(receiver.requests.isEmpty, "neither event matches")
        try await post(3, type: "memory_usage", level: .error)
        #expect(try await Self.eventually { receiver.requests.count == 1 })
        let webhook = try JSONDecoder().decode(JSONValue.self, from: receiver.requests[0].body)
        guard case .object(let sent) = webhook, case .object(let data)? = sent["reason_data"] else { Issue.record("\(webhook)"); return }
        #expect(sent["current"] == "alarm" && data["type"] == "event")
        #expect(try await collector.request(.GET, "/v2/alarms/\(id)/state").json == "alarm")
        try await post(4, type: "memory_usage", level: .error)
        try await Task.sleep(for: .milliseconds(500))
        #expect(receiver.requests.count == 1, "already in alarm: no repeat without repeat_actions")
    }

    static let alertmanager = "/usr/bin/prometheus-alertmanager"

    @Test("a real Prometheus Alertmanager receives the firing alert and its resolution",
          .enabled(if: FileManager.default.isExecutableFile(atPath: AlarmDeliveryTests.alertmanager)))
    func alertmanagerReceives() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-am-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "route:\n  receiver: \"null\"\nreceivers:\n  - name: \"null\"\n".write(to: directory.appendingPathComponent("am.yml"), atomically: true, encoding: .utf8)
        let port = try CrashTests.freePort()
        let manager = Process()
        manager.executableURL = URL(fileURLWithPath: Self.alertmanager)
        manager.arguments = ["--config.file=\(directory.path)/am.yml", "--storage.path=\(directory.path)/data",
                             "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address="]
        manager.standardOutput = FileHandle.nullDevice
        manager.standardError = FileHandle.nullDevice
        try manager.run()
        defer { manager.terminate() }
        let alerts = "http://127.0.0.1:\(port)/api/v2/alerts?filter=alertname%3D%22am-hot%22"
        func firing() async throws -> [JSONValue]? {
            guard let response = try? await CollectorHarness.http.execute(HTTPClientRequest(url: alerts), timeout: .seconds(2)),
                  response.status == .ok else { return nil }
            let body = try await response.body.collect(upTo: 1 << 20)
            guard case .array(let list)? = try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView)) else { return nil }
            return list
        }
        #expect(try await Self.eventually { try await firing() != nil }, "alertmanager answers")

        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let body = """
            {"name": "am-hot", "type": "threshold", "severity": "critical",
             "threshold_rule": {"meter_name": "am.cpu", "threshold": 90, "comparison_operator": "gt", "statistic": "max", "period": 5,
                                "evaluation_periods": 1, "query": [{"field": "resource_id", "value": "vm-am"}]},
             "alarm_actions": ["alertmanager://127.0.0.1:\(port)"], "ok_actions": ["alertmanager://127.0.0.1:\(port)"]}
            """
        #expect(try await collector.request(.POST, "/v2/alarms", body: Data(body.utf8)).status == 201)
        func post(_ seq: UInt64, _ volume: Double) async throws {
            var batch = TestBatches.make(seq: seq, samples: 0)
            let now = Date()
            batch.samples = (0..<10).map { back in
                Sample(name: "am.cpu", type: .gauge, unit: "%", volume: volume, resourceID: "vm-am", timestamp: now.addingTimeInterval(-Double(back) * 0.5 - 0.1))
            }
            let signed = TestBatches.signed(batch)
            #expect(try await collector.postBatch(signed.body, signature: signed.signature).status == 200)
        }
        try await post(1, 99)
        #expect(try await Self.eventually { (try await firing()?.count ?? 0) == 1 }, "the alert fires")
        let alert = try #require(try await firing()?.first)
        guard case .object(let fields) = alert, case .object(let labels)? = fields["labels"] else { Issue.record("\(alert)"); return }
        #expect(labels["severity"] == "critical" && labels["resource"] == "vm-am" && labels["alertname"] == "am-hot")
        try await Task.sleep(for: .seconds(6))
        try await post(2, 5)
        #expect(try await Self.eventually { try await firing()?.isEmpty == true }, "resolved when the alarm goes back to ok")
    }

    @Test("the collector SIGKILLed between a transition and its delivery: delivered after the restart, once",
          .enabled(if: BuiltExecutable.path("virtmon") != nil))
    func deliveredAfterACrash() async throws {
        let virtmon = BuiltExecutable.path("virtmon")!
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-outbox-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let port = try CrashTests.freePort()
        let receiver = try await TestHTTPReceiver()
        defer { Task { try? await receiver.stop() } }
        receiver.answer(503)
        var process = try CrashTests.start(virtmon, port: port, dataDir: dataDir)
        defer { kill(process.processIdentifier, SIGKILL) }
        try await CrashTests.waitHealthy(port: port)
        func request(_ method: HTTPMethod, _ path: String, _ body: String? = nil) async throws -> (Int, String) {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.method = method
            request.headers.add(name: "X-Auth-Token", value: CrashTests.token)
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: body))
            }
            let response = try await CollectorHarness.http.execute(request, timeout: .seconds(10))
            return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
        }
        let (status, text) = try await request(.POST, "/v2/alarms", """
            {"name": "crash", "type": "threshold", "threshold_rule": {"meter_name": "crash.cpu", "threshold": 50, "comparison_operator": "gt",
             "statistic": "max", "period": 5, "evaluation_periods": 1}, "alarm_actions": ["http://127.0.0.1:\(receiver.port)/crash"]}
            """)
        #expect(status == 201, "\(text)")
        var batch = TestBatches.make(seq: 1, samples: 0)
        let now = Date()
        batch.samples = (0..<10).map { back in
            Sample(name: "crash.cpu", type: .gauge, unit: "%", volume: 99, resourceID: "vm-c", timestamp: now.addingTimeInterval(-Double(back) * 0.5 - 0.1))
        }
        let signed = TestBatches.signed(batch, secret: CrashTests.secret)
        var post = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/batches")
        post.method = .POST
        post.headers.add(name: SignedFrame.signatureHeader, value: signed.signature ?? "")
        post.body = .bytes(ByteBuffer(bytes: signed.body))
        #expect(try await CollectorHarness.http.execute(post, timeout: .seconds(10)).status == .ok)
        // The transition is stored and its first send refused: the notification waits for a retry.
        #expect(try await Self.eventually { receiver.requests.count >= 1 })
        kill(process.processIdentifier, SIGKILL)
        await process.exited()
        let refused = receiver.requests.count
        receiver.answer(200)
        process = try CrashTests.start(virtmon, port: port, dataDir: dataDir)
        try await CrashTests.waitHealthy(port: port)
        #expect(try await Self.eventually { receiver.requests.count > refused }, "sent again after the restart")
        try await Task.sleep(for: .seconds(2))
        #expect(receiver.requests.count == refused + 1, "delivered once, then no more")
        let body = try JSONDecoder().decode(JSONValue.self, from: try #require(receiver.requests.last).body)
        if case .object(let sent) = body { #expect(sent["alarm_name"] == "crash" && sent["current"] == "alarm") }
        let history = try await request(.POST, "/v2/query/alarms/history", #"{"filter": {"=": {"type": "state transition"}}}"#).1
        #expect(history.contains("Transition to alarm"), "the transition was stored before the kill: \(history)")
    }

    @Test("a real agent's monitor event (a hypervisor process over its memory limit, from the memory_usage check) triggers an event alarm",
          .enabled(if: BuiltExecutable.path("virtmon") != nil && BuiltExecutable.path("vmm-stand-in") != nil))
    func realAgentEvent() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let receiver = try await TestHTTPReceiver()
        defer { Task { try? await receiver.stop() } }
        let body = """
            {"name": "vmm-memory", "type": "event", "event_rule": {"event_type": "memory_*", "query": [{"field": "level", "value": "error"}]},
             "alarm_actions": ["http://127.0.0.1:\(receiver.port)/memory"]}
            """
        #expect(try await collector.request(.POST, "/v2/alarms", body: Data(body.utf8)).status == 201)
        // A stand-in hypervisor: 64 MiB of guest RAM and a process around it; it runs while its stdin is open.
        let vmm = Process()
        vmm.executableURL = URL(fileURLWithPath: BuiltExecutable.path("vmm-stand-in")!)
        vmm.arguments = ["64", "8"]
        let input = Pipe(), output = Pipe()
        vmm.standardInput = input
        vmm.standardOutput = output
        try vmm.run()
        defer { kill(vmm.processIdentifier, SIGKILL); _ = ProcessRunner.reap(vmm) }
        #expect(String(decoding: output.fileHandleForReading.availableData, as: UTF8.self).hasPrefix("ready"))

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-agent-alarm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Its memory outside guest RAM is far above 1 KiB: the check raises an error event on its first run.
        let config = """
            agent: {host: alarm-host}
            publishing: {secret: \(CollectorHarness.secret), flush_timeout: 60s}
            monitors:
              pids: [\(vmm.processIdentifier)]
              scan_by_name: false
              guest_memory_limit: 32MiB
              memory_usage: {cycle: 200ms, max_overhead: 1}
              cpu_usage: {enabled: false}
              liveness: {enabled: false}
              host_memory: {enabled: false}
            """
        try config.write(to: directory.appendingPathComponent("agent.yaml"), atomically: true, encoding: .utf8)
        let agent = try await ProcessRunner.run(BuiltExecutable.path("virtmon")!, [
            "agent", "--config", directory.appendingPathComponent("agent.yaml").path, "--cycles", "3", "--interval", "0.5",
            "--publisher", "\(collector.base)/api/v1/batches", "--data-dir", directory.appendingPathComponent("data").path,
            "--libvirt-uri", "off", "--log-level", "error",
        ])
        #expect(agent.status == 0, "\(agent.stderr)")
        #expect(try await Self.eventually { receiver.requests.count == 1 }, "the event alarm's webhook")
        guard let sent = receiver.requests.first,
              case .object(let webhook) = try JSONDecoder().decode(JSONValue.self, from: sent.body),
              case .object(let data)? = webhook["reason_data"], case .object(let event)? = data["event"] else {
            Issue.record("\(receiver.requests.map { String(decoding: $0.body, as: UTF8.self) })")
            return
        }
        #expect(webhook["alarm_name"] == "vmm-memory" && webhook["current"] == "alarm")
        #expect(event["event_type"] == "memory_usage" && event["host"] == "alarm-host" && event["level"] == "error")
        input.fileHandleForWriting.closeFile()
    }
}
