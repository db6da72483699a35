import Foundation
import Hummingbird
import VirtmonCollector
import VirtmonModel
import VirtmonStorage
import VirtmonRequests

/// Ceilometer v2's resources (`resource-list`, `resource-show`), with links to their meters.
struct CeilometerResourceRoutes: AuthenticatedRoutes {
    let environment: APIEnvironment

    var routes: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        let env = environment
        routes.get("/v2/resources") { request, context in
            await RouteHandling.json(.ceilometer, env) {
                let parameters = QueryParameters(request.uri.query)
                var resources = try await env.storage.resources(env.scoped(try CeilometerQuery.filters(parameters), context.scope))
                if let limit = try CeilometerQuery.limit(parameters, default: nil) { resources = Array(resources.prefix(limit)) }
                let links = parameters["meter_links"] != "0"
                return .array(resources.map { CeilometerFormat.resource($0, base: RouteHandling.base(request), links: links) })
            }
        }
        routes.get("/v2/resources/:id") { request, context in
            await RouteHandling.json(.ceilometer, env) {
                let id = try RouteHandling.pathParameter(context, "id")
                let found = try await env.storage.resources(env.scoped([QueryFilter(.resourceID, .eq, .string(id))], context.scope))
                // Another project's resource answers exactly as a missing one does.
                guard let resource = found.first else { throw APIError.notFound("Resource \(id) Not Found") }
                return CeilometerFormat.resource(resource, base: RouteHandling.base(request))
            }
        }
        return routes
    }
}
