import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// The collector's HTTP side: query APIs, batch ingest, health and metrics, behind token auth.
public enum APIServer {
    /// The router with every route and the auth middleware.
    public static func router(_ environment: APIEnvironment) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: QueryTimingMiddleware(metrics: environment.ingestor.counters.metrics))
        router.add(middleware: AuthMiddleware(tokens: environment.tokens))
        HealthRoutes(environment: environment).register(on: router)
        V1Routes(environment: environment).register(on: router)
        CeilometerRoutes(environment: environment).register(on: router)
        CeilometerEvents(environment: environment).register(on: router)
        return router
    }

    /// The HTTP server as a Service, bound to `host:port` (port 0 picks one; `onBound` learns which).
    public static func application(
        _ environment: APIEnvironment, host: String, port: Int, onBound: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some Service {
        let limits = environment.connections
        let ledger = environment.connectionLedger
        return Application(
            router: router(environment),
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionGuard(limits: limits, ledger: ledger)])),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port), serverName: "virtmon", backlog: 1024,
                availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections, logger: environment.logger)),
            onServerRunning: { channel in await onBound(channel.localAddress?.port ?? port) },
            logger: environment.logger)
    }
}
