import Foundation
import Hummingbird
import VirtmonCollector
import VirtmonModel
import VirtmonStorage

/// The Ceilometer v2-compatible API, as python-ceilometerclient 2.9 calls it.
struct CeilometerRoutes {
    let environment: APIEnvironment

    func register(on router: Router<APIRequestContext>) {
        let env = environment
        router.get("/v2/meters") { request, context in
            await handle { () async throws -> JSONValue in
                let parameters = QueryParameters(request.uri.query)
                var meters = try await env.storage.meters(env.scoped(try CeilometerQuery.filters(parameters), context.scope))
                if let limit = try CeilometerQuery.limit(parameters, default: nil) { meters = Array(meters.prefix(limit)) }
                return .array(meters.map(CeilometerFormat.meter))
            }
        }
        router.get("/v2/meters/:name") { request, context in
            await handle { () async throws -> JSONValue in
                let name = try RouteHandling.pathParameter(context, "name")
                let parameters = QueryParameters(request.uri.query)
                let filters = [QueryFilter(.meter, .eq, .string(name))] + (try CeilometerQuery.filters(parameters))
                let samples = try await env.storage.samples(SampleQuery(
                    filters: env.scoped(filters, context.scope),
                    limit: env.clamp(try CeilometerQuery.limit(parameters, default: env.defaultLimit))))
                return .array(samples.map(CeilometerFormat.oldSample))
            }
        }
        router.post("/v2/meters/:name") { request, context in
            await handle { () async throws -> JSONValue in
                let name = try RouteHandling.pathParameter(context, "name")
                let body = try await RouteHandling.jsonBody(request, context: context)
                let now = Date()
                let samples = try PostedSamples.parse(body, meter: name, scope: context.scope, now: now, validator: BatchValidator(limits: env.ingestor.limits))
                try await env.ingestor.ingest(posted: samples, project: context.scope?.project, now: now)
                return .array(samples.map { CeilometerFormat.oldSample(StoredSample(sample: $0, recordedAt: now)) })
            }
        }
        router.get("/v2/meters/:name/statistics") { request, context in
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
        router.get("/v2/samples") { request, context in
            await handle { () async throws -> JSONValue in
                let parameters = QueryParameters(request.uri.query)
                let samples = try await env.storage.samples(SampleQuery(
                    filters: env.scoped(try CeilometerQuery.filters(parameters), context.scope),
                    limit: env.clamp(try CeilometerQuery.limit(parameters, default: env.defaultLimit))))
                return .array(samples.map(CeilometerFormat.sample))
            }
        }
        router.get("/v2/samples/:id") { _, context in
            await handle { () async throws -> JSONValue in
                let id = try RouteHandling.pathParameter(context, "id")
                let found = try await env.storage.samples(SampleQuery(
                    filters: env.scoped([QueryFilter(.messageID, .eq, .string(id))], context.scope), limit: 1))
                guard let sample = found.first else { throw APIError.notFound("Sample \(id) Not Found") }
                return CeilometerFormat.sample(sample)
            }
        }
        router.post("/v2/query/samples") { request, context in
            await handle { () async throws -> JSONValue in
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
        router.get("/v2/resources") { request, context in
            await handle { () async throws -> JSONValue in
                let parameters = QueryParameters(request.uri.query)
                var resources = try await env.storage.resources(env.scoped(try CeilometerQuery.filters(parameters), context.scope))
                if let limit = try CeilometerQuery.limit(parameters, default: nil) { resources = Array(resources.prefix(limit)) }
                let links = parameters["meter_links"] != "0"
                return .array(resources.map { CeilometerFormat.resource($0, base: RouteHandling.base(request), links: links) })
            }
        }
        router.get("/v2/resources/:id") { request, context in
            await handle { () async throws -> JSONValue in
                let id = try RouteHandling.pathParameter(context, "id")
                let found = try await env.storage.resources(env.scoped([QueryFilter(.resourceID, .eq, .string(id))], context.scope))
                // Another project's resource answers exactly as a missing one does.
                guard let resource = found.first else { throw APIError.notFound("Resource \(id) Not Found") }
                return CeilometerFormat.resource(resource, base: RouteHandling.base(request))
            }
        }
        router.get("/v2/capabilities") { _, _ in
            await handle { () async throws -> JSONValue in
                var api: [String: JSONValue] = [:]
                for name in [
                    "meters:query:simple", "meters:query:metadata", "resources:query:simple", "resources:query:metadata",
                    "samples:query:simple", "samples:query:metadata", "samples:query:complex",
                    "statistics:query:simple", "statistics:query:metadata", "statistics:groupby",
                ] { api[name] = true }
                for function in Aggregate.Function.allCases { api["statistics:aggregation:selectable:\(function.rawValue)"] = true }
                api["statistics:aggregation:standard"] = true
                for name in ["alarms:query:simple", "alarms:query:complex", "events:query:simple"] { api[name] = false }
                return .object([
                    "api": .object(api),
                    "storage": .object(["storage:production_ready": true]),
                    "event_storage": .object(["storage:production_ready": true]),
                ])
            }
        }
        router.get("/v2/alarms") { _, _ in
            await handle { () async throws -> JSONValue in .array([]) }
        }
    }

    private func handle(_ body: @escaping @Sendable () async throws -> JSONValue) async -> Response {
        await RouteHandling.run(.ceilometer, logger: environment.logger) {
            try await RouteHandling.bounded(seconds: environment.connections.requestTimeout) { JSONResponse.make(try await body()) }
        }
    }
}
