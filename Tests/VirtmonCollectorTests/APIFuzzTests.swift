import Foundation
import Testing
import VirtmonModel
import VirtmonTestSupport

/// schemathesis (PyPI) drives a live collector from its own /openapi.json, as the admin and as a project:
/// no 5xx, every answer in the documented schema and content type, and the collector alive afterwards.
/// scripts/test.sh installs it into a virtualenv and names it in VIRTMON_SCHEMATHESIS; VIRTMON_FUZZ_EXAMPLES
/// sets the examples per operation (CI keeps it short; scripts/fuzz-api.sh runs long).
@Suite("API fuzzing")
struct APIFuzzTests {
    static var schemathesis: String? {
        if let path = ProcessInfo.processInfo.environment["VIRTMON_SCHEMATHESIS"], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        print("⚠️  SKIPPING the API fuzz test: VIRTMON_SCHEMATHESIS does not name an executable (bash scripts/test.sh installs schemathesis and sets it)")
        return nil
    }

    @Test("schemathesis over every route with the admin token and a project token: zero failures", .enabled(if: APIFuzzTests.schemathesis != nil))
    func fuzzEveryRoute() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        // Data for the generated queries to find: two projects' VMs and an agent's host.
        for (resource, token) in [("vm-a", "p1-token"), ("vm-b", "p2-token")] {
            let body = Data(WireJSON.encode([[
                "counter_type": "gauge", "counter_unit": "%", "counter_volume": 42, "resource_id": .string(resource),
                "resource_metadata": ["flavor": "m1.tiny"],
            ]]))
            #expect(try await collector.request(.POST, "/v2/meters/cpu_util", token: token, body: body).status == 200)
        }
        let batch = TestBatches.signed(TestBatches.make(seq: 1))
        #expect(try await collector.postBatch(batch.body, signature: batch.signature).status == 200)

        let examples = ProcessInfo.processInfo.environment["VIRTMON_FUZZ_EXAMPLES"] ?? "10"
        // One worker: with several threads, hypothesis's lambda descriptions hit CPython 3.11's
        // "AST constructor recursion depth mismatch" (a SystemError inside the tool, not an API failure).
        for token in [CollectorHarness.adminToken, "p1-token"] {
            let result = try await ProcessRunner.run(APIFuzzTests.schemathesis!, [
                "run", "\(collector.base)/openapi.json", "-H", "X-Auth-Token: \(token)",
                "--checks", "not_a_server_error,response_schema_conformance,content_type_conformance,status_code_conformance",
                "--max-examples", examples, "--phases", "examples,coverage,fuzzing", "--workers", "1", "--no-color",
            ], environment: ["PYTHONWARNINGS": "ignore"])
            let summary = result.stdout.split(separator: "\n").filter { $0.contains("generated") || $0.contains("failures") || $0.contains("passed") }.suffix(3)
            print("schemathesis (\(token == CollectorHarness.adminToken ? "admin" : "project p1")): \(summary.joined(separator: " | "))")
            #expect(result.status == 0, "schemathesis found failures:\n\(result.stdout.suffix(6000))\n\(result.stderr.suffix(2000))")
        }
        #expect(try await collector.request(.GET, "/healthz", token: nil).status == 200, "the collector survived")
    }
}
