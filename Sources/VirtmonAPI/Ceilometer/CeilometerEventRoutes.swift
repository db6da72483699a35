import Foundation
import Hummingbird
import VirtmonModel
import VirtmonStorage
import VirtmonRequests

/// Ceilometer's event API over virtmon's monitor events, so `ceilometer event-list`, `event-show` and
/// `event-type-list` work. An event's host, resource, level, message and details are its traits. Events
/// belong to hosts, not projects: a project token sees none.
struct CeilometerEventRoutes: AuthenticatedRoutes {
    let environment: APIEnvironment

    var routes: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        let env = environment
        routes.get("/v2/events") { request, context in
            await RouteHandling.run(.ceilometer, logger: env.logger) {
                guard context.scope == .admin else { return JSONResponse.make(.array([])) }
                let parameters = QueryParameters(request.uri.query)
                var query = try CeilometerEventRoutes.query(parameters)
                query.limit = env.clamp(try CeilometerQuery.limit(parameters, default: env.defaultLimit))
                return JSONResponse.make(.array(try await env.storage.events(query).map(CeilometerEventRoutes.event)))
            }
        }
        routes.get("/v2/events/:id") { _, context in
            await RouteHandling.run(.ceilometer, logger: env.logger) {
                let id = try RouteHandling.pathParameter(context, "id")
                var query = EventQuery(limit: 1)
                query.id = id
                guard context.scope == .admin, let event = try await env.storage.events(query).first else {
                    throw APIError.notFound("Event \(id) Not Found")
                }
                return JSONResponse.make(CeilometerEventRoutes.event(event))
            }
        }
        routes.get("/v2/event_types") { _, context in
            await RouteHandling.run(.ceilometer, logger: env.logger) {
                guard context.scope == .admin else { return JSONResponse.make(.array([])) }
                let types = Set(try await env.storage.events(EventQuery(limit: env.maxLimit)).map(\.type))
                return JSONResponse.make(.array(types.sorted().map(JSONValue.string)))
            }
        }
        return routes
    }

    /// Ceilometer's event filters: event_type, message_id, start_timestamp and end_timestamp, and the traits
    /// host, resource and level, each with eq (times with ge/gt and le/lt).
    static func query(_ parameters: QueryParameters) throws -> EventQuery {
        let fields = parameters.all("q.field"), ops = parameters.all("q.op"), values = parameters.all("q.value")
        guard fields.count == values.count else { throw APIError.badRequest("\(fields.count) q.field but \(values.count) q.value: each field needs a value") }
        var query = EventQuery()
        for (index, field) in fields.enumerated() {
            let op = index < ops.count && !ops[index].isEmpty ? ops[index] : "eq"
            let value = values[index]
            switch (field, op) {
            case ("event_type", "eq"): query.type = value
            case ("message_id", "eq"): query.id = value
            case ("host", "eq"): query.host = value
            case ("resource", "eq"): query.resource = value
            case ("level", "eq"):
                guard let level = EventLevel(rawValue: value) else { throw APIError.badRequest("level must be info, error or fatal, not '\(value)'") }
                query.level = level
            case ("start_timestamp", "ge"), ("start_timestamp", "gt"), ("start_timestamp", "eq"):
                query.since = try QueryValue.date(value, for: "start_timestamp")
            case ("end_timestamp", "le"), ("end_timestamp", "lt"), ("end_timestamp", "eq"):
                query.until = try QueryValue.date(value, for: "end_timestamp")
            default:
                throw APIError.badRequest("events filter on event_type, message_id, host, resource, level (eq), start_timestamp (ge) or end_timestamp (le), not \(field) \(op)")
            }
        }
        return query
    }

    static func event(_ event: Event) -> JSONValue {
        var traits: [JSONValue] = [
            ["name": "host", "type": "string", "value": .string(event.host)],
            ["name": "level", "type": "string", "value": .string(event.level.rawValue)],
            ["name": "message", "type": "string", "value": .string(event.message)],
            ["name": "resource", "type": "string", "value": .string(event.resource)],
        ]
        for (name, value) in event.details.sorted(by: { $0.key < $1.key }) {
            let (type, text): (String, String) = switch value {
            case .number(let number): (number.exactInteger != nil ? "integer" : "float", QueryFilter.jsonText(value) ?? "\(number)")
            case .string(let string): ("string", string)
            default: ("string", String(decoding: WireJSON.encode(value), as: UTF8.self))
            }
            traits.append(["name": .string(name), "type": .string(type), "value": .string(text)])
        }
        return [
            "message_id": .string(event.id), "event_type": .string(event.type),
            "generated": CeilometerFormat.timestamp(event.time), "traits": .array(traits), "raw": [:],
        ]
    }
}
