import Hummingbird
import VirtmonModel

/// `GET /api/v1/hosts`: the agents that have sent batches, and when. Hosts belong to no project: admin only.
struct HostRoutes: AuthenticatedRoutes {
    let environment: APIEnvironment

    var routes: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        let env = environment
        routes.get("/api/v1/hosts") { _, context in
            await RouteHandling.json(.own, env) {
                try OwnFormat.requireAdmin(context, "hosts")
                return .array(try await env.storage.hosts().map { host in
                    .object([
                        "host": .string(host.host), "agent": .string(host.agent),
                        "last_seen": .string(WireTimestamp.format(host.lastSeen)), "batches": .number(Double(host.batches)),
                    ])
                })
            }
        }
        return routes
    }
}
