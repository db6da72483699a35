import Foundation
import Hummingbird
import VirtmonCollector
import VirtmonModel
import VirtmonStorage
import VirtmonRequests

/// Ceilometer v2's samples: the listing, one sample by id, and the complex query (`query-samples`).
struct CeilometerSampleRoutes: AuthenticatedRoutes {
    let environment: APIEnvironment

    var routes: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        let env = environment
        routes.get("/v2/samples") { request, context in
            await RouteHandling.json(.ceilometer, env) {
                let parameters = QueryParameters(request.uri.query)
                let samples = try await env.storage.samples(SampleQuery(
                    filters: env.scoped(try CeilometerQuery.filters(parameters), context.scope),
                    limit: env.clamp(try CeilometerQuery.limit(parameters, default: env.defaultLimit))))
                return .array(samples.map(CeilometerFormat.sample))
            }
        }
        routes.get("/v2/samples/:id") { _, context in
            await RouteHandling.json(.ceilometer, env) {
                let id = try RouteHandling.pathParameter(context, "id")
                let found = try await env.storage.samples(SampleQuery(
                    filters: env.scoped([QueryFilter(.messageID, .eq, .string(id))], context.scope), limit: 1))
                guard let sample = found.first else { throw APIError.notFound("Sample \(id) Not Found") }
                return CeilometerFormat.sample(sample)
            }
        }
        routes.post("/v2/query/samples") { request, context in
            await RouteHandling.json(.ceilometer, env) {
                let body = try await RouteHandling.jsonBody(request, context: context)
                guard case .object(let object) = body else { throw APIError.badRequest("body must be a JSON object with filter, orderby, limit") }
                var filters: [QueryFilter] = []
                if case .string(let text)? = object["filter"], !text.isEmpty {
                    // The CLI sends the filter as a JSON string inside the JSON body.
                    guard let expression = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
                        throw APIError.badRequest("filter is not valid JSON: \(text)")
                    }
                    filters = try CeilometerQuery.filters(fromComplex: expression)
                } else if let expression = object["filter"], expression != .null {
                    filters = try CeilometerQuery.filters(fromComplex: expression)
                }
                let limit = try CeilometerQuery.limit(json: object["limit"], default: env.defaultLimit)
                let samples = try await env.storage.samples(SampleQuery(filters: env.scoped(filters, context.scope), limit: env.clamp(limit)))
                return .array(samples.map(CeilometerFormat.sample))
            }
        }
        return routes
    }
}
