import Foundation
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
        let denied = try await run(["meter", "list"], token: "wrong")
        #expect(denied.status == 1 && denied.stderr.contains("401"))
        let unreachable = try await ProcessRunner.run(virtmon, ["meter", "list", "--endpoint", "http://127.0.0.1:1"])
        #expect(unreachable.status == 1 && unreachable.stderr.contains("cannot reach the collector"))
    }
}
