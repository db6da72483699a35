import Hummingbird
import VirtmonModel
import VirtmonStorage
import VirtmonRequests

/// `GET /api/v1/samples` (newest first) and `/api/v1/series` (one meter of one resource as [time, value]
/// points, oldest first, for charts).
struct SampleRoutes: AuthenticatedRoutes {
    let environment: APIEnvironment

    var routes: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        let env = environment
        routes.get("/api/v1/samples") { request, context in
            await RouteHandling.json(.own, env) {
                let parameters = QueryParameters(request.uri.query)
                let samples = try await env.storage.samples(SampleQuery(
                    filters: env.scoped(try OwnFormat.filters(parameters, allowTime: true), context.scope),
                    limit: env.clamp(try CeilometerQuery.limit(parameters, default: env.defaultLimit))))
                return .array(samples.map(OwnFormat.sample))
            }
        }
        routes.get("/api/v1/series") { request, context in
            await RouteHandling.json(.own, env) {
                let parameters = QueryParameters(request.uri.query)
                guard let meter = parameters["meter"], !meter.isEmpty else { throw APIError.badRequest("series needs meter=NAME") }
                guard let resource = parameters["resource"], !resource.isEmpty else { throw APIError.badRequest("series needs resource=ID") }
                let samples = try await env.storage.samples(SampleQuery(
                    filters: env.scoped(try OwnFormat.filters(parameters, allowTime: true), context.scope),
                    limit: env.clamp(try CeilometerQuery.limit(parameters, default: 10_000))))
                return .object([
                    "meter": .string(meter), "resource_id": .string(resource),
                    "unit": .optional(samples.first?.sample.unit),
                    "points": .array(samples.reversed().map {
                        .array([.string(WireTimestamp.format($0.sample.timestamp)), .number($0.sample.volume)])
                    }),
                ])
            }
        }
        return routes
    }
}
