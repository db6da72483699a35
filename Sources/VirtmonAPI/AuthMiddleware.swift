import HTTPTypes
import Hummingbird

/// Lets a request through only with a token from the table (`X-Auth-Token`, or `Authorization: Bearer`),
/// recording its scope in the context. /healthz, /metrics (counts only), /openapi.json and the batch ingest route (which is authenticated by its
/// signature) are open.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let tokens: TokenTable

    static let openPaths: Set<String> = ["/healthz", "/metrics", "/openapi.json", "/api/v1/batches"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if AuthMiddleware.openPaths.contains(request.uri.path) { return try await next(request, context) }
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
