import Hummingbird
import VirtmonModel
import VirtmonStorage
import VirtmonRequests

/// `GET /api/v1/events`: the agents' monitor events, newest first. Events belong to hosts: admin only.
struct EventRoutes: AuthenticatedRoutes {
    let environment: APIEnvironment

    var routes: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        let env = environment
        routes.get("/api/v1/events") { request, context in
            await RouteHandling.json(.own, env) {
                try OwnFormat.requireAdmin(context, "events")
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
        return routes
    }
}
