import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import VirtmonModel
import VirtmonTestSupport

@Suite("virtmon query commands")
struct CLITests {
    @Test("meter list, sample list, statistics, resource list/show and event list against a collector",
          .enabled(if: BuiltExecutable.path("virtmon") != nil))
    func queries() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        var batch = TestBatches.make(seq: 1, samples: 3, meter: "hardware.cpu.util")
        batch.events = [Event(time: Date(), type: "memory_usage", level: .error, host: "test-host", resource: "77", message: "over the limit")]
        let signed = TestBatches.signed(batch)
        #expect(try await collector.postBatch(signed.body, signature: signed.signature).status == 200)

        let virtmon = BuiltExecutable.path("virtmon")!
        func run(_ arguments: [String], token: String = CollectorHarness.adminToken) async throws -> ProcessRunner.Result {
            try await ProcessRunner.run(virtmon, arguments, environment: ["VIRTMON_ENDPOINT": collector.base, "VIRTMON_TOKEN": token])
        }
        let table = try await run(["meter", "list"])
        #expect(table.status == 0)
        #expect(table.stdout.hasPrefix("Name") && table.stdout.contains("hardware.cpu.util") && table.stdout.contains("res-1"))
        let json = try await run(["meter", "list", "--json"])
        #expect((try? JSONDecoder().decode(JSONValue.self, from: Data(json.stdout.utf8))) != nil)
        let statistics = try await run(["statistics", "-m", "hardware.cpu.util", "-p", "60"])
        #expect(statistics.status == 0 && statistics.stdout.contains("Count"))
        #expect(statistics.stdout.split(separator: "\n").count == 3)  // header, rule, one period
        let samples = try await run(["sample", "list", "-m", "hardware.cpu.util", "--limit", "2"])
        #expect(samples.stdout.split(separator: "\n").count == 4)
        #expect(try await run(["resource", "show", "res-1"]).stdout.contains("res-1"))
        #expect(try await run(["resource", "list"]).stdout.contains("res-1"))
        #expect(try await run(["event", "list"]).stdout.contains("over the limit"))
        // Empty answers: exit 0 and `[]` for scripts; stderr says why, naming an unknown meter.
        let unknown = try await run(["statistics", "-m", "hardware.cpu.utill", "--json"])
        #expect(unknown.status == 0 && unknown.stdout == "[]\n", "\(unknown.stdout)")
        #expect(unknown.stderr.contains("no meter named 'hardware.cpu.utill' among those this token can see"), "\(unknown.stderr)")
        let none = try await run(["sample", "list", "-m", "hardware.cpu.util", "-q", "resource_id=nobody", "--json"])
        #expect(none.status == 0 && none.stdout == "[]\n" && none.stderr.contains("nothing matched the filters"), "\(none.stderr)")
        let denied = try await run(["meter", "list"], token: "wrong")
        #expect(denied.status == 1 && denied.stderr.contains("401"))
        let unreachable = try await ProcessRunner.run(virtmon, ["meter", "list", "--endpoint", "http://127.0.0.1:1"])
        #expect(unreachable.status == 1 && unreachable.stderr.contains("cannot reach the collector at http://127.0.0.1:1: connection refused by 127.0.0.1:1: nothing listens there"), "\(unreachable.stderr)")
        let missing = try await ProcessRunner.run(virtmon, ["config", "check", "/nonexistent-virtmon.yaml"])
        #expect(missing.status == 1 && missing.stderr.contains("/nonexistent-virtmon.yaml: cannot read: no such file or directory"), "\(missing.stderr)")
    }

    @Test("bad values on the command line: exit 2 and a message naming the value and what is accepted",
          .enabled(if: BuiltExecutable.path("virtmon") != nil))
    func badValues() async throws {
        let virtmon = BuiltExecutable.path("virtmon")!
        let cases: [([String], String)] = [
            (["agent", "--log-level", "bogus"], "--log-level must be one of trace, debug, info, notice, warning, error, critical; got 'bogus'"),
            (["collector", "--log-level", "loud"], "--log-level must be one of"),
            (["up", "--log-level", "x"], "--log-level must be one of"),
            (["agent", "--interval", "0"], "--interval '0' is not a usable interval"),
            (["up", "--interval", "soon"], "--interval 'soon' is not a usable interval"),
            (["statistics", "-m", "cpu", "-p", "-5"], "--period must be a whole number of seconds, 0 or more; got '-5'"),
            (["statistics", "-m", "cpu", "-p", "1.5"], "got '1.5'"),
            (["meter", "list", "--endpoint", "127.0.0.1:8777"], "--endpoint must be a URL such as http://HOST:PORT (with the scheme); got '127.0.0.1:8777'"),
        ]
        for (arguments, message) in cases {
            let result = try await ProcessRunner.run(virtmon, arguments)
            #expect(result.status == 2, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }

    @Test("agent --once exits 1 naming what the collector answered and the fix when its batches were not stored",
          .enabled(if: BuiltExecutable.path("virtmon") != nil))
    func undeliveredOnce() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let virtmon = BuiltExecutable.path("virtmon")!
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-once-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let cases: [(String, String)] = [
            ("\(collector.base)/api/v1/batches", "the collector requires signed batches: set publishing.secret"),
            ("\(collector.base)/v1/batches", "check the publisher URL's path: the collector ingests at /api/v1/batches"),
            ("http://127.0.0.1:1/api/v1/batches", "unreachable: connection refused by 127.0.0.1:1: nothing listens there — is the collector running there"),
        ]
        for (index, (url, advice)) in cases.enumerated() {
            let result = try await ProcessRunner.run(virtmon, [
                "agent", "--once", "--interval", "0.2", "--data-dir", "\(dataDir)/\(index)", "--publisher", url,
                "--libvirt-uri", "off", "--log-level", "critical",
            ])
            #expect(result.status == 1, "\(url): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("not delivered to \(url)") && result.stderr.contains(advice), "\(result.stderr)")
            #expect(result.stderr.contains("go out on the next start"))
        }
    }

    @Test("config check validates the collector: section too; up listens where the config's collector.listen says",
          .enabled(if: BuiltExecutable.path("virtmon") != nil))
    func oneConfigurationStory() async throws {
        let virtmon = BuiltExecutable.path("virtmon")!
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let typo = directory.appendingPathComponent("typo.yaml").path
        try "collector:\n  retension: 7d\n".write(toFile: typo, atomically: true, encoding: .utf8)
        let checked = try await ProcessRunner.run(virtmon, ["config", "check", typo])
        #expect(checked.status == 1 && checked.stderr.contains("typo.yaml:2:3: unknown key 'retension' in collector (did you mean 'retention'?)"), "\(checked.stderr)")
        #expect(!checked.stdout.contains("OK"))

        let port = try CrashTests.freePort()
        let file = directory.appendingPathComponent("up.yaml").path
        try "collector:\n  listen: 127.0.0.1:\(port)\n".write(toFile: file, atomically: true, encoding: .utf8)
        let up = Process()
        up.executableURL = URL(fileURLWithPath: virtmon)
        up.arguments = ["up", "--config", file, "--data-dir", directory.appendingPathComponent("data").path, "--log-level", "critical"]
        up.standardOutput = FileHandle.nullDevice
        try up.run()
        defer { kill(up.processIdentifier, SIGKILL) }
        try await CrashTests.waitHealthy(port: port)
    }

    @Test("the example configuration runs under up as written (given a port and a data dir): host samples arrive",
          .enabled(if: BuiltExecutable.path("virtmon") != nil))
    func theExampleConfigRunsUnderUp() async throws {
        let virtmon = BuiltExecutable.path("virtmon")!
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/agent.example.yaml").path
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-example-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let checked = try await ProcessRunner.run(virtmon, ["config", "check", example])
        #expect(checked.status == 0 && checked.stdout.contains("OK"), "\(checked.stderr)")
        let port = try CrashTests.freePort()
        let up = Process()
        up.executableURL = URL(fileURLWithPath: virtmon)
        up.arguments = ["up", "--config", example, "--listen", "127.0.0.1:\(port)", "--data-dir", directory.path, "--log-level", "critical"]
        up.standardOutput = FileHandle.nullDevice
        try up.run()
        defer { kill(up.processIdentifier, SIGKILL) }
        try await CrashTests.waitHealthy(port: port)
        let token = try String(contentsOfFile: directory.appendingPathComponent("admin-token").path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/meters?meter=hardware.memory.total")
        request.headers.add(name: "X-Auth-Token", value: token)
        var meters = 0
        // The first cycle runs at start; its batch reaches the API through the agent's spool within seconds.
        for _ in 0..<300 where meters == 0 {
            if let response = try? await CollectorHarness.http.execute(request, timeout: .seconds(5)), response.status == .ok,
               case .array(let list)? = try? JSONDecoder().decode(JSONValue.self, from: Data(String(buffer: try await response.body.collect(upTo: 1 << 20)).utf8)) {
                meters = list.count
            }
            if meters == 0 { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(meters == 1, "no hardware.memory.total sample arrived within 60 s")
    }

    @Test("the libvirt test driver with a file that is not there stops the agent at once, naming the file",
          .enabled(if: BuiltExecutable.path("virtmon") != nil && FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/libvirt.so.0")))
    func missingTestDriverFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-testdriver-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let started = ContinuousClock.now
        let result = try await ProcessRunner.run(BuiltExecutable.path("virtmon")!, [
            "agent", "--once", "--libvirt-uri", "test:///nonexistent-virtmon/node.xml", "--publisher", "log://",
            "--data-dir", directory.path,
        ])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("--libvirt-uri test:///nonexistent-virtmon/node.xml: /nonexistent-virtmon/node.xml does not exist"), "\(result.stderr)")
        #expect(ContinuousClock.now - started < .seconds(20), "it fails at start, not after waiting")
    }

    @Test("virtmon alarm: create in one line, list with its condition, update, state, history, delete",
          .enabled(if: BuiltExecutable.path("virtmon") != nil))
    func alarmCommands() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let virtmon = BuiltExecutable.path("virtmon")!
        func run(_ arguments: [String]) async throws -> ProcessRunner.Result {
            let result = try await ProcessRunner.run(virtmon, arguments, environment: ["VIRTMON_ENDPOINT": collector.base, "VIRTMON_TOKEN": CollectorHarness.adminToken])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result
        }
        let created = try await run([
            "alarm", "create", "--name", "hot", "--meter", "cpu_util", "--threshold", "90", "--op", "gt", "--statistic", "avg",
            "--period", "60", "--evaluation-periods", "3", "-q", "resource_id=vm-1", "--alarm-action", "log://", "--json",
        ])
        guard case .object(let alarm)? = try? JSONDecoder().decode(JSONValue.self, from: Data(created.stdout.utf8)),
              case .string(let id)? = alarm["alarm_id"] else {
            Issue.record("not an alarm: \(created.stdout)")
            return
        }
        let listed = try await run(["alarm", "list"]).stdout
        #expect(listed.contains(id) && listed.contains("avg(cpu_util) > 90 during 3 x 60s") && listed.contains("insufficient data"), "\(listed)")
        #expect(try await run(["alarm", "update", id, "--threshold", "95", "--severity", "critical"]).stdout.contains("critical"))
        #expect(try await run(["alarm", "list", "-q", "severity=critical"]).stdout.contains("> 95 during"))
        #expect(try await run(["alarm", "state", id, "--set", "alarm"]).stdout == "alarm\n")
        #expect(try await run(["alarm", "state", id]).stdout == "alarm\n")
        let history = try await run(["alarm", "history", id]).stdout
        #expect(history.contains("state transition") && history.contains("rule change") && history.contains("creation"), "\(history)")
        _ = try await run(["alarm", "delete", id])
        let gone = try await ProcessRunner.run(virtmon, ["alarm", "show", id], environment: ["VIRTMON_ENDPOINT": collector.base, "VIRTMON_TOKEN": CollectorHarness.adminToken])
        #expect(gone.status == 1 && gone.stderr.contains("collector answered 404: Alarm \(id) not found"), "\(gone.stderr)")
        let bad = try await ProcessRunner.run(virtmon, ["alarm", "create", "--name", "x", "--meter", "m"], environment: ["VIRTMON_ENDPOINT": collector.base])
        #expect(bad.status == 2 && bad.stderr.contains("a threshold alarm needs --threshold"), "\(bad.stderr)")
    }
}
