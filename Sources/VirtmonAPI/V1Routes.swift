import Foundation
import HTTPTypes
import Hummingbird
import VirtmonCollector
import VirtmonModel
import VirtmonStorage

/// virtmon's own JSON API under /api/v1, for the CLI and the dashboard: plain parameter names, UTC
/// timestamps with a Z, series as [time, value] points oldest first.
struct V1Routes {
    let environment: APIEnvironment

    func register(on router: Router<APIRequestContext>) {
        let env = environment
        let batches = HTTPBatchIngest(ingestor: env.ingestor)
        router.post("/api/v1/batches") { request, context in
            await RouteHandling.run(.own, logger: env.logger) {
                let buffer: ByteBuffer
                do {
                    buffer = try await request.body.collect(upTo: batches.maxBodyBytes)
                } catch {
                    throw batches.oversized
                }
                let signature = request.headers[HTTPField.Name(SignedFrame.signatureHeader)!]
                return JSONResponse.make(try await batches.ingest(body: Data(buffer.readableBytesView), signature: signature))
            }
        }
        router.get("/api/v1/hosts") { _, context in
            await own {
                try V1Routes.requireAdmin(context)
                return .array(try await env.storage.hosts().map { host in
                    .object([
                        "host": .string(host.host), "agent": .string(host.agent),
                        "last_seen": .string(WireTimestamp.format(host.lastSeen)), "batches": .number(Double(host.batches)),
                    ])
                })
            }
        }
        router.get("/api/v1/meters") { request, context in
            await own {
                let filters = try V1Routes.filters(QueryParameters(request.uri.query), allowTime: false)
                return .array(try await env.storage.meters(env.scoped(filters, context.scope)).map(CeilometerFormat.meter))
            }
        }
        router.get("/api/v1/resources") { request, context in
            await own {
                let filters = try V1Routes.filters(QueryParameters(request.uri.query), allowTime: false)
                return .array(try await env.storage.resources(env.scoped(filters, context.scope)).map(V1Routes.resource))
            }
        }
        router.get("/api/v1/resources/:id") { _, context in
            await own {
                let id = try RouteHandling.pathParameter(context, "id")
                let found = try await env.storage.resources(env.scoped([QueryFilter(.resourceID, .eq, .string(id))], context.scope))
                guard let resource = found.first else { throw APIError.notFound("no resource \(id)") }
                return V1Routes.resource(resource)
            }
        }
        router.get("/api/v1/samples") { request, context in
            await own {
                let parameters = QueryParameters(request.uri.query)
                let samples = try await env.storage.samples(SampleQuery(
                    filters: env.scoped(try V1Routes.filters(parameters, allowTime: true), context.scope),
                    limit: env.clamp(try CeilometerQuery.limit(parameters, default: env.defaultLimit))))
                return .array(samples.map(V1Routes.sample))
            }
        }
        router.get("/api/v1/series") { request, context in
            await own {
                let parameters = QueryParameters(request.uri.query)
                guard let meter = parameters["meter"], !meter.isEmpty else { throw APIError.badRequest("series needs meter=NAME") }
                guard let resource = parameters["resource"], !resource.isEmpty else { throw APIError.badRequest("series needs resource=ID") }
                let samples = try await env.storage.samples(SampleQuery(
                    filters: env.scoped(try V1Routes.filters(parameters, allowTime: true), context.scope),
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
        router.get("/api/v1/statistics") { request, context in
            await own {
                let parameters = QueryParameters(request.uri.query)
                guard let meter = parameters["meter"], !meter.isEmpty else { throw APIError.badRequest("statistics needs meter=NAME") }
                var filters = try V1Routes.filters(parameters, allowTime: true)
                filters.removeAll { $0.field == .meter }
                var period: Int64 = 0
                if let text = parameters["period"], !text.isEmpty {
                    guard let value = Int64(text), value >= 0 else { throw APIError.badRequest("period must be a whole number of seconds ≥ 0, not '\(text)'") }
                    period = value
                }
                var groupBy: [GroupField] = []
                for name in parameters.all("groupby") where !name.isEmpty { groupBy.append(try GroupField(parsing: name)) }
                var aggregates: [Aggregate] = []
                for text in parameters.all("aggregate") where !text.isEmpty {
                    // `func` or `func:param`; splitting keeps empty parts so that ":" names an empty function.
                    let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                    guard let function = parts.first, !function.isEmpty else {
                        throw APIError.badRequest("aggregate '\(text)' names no function (use e.g. aggregate=avg or aggregate=cardinality:resource_id)")
                    }
                    aggregates.append(try Aggregate(parsing: function, parameter: parts.count > 1 ? parts[1] : nil))
                }
                var query = StatisticsQuery(meter: meter, filters: env.scoped(filters, context.scope), period: period, groupBy: groupBy, aggregates: aggregates)
                query.maxRows = env.maxStatisticsRows
                try query.validate()
                let rows = try await env.storage.statistics(query)
                try RouteHandling.requireFinite(rows, meter: meter)
                return .array(rows.map { row in
                    guard case .object(var object) = CeilometerFormat.statistics(row, aggregates: aggregates) else { return .null }
                    for key in ["duration_start", "duration_end", "period_start", "period_end"] {
                        if case .string(let text)? = object[key] { object[key] = .string(text + "Z") }
                    }
                    return .object(object)
                })
            }
        }
        router.get("/api/v1/events") { request, context in
            await own {
                try V1Routes.requireAdmin(context)
                let parameters = QueryParameters(request.uri.query)
                var query = EventQuery(type: parameters["type"], host: parameters["host"], resource: parameters["resource"])
                if let text = parameters["level"] {
                    guard let level = EventLevel(rawValue: text) else { throw APIError.badRequest("level must be info, error or fatal, not '\(text)'") }
                    query.level = level
                }
                for (name, keyPath) in [("since", \EventQuery.since), ("until", \EventQuery.until)] {
                    guard let text = parameters[name] else { continue }
                    query[keyPath: keyPath] = try QueryValue.date(text, for: name)
                }
                query.limit = env.clamp(try CeilometerQuery.limit(parameters, default: env.defaultLimit))
                return .array(try await env.storage.events(query).map { event in
                    .object([
                        "id": .string(event.id), "time": .string(WireTimestamp.format(event.time)), "type": .string(event.type),
                        "level": .string(event.level.rawValue), "host": .string(event.host),
                        "resource": .string(event.resource), "message": .string(event.message), "details": .object(event.details),
                    ])
                })
            }
        }
    }

    private func own(_ body: @escaping @Sendable () async throws -> JSONValue) async -> Response {
        await RouteHandling.run(.own, logger: environment.logger) {
            try await RouteHandling.bounded(seconds: environment.connections.requestTimeout) { JSONResponse.make(try await body()) }
        }
    }

    static func requireAdmin(_ context: APIRequestContext) throws {
        guard context.scope == .admin else { throw APIError.forbidden("hosts and events need the admin token") }
    }

    /// meter, resource, project, user, source, start (inclusive), end (exclusive) and metadata.KEY=value.
    static func filters(_ parameters: QueryParameters, allowTime: Bool) throws -> [QueryFilter] {
        var filters: [QueryFilter] = []
        for (name, value) in parameters.pairs {
            switch name {
            case "meter": filters.append(QueryFilter(.meter, .eq, .string(value)))
            case "resource", "resource_id": filters.append(QueryFilter(.resourceID, .eq, .string(value)))
            case "project", "project_id": filters.append(QueryFilter(.projectID, .eq, .string(value)))
            case "user", "user_id": filters.append(QueryFilter(.userID, .eq, .string(value)))
            case "source": filters.append(QueryFilter(.source, .eq, .string(value)))
            case "start", "end":
                guard allowTime else { throw APIError.badRequest("\(name) does not apply here") }
                let date = try QueryValue.date(value, for: name)
                filters.append(QueryFilter(.timestamp, name == "start" ? .ge : .lt, .date(date)))
            default:
                if name.hasPrefix("metadata.") {
                    filters.append(QueryFilter(try QueryField(parsing: name), .eq, .string(value)))
                }
            }
        }
        return filters
    }

    static func resource(_ resource: ResourceRecord) -> JSONValue {
        .object([
            "resource_id": .string(resource.resourceID), "project_id": .optional(resource.projectID),
            "user_id": .optional(resource.userID), "source": .string(resource.source),
            "first_sample": .string(WireTimestamp.format(resource.firstSample)),
            "last_sample": .string(WireTimestamp.format(resource.lastSample)),
            "metadata": .object(resource.metadata), "meters": .array(resource.meters.map(JSONValue.string)),
        ])
    }

    static func sample(_ stored: StoredSample) -> JSONValue {
        guard case .object(var object) = CeilometerFormat.sample(stored) else { return .null }
        object["timestamp"] = .string(WireTimestamp.format(stored.sample.timestamp))
        object["recorded_at"] = .string(WireTimestamp.format(stored.recordedAt))
        return .object(object)
    }
}
