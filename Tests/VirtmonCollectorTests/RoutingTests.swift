import AsyncHTTPClient
import NIOHTTP1
import Foundation
import Testing
import VirtmonAPI
import VirtmonModel

/// Which routes are open, which need a token, and what a path or method no route serves gets.
@Suite("Routing and authentication groups")
struct RoutingTests {
    static let open: Set<String> = [
        "GET /healthz", "GET /metrics", "GET /openapi.json", "POST /api/v1/batches", "GET /", "GET /dashboard/{asset}",
    ]

    @Test("every described route but the open ones answers 401 without a token; the open ones never ask for one")
    func everyRouteIsBehindTheTokenUnlessOpen() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        #expect(RoutingTests.open.isSubset(of: OpenAPIDocument.routes))
        for route in OpenAPIDocument.routes.sorted() {
            let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
            let method: HTTPMethod = parts[0] == "POST" ? .POST : .GET
            // Path parameters get a plain value; the answer is decided before the handler looks at it.
            let path = parts[1].replacingOccurrences(of: #"\{[a-z_]+\}"#, with: "x", options: .regularExpression)
            let answer = try await collector.request(method, path, token: nil, body: method == .POST ? Data("{}".utf8) : nil)
            if RoutingTests.open.contains(route) {
                // The batch route refuses an unsigned body with a 401 of its own: about the signature, never a token.
                #expect(!answer.text.contains("authentication required"), "\(route) is open but asked for a token: \(answer.text.prefix(300))")
            } else {
                #expect(answer.status == 401 && answer.text.contains("authentication required: send X-Auth-Token"),
                        "\(route) answered \(answer.status) without a token: \(answer.text.prefix(300))")
                let wrong = try await collector.request(method, path, token: "not-a-token", body: method == .POST ? Data("{}".utf8) : nil)
                #expect(wrong.status == 401 && wrong.text.contains("the token is not valid"), "\(route): \(wrong.text)")
            }
        }
    }

    @Test("a path or method no route serves is 404 naming it, with or without a token, and is not timed")
    func unknownRoutes() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        for token in [nil, CollectorHarness.adminToken] {
            let path = try await collector.request(.GET, "/v1/batches", token: token)
            #expect(path.status == 404 && path.text.contains("no such route: GET /v1/batches"), "\(path.text)")
            #expect(path.text.contains("agents post batches to /api/v1/batches"))
            let method = try await collector.request(.DELETE, "/v2/meters", token: token)
            #expect(method.status == 404 && method.text.contains("no such route: DELETE /v2/meters"), "\(method.text)")
            // Ceilometer's paths answer in Ceilometer's error shape, so its client prints the message.
            if case .object(let object)? = method.json { #expect(object["error_message"] != nil, "\(method.text)") }
        }
        _ = try await collector.request(.GET, "/v2/meters")
        let metrics = try await collector.request(.GET, "/metrics", token: nil).text
        #expect(metrics.contains("virtmon_collector_query_duration_seconds_count{route=\"/v2/meters\"} 1"))
        #expect(!metrics.contains("route=\"NotFound\"") && !metrics.contains("route=\"/v1/batches\""))
    }
}
