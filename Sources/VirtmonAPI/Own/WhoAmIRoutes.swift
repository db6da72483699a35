import Hummingbird

/// `GET /api/v1/whoami`: what the presented token may see, so the dashboard signs in with one request and
/// never asks a project token for the admin-only views (hosts, events).
struct WhoAmIRoutes: AuthenticatedRoutes {
    let environment: APIEnvironment

    var routes: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        routes.get("/api/v1/whoami") { _, context in
            switch context.scope {
            case .admin: JSONResponse.make(.object(["scope": "admin"]))
            case .project(let id): JSONResponse.make(.object(["scope": "project", "project_id": .string(id)]))
            }
        }
        return routes
    }
}
