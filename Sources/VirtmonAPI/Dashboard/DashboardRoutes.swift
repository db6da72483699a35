import HTTPTypes
import Hummingbird
import VirtmonRequests

/// The dashboard's page and files, open like /healthz: they hold no data. The page signs in with a token it
/// keeps in the browser's session storage and sends as X-Auth-Token; the token never appears in a URL.
struct DashboardRoutes {
    /// Scripts, styles and data from this origin only; no frames, no inline code.
    static let securityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

    var routes: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        routes.get("/") { request, _ in DashboardRoutes.serve(DashboardAssets.index, request) }
        routes.get("/dashboard/:asset") { request, context in
            let name = context.parameters.get("asset") ?? ""
            guard let asset = DashboardAssets.files[name] else {
                return JSONResponse.error(APIError.notFound("no dashboard file '\(name)' (the dashboard is at /)"))
            }
            return DashboardRoutes.serve(asset, request)
        }
        return routes
    }

    static func serve(_ asset: DashboardAssets.Asset, _ request: Request) -> Response {
        var headers: HTTPFields = [
            .contentType: asset.contentType, .eTag: asset.etag,
            // Revalidated every time (a 304 costs a few bytes), so an upgraded collector never serves a stale script.
            .cacheControl: "no-cache",
            .contentSecurityPolicy: securityPolicy,
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
        ]
        if request.headers[.ifNoneMatch] == asset.etag {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
