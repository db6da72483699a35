import Foundation
import Testing
import VirtmonModel
import VirtmonTestSupport

/// The real python-ceilometerclient 2.9.0 against a running collector. scripts/test.sh installs it from PyPI
/// into a virtualenv and names the `ceilometer` script in VIRTMON_CEILOMETER.
@Suite("Real ceilometer CLI")
struct CeilometerClientTests {
    static var ceilometer: String? {
        if let path = ProcessInfo.processInfo.environment["VIRTMON_CEILOMETER"], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        print("⚠️  SKIPPING the ceilometer CLI test: VIRTMON_CEILOMETER does not name an executable (bash scripts/test.sh installs python-ceilometerclient 2.9.0 and sets it)")
        return nil
    }

    /// The CLI against `collector` as admin; a non-zero exit is recorded with its stderr.
    static func run(_ collector: CollectorHarness, _ arguments: [String]) async throws -> String {
        let result = try await ProcessRunner.run(
            ceilometer!, ["--os-endpoint", collector.base, "--os-token", CollectorHarness.adminToken] + arguments,
            environment: ["PYTHONWARNINGS": "ignore"])
        #expect(result.status == 0, "ceilometer \(arguments.joined(separator: " ")): \(result.stderr)")
        return result.stdout
    }

    @Test("meter-list, sample-list -m, statistics -m -p -g -a, resource-list, resource-show and sample-create work",
          .enabled(if: CeilometerClientTests.ceilometer != nil))
    func realClient() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        func run(_ arguments: String...) async throws -> String { try await CeilometerClientTests.run(collector, arguments) }
        // An agent's batch: two VMs' cpu_util a minute apart.
        let now = Date()
        var samples: [Sample] = []
        for minute in 0..<3 {
            for (vm, project) in [("vm-alpha", "proj-a"), ("vm-beta", "proj-b")] {
                samples.append(Sample(
                    name: "cpu_util", type: .gauge, unit: "%", volume: Double(10 * (minute + 1)) + (vm == "vm-beta" ? 1 : 0),
                    userID: "user-1", projectID: project, resourceID: vm,
                    timestamp: now.addingTimeInterval(Double(minute * 60 - 300)), resourceMetadata: ["flavor": "m1.tiny"]))
            }
        }
        let signed = TestBatches.signed(Batch(agent: "agent-c", host: "h", sequence: 1, sentAt: now, samples: samples))
        #expect(try await collector.postBatch(signed.body, signature: signed.signature).status == 200)

        let meters = try await run("meter-list")
        #expect(meters.contains("cpu_util") && meters.contains("vm-alpha") && meters.contains("proj-b"))

        let listed = try await run("sample-list", "-m", "cpu_util", "-q", "resource_id=vm-beta")
        #expect(listed.contains("vm-beta") && !listed.contains("vm-alpha"))
        #expect(listed.contains("31.0") || listed.contains("| 31 "))

        // The client sorts its table by whole rows, and under Python 3 two rows that tie up to the groupby
        // column (same period, different groups) make it compare dicts and fail, whatever the server answers;
        // one resource per query keeps the rows apart.
        let statistics = try await run(
            "statistics", "-m", "cpu_util", "-p", "3600", "-g", "resource_id", "-a", "avg", "-a", "cardinality<-project_id",
            "-q", "resource_id=vm-alpha")
        #expect(statistics.contains("{'resource_id': 'vm-alpha'}") || statistics.contains("{\"resource_id\": \"vm-alpha\"}"))
        #expect(statistics.contains("| 20.0 ") || statistics.contains("| 20 "))  // vm-alpha's average of 10, 20, 30
        #expect(statistics.contains("cardinality/project_id"))

        let plain = try await run("statistics", "-m", "cpu_util")
        #expect(plain.contains("| 6 "))  // count

        let resources = try await run("resource-list")
        #expect(resources.contains("vm-alpha") && resources.contains("vm-beta"))
        let shown = try await run("resource-show", "vm-alpha")
        #expect(shown.contains("proj-a") && shown.contains("m1.tiny"))

