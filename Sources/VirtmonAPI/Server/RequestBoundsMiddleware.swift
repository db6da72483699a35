import HTTPTypes
import Hummingbird
import VirtmonRequests

/// The outermost middleware: refuses a request whose target, headers or query parameters are beyond what any
/// client of this API sends, with a 4xx naming the bound, before anything parses it; and stamps every answer
/// with the headers that keep a browser from sniffing, framing or running it. Bodies are bounded by the
/// routes that read them (`Ingestor.limits.maxBodyBytes`) and answers by the listing limits.
struct RequestBoundsMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    /// Longest path and query, in bytes: Ceilometer's longest real queries are a few hundred bytes.
    static let maxTargetBytes = 8192
    /// All header names and values together, in bytes.
    static let maxHeaderBytes = 16 * 1024
    /// Header fields in one request.
    static let maxHeaderFields = 100
    /// Query parameters in one request (a q.field/q.op/q.value triple is three).
    static let maxQueryParameters = 300

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        if let refusal = RequestBoundsMiddleware.refusal(request) {
            response = request.uri.path.hasPrefix("/v2") ? JSONResponse.ceilometerError(refusal) : JSONResponse.error(refusal)
        } else {
            response = try await next(request, context)
        }
        RequestBoundsMiddleware.stamp(&response.headers)
        return response
    }

    /// Why `request` is refused, or nil.
    static func refusal(_ request: Request) -> APIError? {
        let target = request.uri.string.utf8.count
        if target > maxTargetBytes {
            return APIError(414, "the request target is \(target) bytes; the most this collector reads is \(maxTargetBytes) (send long filters to POST /v2/query/samples)")
        }
        var headerBytes = 0
        for field in request.headers { headerBytes += field.name.rawName.utf8.count + field.value.utf8.count }
        if request.headers.count > maxHeaderFields {
            return APIError(431, "the request has \(request.headers.count) header fields; the most is \(maxHeaderFields)")
        }
        if headerBytes > maxHeaderBytes {
            return APIError(431, "the request's headers are \(headerBytes) bytes together; the most is \(maxHeaderBytes)")
        }
        if let query = request.uri.query {
            let count = query.utf8.reduce(1) { $1 == UInt8(ascii: "&") ? $0 + 1 : $0 }
            if count > maxQueryParameters {
                return APIError(400, "the query has \(count) parameters; the most is \(maxQueryParameters) (send long filters to POST /v2/query/samples)")
            }
        }
        return nil
    }

    /// Headers every answer carries; the dashboard's page sets its own, stricter-for-scripts, policy first.
    static func stamp(_ headers: inout HTTPFields) {
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        if headers[.contentSecurityPolicy] == nil {
            headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        }
    }
}
