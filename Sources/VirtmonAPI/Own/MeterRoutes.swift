import Hummingbird
import VirtmonStorage
import VirtmonRequests

/// `GET /api/v1/meters`: every meter and resource pair the caller may see.
struct MeterRoutes: AuthenticatedRoutes {
    let environment: APIEnvironment

    var routes: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        let env = environment
        routes.get("/api/v1/meters") { request, context in
            await RouteHandling.json(.own, env) {
                let filters = try OwnFormat.filters(QueryParameters(request.uri.query), allowTime: false)
                return .array(try await env.storage.meters(env.scoped(filters, context.scope)).map(CeilometerFormat.meter))
            }
        }
        return routes
    }
}