        let created = try await run(
            "sample-create", "-r", "vm-gamma", "-m", "memory.usage", "--meter-type", "gauge", "--meter-unit", "MB",
            "--sample-volume", "512", "--project-id", "proj-c", "--resource-metadata", "{\"host\": \"h2\"}")
        #expect(created.contains("memory.usage") && created.contains("512"))
        let after = try await run("sample-list", "-m", "memory.usage")
        #expect(after.contains("vm-gamma"))
        // query-samples sends its limit as a string ("2"), which used to be ignored.
        let queried = try await run("query-samples", "--filter", "{\"=\": {\"meter\": \"cpu_util\"}}", "--limit", "2")
        #expect(queried.split(separator: "\n").filter { $0.contains("cpu_util") }.count == 2, "\(queried)")

        // Monitor events answer as Ceilometer events.
        var withEvent = Batch(agent: "agent-c", host: "h", sequence: 2, sentAt: Date(), samples: [])
        let event = Event(time: Date(), type: "memory_usage", level: .fatal, host: "compute-9", resource: "4242",
                          message: "VMM memory over its limit", details: ["overhead_kib": 70_000])
        withEvent.events = [event]
        let signedEvent = TestBatches.signed(withEvent)
        #expect(try await collector.postBatch(signedEvent.body, signature: signedEvent.signature).status == 200)
        let events = try await run("event-list")
        #expect(events.contains(event.id) && events.contains("memory_usage") && events.contains("compute-9"), "\(events)")
        let filtered = try await run("event-list", "-q", "event_type=memory_usage")
        #expect(filtered.contains(event.id))
        let one = try await run("event-show", event.id)
        #expect(one.contains("memory_usage") && one.contains("overhead_kib") && one.contains("70000"), "\(one)")
        let types = try await run("event-type-list")
        #expect(types.contains("memory_usage"), "\(types)")
        print("ceilometer CLI 2.9.0: meter-list, sample-list -m -q, statistics -p -g -a, resource-list, resource-show, sample-create, query-samples --limit, event-list, event-show, event-type-list all answered")
    }

    @Test("alarm-threshold-create, alarm-list, alarm-show, alarm-update, alarm-state-set/get, alarm-history, alarm-delete",
          .enabled(if: CeilometerClientTests.ceilometer != nil))
    func alarms() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        func run(_ arguments: String...) async throws -> String { try await CeilometerClientTests.run(collector, arguments) }
        let created = try await run(
            "alarm-threshold-create", "--name", "hot", "--meter-name", "cpu_util", "--threshold", "70", "--comparison-operator", "gt",
            "--statistic", "avg", "--period", "60", "--evaluation-periods", "3", "--alarm-action", "log://", "-q", "resource_id=vm-1")
        #expect(created.contains("| state                     | insufficient data"), "\(created)")
        #expect(created.contains("resource_id == vm-1"), "\(created)")
        let id = try #require(created.split(separator: "\n").first { $0.contains("| alarm_id") }?.split(separator: "|").dropFirst().first?
            .trimmingCharacters(in: .whitespaces))

        let listed = try await run("alarm-list")
        #expect(listed.contains(id) && listed.contains("avg(cpu_util) > 70 during 3 x 60s"), "\(listed)")
        #expect(try await run("alarm-show", id).contains("| meter_name                | cpu_util"))
        let updated = try await run("alarm-update", id, "--threshold", "80", "--severity", "critical")
        #expect(updated.contains("| threshold                 | 80") && updated.contains("| severity                  | critical"), "\(updated)")
        #expect(try await run("alarm-state-set", id, "--state", "alarm").contains("| state    | alarm |"))
        #expect(try await run("alarm-state-get", id).contains("| state    | alarm |"))
        let history = try await run("alarm-history", id)
        let kinds = history.split(separator: "\n").compactMap { line -> String? in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            return ["state transition", "rule change", "creation"].contains(cells.first ?? "") ? cells.first : nil
        }
        #expect(kinds == ["state transition", "rule change", "creation"], "\(history)")
        #expect(history.contains("rule: avg(cpu_util) > 80 during 3 x 60s") && history.contains("state: alarm"), "\(history)")
        _ = try await run("alarm-delete", id)
        #expect(!(try await run("alarm-list")).contains(id))
    }
}
