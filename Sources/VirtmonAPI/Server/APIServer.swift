import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle

/// The collector's HTTP side: query APIs, batch ingest, health and metrics, behind token auth.
public enum APIServer {
    /// Every family of routes behind the token check: virtmon's own API (Own/), then Ceilometer's (Ceilometer/).
    static let authenticatedRoutes: [any AuthenticatedRoutes.Type] = [
        WhoAmIRoutes.self, HostRoutes.self, MeterRoutes.self, ResourceRoutes.self, SampleRoutes.self, StatisticsRoutes.self, EventRoutes.self,
        CeilometerMeterRoutes.self, CeilometerSampleRoutes.self, CeilometerResourceRoutes.self, CeilometerEventRoutes.self,
        CeilometerAlarmRoutes.self, CeilometerServiceRoutes.self, PrometheusRoutes.self,
    ]

    /// The router: open routes (health, metrics, the OpenAPI document, signed batch ingest, the dashboard's
    /// page and files), then every authenticated family in a group whose context carries the caller's scope.
    public static func router(_ environment: APIEnvironment) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: RequestBoundsMiddleware())
        router.add(middleware: ResponseCompression())
        router.add(middleware: QueryTimingMiddleware(metrics: environment.ingestor.counters.metrics))
        router.add(middleware: UnknownRouteMiddleware())
        router.addRoutes(HealthRoutes(environment: environment).routes)
        router.addRoutes(BatchRoutes(environment: environment).routes)
        router.addRoutes(DashboardRoutes().routes)
        let authenticated = router.group()
            .add(middleware: AuthMiddleware(tokens: environment.tokens, limiter: environment.authFailures, metrics: environment.ingestor.counters.metrics))
            .group(context: AuthenticatedContext.self)
        for family in authenticatedRoutes {
            authenticated.addRoutes(family.init(environment: environment).routes)
        }
        return router
    }

    /// The HTTP server as a Service, bound to `host:port` (port 0 picks one; `onBound` learns which); with `tls`,
    /// HTTPS only (a plain-HTTP client fails its handshake).
    public static func application(
        _ environment: APIEnvironment, host: String, port: Int, tls: TLSConfiguration? = nil,
        onBound: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some Service {
        let limits = environment.connections
        let ledger = environment.connectionLedger
        let http = HTTPServerBuilder.http1(configuration: .init(additionalChannelHandlers: [ConnectionGuard(limits: limits, ledger: ledger)]))
        return Application(
            router: router(environment),
            server: try tls.map { try HTTPServerBuilder.tls(http, tlsConfiguration: $0) } ?? http,
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port), serverName: "virtmon", backlog: 1024,
                availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections, logger: environment.logger)),
            onServerRunning: { channel in await onBound(channel.localAddress?.port ?? port) },
            logger: environment.logger)
    }
}
