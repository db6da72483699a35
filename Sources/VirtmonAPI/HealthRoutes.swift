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
            let counters = env.ingestor.counters.snapshot
            if let since = counters.failingSince {
                // Reads may still work while every write fails: agents must hear that their batches are not stored.
                return JSONResponse.make(.object([
                    "status": "writes failing", "since": .string(WireTimestamp.format(since)),
                    "error": .string(counters.lastFailure ?? "unknown"),
                ]), status: 503)
            }
            do {
                _ = try await env.storage.hosts()
                return JSONResponse.make(.object(["status": "ok", "uptime_seconds": .number(Date().timeIntervalSince(env.startedAt).rounded())]))
            } catch {
                return JSONResponse.make(.object(["status": "storage unavailable", "error": .string(String(describing: error))]), status: 503)
            }
        }
        let openAPI = WireJSON.encode(OpenAPIDocument.document)
        router.get("/openapi.json") { _, _ in JSONResponse.make(bytes: openAPI) }
        router.get("/metrics") { _, _ in
            JSONResponse.text(HealthRoutes.exposition(env.ingestor.counters.snapshot, startedAt: env.startedAt)
                                + HealthRoutes.exposition(env.connectionLedger.snapshot, limits: env.connections, udpDrops: env.udpDrops?()),
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
               Ingestor.Transport.allCases.map(\.rawValue).map { ("{transport=\"\($0)\"}", "\(counters.batchesReceived[$0] ?? 0)") })
        metric("virtmon_collector_batches_stored_total", "counter", "Batches committed to storage.", [("", "\(counters.batchesStored)")])
        metric("virtmon_collector_samples_stored_total", "counter", "Samples committed to storage.", [("", "\(counters.samplesStored)")])
        metric("virtmon_collector_events_stored_total", "counter", "Monitor events committed to storage.", [("", "\(counters.eventsStored)")])
        metric("virtmon_collector_duplicate_batches_total", "counter", "Batches whose agent and sequence were already stored (retries and replays).", [("", "\(counters.duplicates)")])
        metric("virtmon_collector_refused_total", "counter", "Batches refused, by reason.",
               IngestRefusal.allCases.map { ("{reason=\"\($0.rawValue)\"}", "\(counters.refusals($0))") })
        metric("virtmon_collector_commits_in_flight", "gauge", "Batches being committed now (the ingest queue).", [("", "\(counters.inFlight)")])
        metric("virtmon_collector_commit_seconds", "summary", "Time to commit a batch durably.",
               [("_sum", String(counters.commitSeconds)), ("_count", "\(counters.commits)")])
        metric("virtmon_collector_series_quota_refusals_total", "counter", "Project-token writes refused for the series bound, by project.",
               counters.quotaRefusals.sorted { $0.key < $1.key }.map { ("{project=\"\(HealthRoutes.escape($0.key))\"}", "\($0.value)") })
        metric("virtmon_collector_writes_failing", "gauge", "1 while commits to storage fail (health answers 503), else 0.",
               [("", counters.failingSince == nil ? "0" : "1")])
        metric("virtmon_collector_uptime_seconds", "gauge", "Seconds since the collector started.",
               [("", String(Date().timeIntervalSince(startedAt).rounded()))])
        return lines.joined(separator: "\n") + "\n"
    }

    /// The listener's connection figures and the UDP socket's kernel drops.
    static func exposition(_ connections: ConnectionLedger.Snapshot, limits: ConnectionLimits, udpDrops: Int?) -> String {
        var lines = [
            "# HELP virtmon_collector_http_connections Open HTTP connections.",
            "# TYPE virtmon_collector_http_connections gauge",
            "virtmon_collector_http_connections \(connections.open)",
            "# HELP virtmon_collector_http_connections_max Open HTTP connections allowed at once (the rest wait in the backlog).",
            "# TYPE virtmon_collector_http_connections_max gauge",
            "virtmon_collector_http_connections_max \(limits.maxConnections)",
            "# HELP virtmon_collector_http_connections_closed_total HTTP connections the collector closed, by reason.",
            "# TYPE virtmon_collector_http_connections_closed_total counter",
        ]
        for reason in ConnectionLedger.Closed.allCases {
            lines.append("virtmon_collector_http_connections_closed_total{reason=\"\(reason.rawValue)\"} \(connections.closed[reason] ?? 0)")
        }
        if let udpDrops {
            lines += [
                "# HELP virtmon_collector_udp_receive_drops_total Datagrams the kernel dropped on the UDP ingest socket (receive buffer full).",
                "# TYPE virtmon_collector_udp_receive_drops_total counter",
                "virtmon_collector_udp_receive_drops_total \(udpDrops)",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A label value as the exposition format quotes it.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
