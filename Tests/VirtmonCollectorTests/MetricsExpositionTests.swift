import Foundation
import Testing
import VirtmonCollector
import VirtmonModel
import VirtmonStorage
import VirtmonTelemetry
import VirtmonTestSupport

/// The collector's /metrics: swift-metrics figures held by swift-prometheus, linted by the real promtool.
@Suite struct MetricsExpositionTests {
    /// promtool from Debian's prometheus package (scripts/test.sh installs it).
    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test func theExpositionCarriesIngestQueriesAndStorageAndPromtoolFindsNoProblem() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let batch = TestBatches.signed(TestBatches.make(seq: 1, samples: 5))
        #expect(try await collector.postBatch(batch.body, signature: batch.signature).status == 200)
        #expect(try await collector.postBatch(batch.body, signature: "00").status == 401)
        _ = try await collector.request(.GET, "/v2/meters")
        _ = try await collector.request(.GET, "/v2/meters/cpu_util/statistics?period=60")

        let text = try await collector.request(.GET, "/metrics", token: nil).text
        for line in [
            "virtmon_collector_samples_stored_total 5", "virtmon_collector_batches_stored_total 1",
            "virtmon_collector_refused_total{reason=\"bad_signature\"} 1", "virtmon_collector_refused_total{reason=\"stale\"} 0",
            "virtmon_collector_batches_received_total{transport=\"http\"} 2", "virtmon_collector_commits_in_flight 0.0",
            "virtmon_collector_writes_failing 0.0", "virtmon_storage_series 1.0", "virtmon_storage_head_samples 5.0",
            "virtmon_collector_http_connections_closed_total{reason=\"header_timeout\"} 0",
        ] {
            #expect(text.contains(line + "\n"), "missing \(line)")
        }
        #expect(text.contains("virtmon_collector_commit_duration_seconds_count 1"), "one commit (the refused batch never reached the store)")
        #expect(text.contains("virtmon_collector_query_duration_seconds_count{route=\"/v2/meters/{name}/statistics\"} 1"))
        // Every family is described in the catalogue, so every HELP line says something.
        let families = Set(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
        #expect(!families.isEmpty)
        for family in families { #expect(MetricCatalogue.help[family] != nil, "\(family) is not in MetricCatalogue") }

        guard let promtool = MetricsExpositionTests.promtool else {
            Issue.record("promtool is not installed: bash scripts/test.sh installs Debian's prometheus package")
            return
        }
        // promtool reads the exposition on standard input; it runs on a thread of its own (ProcessRunner), so
        // that waiting for it holds no cooperative thread other tests need.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-metrics-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(text.utf8).write(to: file)
        let result = try await ProcessRunner.run("/bin/sh", ["-c", "exec \"$0\" check metrics < \"$1\"", promtool, file.path])
        let output = (result.stdout + result.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(result.status == 0 && output.isEmpty, "promtool check metrics: \(output)")
    }
}
