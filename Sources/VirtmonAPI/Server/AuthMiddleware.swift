import HTTPTypes
import Hummingbird
import Metrics
import VirtmonTelemetry
import VirtmonRequests

/// Lets a request into the authenticated routes only with a token from the table (`X-Auth-Token`, or
/// `Authorization: Bearer`), recording its scope for `AuthenticatedContext`. It stands in front of the
/// authenticated group alone, so the open routes need no list of exceptions here. A client address with too
/// many failed checks is answered 429, without a check, when it sends a token (`AuthFailureLimiter`);
/// failures and refusals are counted in `virtmon_collector_auth_failures_total{outcome="missing"|"invalid"|"limited"}`.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let tokens: TokenTable
    let limiter: AuthFailureLimiter
    let metrics: SelfMetrics

    init(tokens: TokenTable, limiter: AuthFailureLimiter, metrics: SelfMetrics) {
        self.tokens = tokens
        self.limiter = limiter
        self.metrics = metrics
        for outcome in ["missing", "invalid", "limited"] { _ = counter(outcome) }
    }

    private func counter(_ outcome: String) -> Counter {
        Counter(label: "virtmon_collector_auth_failures_total", dimensions: [("outcome", outcome)], factory: metrics.factory)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var token = request.headers[HTTPField.Name("X-Auth-Token")!]
        if token == nil, let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer ") {
            token = String(authorization.dropFirst("Bearer ".count))
        }
        // A request without a token reveals nothing whatever the address did, so it is answered 401 as usual;
        // any token from a limited address, right or wrong, is not checked at all.
        let client = context.remoteAddress?.ipAddress ?? "unknown"
        if token != nil, let wait = limiter.blocked(client) {
            counter("limited").increment()
            let seconds = max(1, Int(wait.components.seconds) + (wait.components.attoseconds > 0 ? 1 : 0))
            let error = APIError(429, "too many failed token checks from \(client): \(limiter.limit) in \(Int(limiter.window.components.seconds)) s; retry in \(seconds) s")
            var response = request.uri.path.hasPrefix("/v2") ? JSONResponse.ceilometerError(error) : JSONResponse.error(error)
            response.headers[.retryAfter] = String(seconds)
            return response
        }
        guard let scope = tokens.scope(for: token) else {
            // A request without any token is a client that has not signed in yet, not a guess.
            if token == nil {
                counter("missing").increment()
            } else {
                counter("invalid").increment()
                limiter.failed(client)
            }
            let error = APIError(401, token == nil ? "authentication required: send X-Auth-Token" : "the token is not valid")
            return request.uri.path.hasPrefix("/v2") ? JSONResponse.ceilometerError(error) : JSONResponse.error(error)
        }
        var context = context
        context.scope = scope
        return try await next(request, context)
    }
}
