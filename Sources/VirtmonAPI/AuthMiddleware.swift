import HTTPTypes
import Hummingbird

/// Lets a request through only with a token from the table (`X-Auth-Token`, or `Authorization: Bearer`),
/// recording its scope in the context. /healthz, /metrics (counts only), /openapi.json and the batch ingest route (which is authenticated by its
/// signature) are open.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let tokens: TokenTable

    /// Route templates split into segments, `{name}` matching any one segment.
    static let templates: [[Substring]] = Set(OpenAPIDocument.routes.map { $0.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "" })
        .map { $0.split(separator: "/") }

    static func isRoute(_ path: String) -> Bool { template(of: path) != nil }

    /// The route template a path matches (`/v2/meters/{name}/statistics`), or nil.
    static func template(of path: String) -> String? {
        let segments = path.split(separator: "/")
        return templates.first { template in
            template.count == segments.count && zip(template, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }.map { "/" + $0.joined(separator: "/") }
    }

    static let openPaths: Set<String> = ["/healthz", "/metrics", "/openapi.json", "/api/v1/batches"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if AuthMiddleware.openPaths.contains(request.uri.path) { return try await next(request, context) }
        // An unknown path is a 404 whoever asks: a 401 there sends an agent with a wrong URL hunting for a token.
        guard AuthMiddleware.isRoute(request.uri.path) else {
            let error = APIError.notFound("no such route: \(request.uri.path) (routes: /openapi.json; agents post batches to /api/v1/batches)")
            return request.uri.path.hasPrefix("/v2") ? JSONResponse.ceilometerError(error) : JSONResponse.error(error)
        }
        var token = request.headers[HTTPField.Name("X-Auth-Token")!]
        if token == nil, let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer ") {
            token = String(authorization.dropFirst("Bearer ".count))
        }
        guard let scope = tokens.scope(for: token) else {
            let error = APIError(401, token == nil ? "authentication required: send X-Auth-Token" : "the token is not valid")
            return request.uri.path.hasPrefix("/v2") ? JSONResponse.ceilometerError(error) : JSONResponse.error(error)
        }
        var context = context
        context.scope = scope
        return try await next(request, context)
    }
}
