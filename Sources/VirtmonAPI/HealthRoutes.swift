import Foundation
import Hummingbird
import VirtmonCollector
import VirtmonModel

/// /healthz (is the store answering?) and /metrics (the collector's own counters in Prometheus text format).
struct HealthRoutes {
    let environment: APIEnvironment

    func register(on router: Router<APIRequestContext>) {
        let env = environment
        router.get("/healthz") { _, _ in
            do {
                _ = try await env.storage.hosts()
                return JSONResponse.make(.object(["status": "ok", "uptime_seconds": .number(Date().timeIntervalSince(env.startedAt).rounded())]))
            } catch {
                return JSONResponse.make(.object(["status": "storage unavailable", "error": .string("\(error)")]), status: 503)
            }
        }
        router.get("/metrics") { _, _ in
            JSONResponse.text(HealthRoutes.exposition(env.ingestor.counters.snapshot, startedAt: env.startedAt),
                              contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }

    static func exposition(_ counters: IngestCounters.Snapshot, startedAt: Date) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for sample in samples { lines.append("\(name)\(sample.labels) \(sample.value)") }
        }
        metric("virtmon_collector_batches_received_total", "counter", "Batches received, by transport.",
               ["http", "udp"].map { ("{transport=\"\($0)\"}", "\(counters.batchesReceived[$0] ?? 0)") })
        metric("virtmon_collector_batches_stored_total", "counter", "Batches committed to storage.", [("", "\(counters.batchesStored)")])
        metric("virtmon_collector_samples_stored_total", "counter", "Samples committed to storage.", [("", "\(counters.samplesStored)")])
        metric("virtmon_collector_events_stored_total", "counter", "Monitor events committed to storage.", [("", "\(counters.eventsStored)")])
        metric("virtmon_collector_duplicate_batches_total", "counter", "Batches whose agent and sequence were already stored (retries and replays).", [("", "\(counters.duplicates)")])
        metric("virtmon_collector_refused_total", "counter", "Batches refused, by reason.",
               IngestRefusal.allCases.map { ("{reason=\"\($0.rawValue)\"}", "\(counters.refusals($0))") })
        metric("virtmon_collector_commits_in_flight", "gauge", "Batches being committed now (the ingest queue).", [("", "\(counters.inFlight)")])
        metric("virtmon_collector_commit_seconds", "summary", "Time to commit a batch durably.",
               [("_sum", String(counters.commitSeconds)), ("_count", "\(counters.commits)")])
        metric("virtmon_collector_uptime_seconds", "gauge", "Seconds since the collector started.",
               [("", String(Date().timeIntervalSince(startedAt).rounded()))])
        return lines.joined(separator: "\n") + "\n"
    }
}
