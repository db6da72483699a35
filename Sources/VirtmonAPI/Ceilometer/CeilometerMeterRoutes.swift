import Foundation
import Hummingbird
import VirtmonCollector
import VirtmonModel
import VirtmonStorage
import VirtmonRequests

/// Ceilometer v2's meters, as python-ceilometerclient 2.9 calls them: `meter-list`, `sample-list -m`,
/// `sample-create` and `statistics`.
struct CeilometerMeterRoutes: AuthenticatedRoutes {
    let environment: APIEnvironment

    var routes: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        let env = environment
        routes.get("/v2/meters") { request, context in
            await RouteHandling.json(.ceilometer, env) {
                let parameters = QueryParameters(request.uri.query)
                var meters = try await env.storage.meters(env.scoped(try CeilometerQuery.filters(parameters), context.scope))
                if let limit = try CeilometerQuery.limit(parameters, default: nil) { meters = Array(meters.prefix(limit)) }
                return .array(meters.map(CeilometerFormat.meter))
            }
        }
        routes.get("/v2/meters/:name") { request, context in
            await RouteHandling.json(.ceilometer, env) {
                let name = try RouteHandling.pathParameter(context, "name")
                let parameters = QueryParameters(request.uri.query)
                let filters = [QueryFilter(.meter, .eq, .string(name))] + (try CeilometerQuery.filters(parameters))
                let samples = try await env.storage.samples(SampleQuery(
                    filters: env.scoped(filters, context.scope),
                    limit: env.clamp(try CeilometerQuery.limit(parameters, default: env.defaultLimit))))
                return .array(samples.map(CeilometerFormat.oldSample))
            }
        }
        routes.post("/v2/meters/:name") { request, context in
            await RouteHandling.json(.ceilometer, env) {
                let name = try RouteHandling.pathParameter(context, "name")
                let body = try await RouteHandling.jsonBody(request, context: context)
                let now = Date()
                let samples = try PostedSamples.parse(body, meter: name, project: context.scope.project, now: now, validator: BatchValidator(limits: env.ingestor.limits))
                try await env.ingestor.ingest(posted: samples, project: context.scope.project, now: now)
                return .array(samples.map { CeilometerFormat.oldSample(StoredSample(sample: $0, recordedAt: now)) })
            }
        }
        routes.get("/v2/meters/:name/statistics") { request, context in
            await RouteHandling.run(.ceilometer, logger: env.logger) { try await RouteHandling.bounded(seconds: env.connections.requestTimeout) {
                let name = try RouteHandling.pathParameter(context, "name")
                var query = try CeilometerQuery.statistics(meter: name, QueryParameters(request.uri.query))
                query.filters = env.scoped(query.filters, context.scope)
                query.maxRows = env.maxStatisticsRows
                let rows = try await env.storage.statistics(query)
                try RouteHandling.requireFinite(rows, meter: name)
                return JSONResponse.make(bytes: CeilometerFormat.statisticsBody(rows, aggregates: query.aggregates))
            } }
        }
        return routes
    }
}
