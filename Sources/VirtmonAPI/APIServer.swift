import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The collector's HTTP side: query APIs, batch ingest, health and metrics, behind token auth.
public enum APIServer {
    /// The router with every route and the auth middleware.
    public static func router(_ environment: APIEnvironment) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: AuthMiddleware(tokens: environment.tokens))
        HealthRoutes(environment: environment).register(on: router)
        V1Routes(environment: environment).register(on: router)
        CeilometerRoutes(environment: environment).register(on: router)
        return router
    }

    /// The HTTP server as a Service, bound to `host:port` (port 0 picks one; `onBound` learns which).
    public static func application(
        _ environment: APIEnvironment, host: String, port: Int, onBound: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some Service {
        Application(
            router: router(environment),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "virtmon"),
            onServerRunning: { channel in await onBound(channel.localAddress?.port ?? port) },
            logger: environment.logger)
    }
}
