import Hummingbird
import Metrics
import VirtmonTelemetry

/// Times every answer by route template (`virtmon_collector_query_duration_seconds{route="/v2/meters/{name}/statistics"}`):
/// what a client waits, from the request's head to the response the handler returns. The template is the one
/// the router matched (it records it in the context's shared endpoint path); unknown paths are not timed, so
/// that a scanner cannot grow the label set.
struct QueryTimingMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let metrics: SelfMetrics

    /// What the router records as the endpoint of a request no route matched.
    static let unmatched = "NotFound"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        defer {
            if let route = context.endpointPath, route != QueryTimingMiddleware.unmatched, route != "/metrics" {
                Metrics.Timer(label: "virtmon_collector_query_duration_seconds", dimensions: [("route", route)], factory: metrics.factory)
                    .recordInterval(since: started)
            }
        }
        return try await next(request, context)
    }
}

extension Metrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = (ContinuousClock.now - start).components
        recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
    }
}
