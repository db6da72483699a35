import Hummingbird
import VirtmonRequests

/// Answers a path or method no route serves with a 404 that says where the routes are. It runs before any
/// token check, since a 401 for a wrong URL sends an agent hunting for a token it does not need.
struct UnknownRouteMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && context.endpointPath == QueryTimingMiddleware.unmatched {
            let error = APIError.notFound(
                "no such route: \(request.method) \(request.uri.path) (routes: /openapi.json; agents post batches to /api/v1/batches)")
            return request.uri.path.hasPrefix("/v2") ? JSONResponse.ceilometerError(error) : JSONResponse.error(error)
        }
    }
}
