import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import VirtmonModel
import VirtmonPrometheus
import VirtmonTelemetry

/// The agent's own small HTTP endpoint (`agent.listen` / `--listen`): `/healthz` says whether every pollster's
/// last run succeeded and what each failing one reported, and how many batches wait in each spool; `/metrics`
/// is what the agent read in its latest cycle, under node_exporter's and the libvirt exporter's names
/// (docs/prometheus.md), then the agent's self-metrics, in the Prometheus text format. A scrape reads memory
/// only: it never waits on libvirt.
public enum AgentEndpoint {
    /// What /healthz answers: its HTTP status and body.
    public typealias Health = @Sendable () async -> (status: Int, body: JSONValue)

    /// The endpoint as a Service bound to `host:port` (0 picks a port; `onBound` learns which).
    public static func application(
        host: String, port: Int, health: @escaping Health,
        readings: @escaping @Sendable () -> [Sample] = { [] }, timestamps: Bool = false,
        libvirtUp: @escaping @Sendable () async -> Bool? = { nil }, logger: Logger,
        onBound: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some Service {
        // The agent's figures are recorded through swift-metrics into the process registry this serves.
        SelfMetrics.bootstrap()
        let router = Router()
        router.get("/healthz") { _, _ in
            let (status, body) = await health()
            return JSONResponse.make(body, status: status)
        }
        router.get("/metrics") { _, _ in
            let text = AgentExposition.render(readings(), timestamps: timestamps, libvirtUp: await libvirtUp())
                + SelfMetrics.process.exposition()
            return JSONResponse.text(text, contentType: Exposition.contentType)
        }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "virtmon-agent"),
            onServerRunning: { channel in await onBound(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
