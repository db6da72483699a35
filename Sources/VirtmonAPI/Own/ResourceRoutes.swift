import Hummingbird
import VirtmonStorage
import VirtmonRequests

/// `GET /api/v1/resources` and `/api/v1/resources/{id}`: resources with their meters and latest metadata.
struct ResourceRoutes: AuthenticatedRoutes {
    let environment: APIEnvironment

    var routes: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        let env = environment
        routes.get("/api/v1/resources") { request, context in
            await RouteHandling.json(.own, env) {
                let filters = try OwnFormat.filters(QueryParameters(request.uri.query), allowTime: false)
                return .array(try await env.storage.resources(env.scoped(filters, context.scope)).map(OwnFormat.resource))
            }
        }
        routes.get("/api/v1/resources/:id") { _, context in
            await RouteHandling.json(.own, env) {
                let id = try RouteHandling.pathParameter(context, "id")
                let found = try await env.storage.resources(env.scoped([QueryFilter(.resourceID, .eq, .string(id))], context.scope))
                // Another project's resource answers exactly as a missing one does.
                guard let resource = found.first else { throw APIError.notFound("no resource \(id)") }
                return OwnFormat.resource(resource)
            }
        }
        return routes
    }
}
