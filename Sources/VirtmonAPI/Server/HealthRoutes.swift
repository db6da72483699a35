import Foundation
import Hummingbird
import VirtmonCollector
import VirtmonModel
import VirtmonStorage
import VirtmonTelemetry

/// The open routes about the collector itself: /healthz (is the store answering?), /metrics (its own figures
/// in Prometheus text format; counts only, no tenant's data) and /openapi.json.
struct HealthRoutes {
    let environment: APIEnvironment

    var routes: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        let env = environment
        routes.get("/healthz") { _, _ in
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
        routes.get("/openapi.json") { _, _ in JSONResponse.make(bytes: openAPI) }
        routes.get("/metrics") { _, _ in
            await HealthRoutes.refresh(env)
            var text = env.ingestor.counters.metrics.exposition()
            // Under `virtmon up` the agent's own figures (pollsters, spools, monitors) are in the process's.
            if env.ingestor.counters.metrics !== SelfMetrics.process { text += SelfMetrics.process.exposition() }
            return JSONResponse.text(text, contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        return routes
    }

    /// Sets what is read at scrape time rather than counted as it happens: uptime, the listener's
    /// connections, the UDP socket's kernel drops and the store's sizes.
    static func refresh(_ env: APIEnvironment) async {
        let metrics = env.ingestor.counters.metrics
        metrics.set("virtmon_collector_uptime_seconds", to: Date().timeIntervalSince(env.startedAt).rounded())
        let connections = env.connectionLedger.snapshot
        metrics.set("virtmon_collector_http_connections", to: Double(connections.open))
        metrics.set("virtmon_collector_http_connections_max", to: Double(env.connections.maxConnections))
        for reason in ConnectionLedger.Closed.allCases {
            metrics.setTotal("virtmon_collector_http_connections_closed_total", dimensions: [("reason", reason.rawValue)],
                             to: connections.closed[reason] ?? 0)
        }
        if let drops = env.udpDrops?() { metrics.setTotal("virtmon_collector_udp_receive_drops_total", to: drops) }
        guard let stats = try? await env.storage.stats() else { return }
        for (name, value) in [
            ("series", stats.series), ("chunks", stats.chunks), ("chunk_samples", stats.chunkSamples),
            ("chunk_bytes", stats.chunkBytes), ("rollup_bytes", stats.rollupBytes), ("wal_bytes", stats.walBytes),
            ("head_samples", stats.headSamples), ("database_bytes", stats.databaseBytes),
        ] {
            metrics.set("virtmon_storage_\(name)", to: Double(value))
        }
    }
}
