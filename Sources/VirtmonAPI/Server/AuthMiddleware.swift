import HTTPTypes
import Hummingbird

/// Lets a request into the authenticated routes only with a token from the table (`X-Auth-Token`, or
/// `Authorization: Bearer`), recording its scope for `AuthenticatedContext`. It stands in front of the
/// authenticated group alone, so the open routes need no list of exceptions here.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let tokens: TokenTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
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
