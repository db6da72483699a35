import AsyncHTTPClient
import NIOHTTP1
import Foundation
import Testing
import VirtmonAPI
import VirtmonModel

/// What a path or method no route serves gets (which routes are open and who may call each is
/// AuthorizationTableTests).
@Suite("Routing and authentication groups")
struct RoutingTests {
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
