import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
import VirtmonAPI

/// Requests beyond the collector's bounds are refused with a 4xx that names the bound, the collector keeps
/// serving, and every answer carries the headers that stop a browser from sniffing or framing it.
@Suite("Request bounds and security headers")
struct RequestBoundsTests {
    @Test("a long target is 414, too many or too large headers 431, too many query parameters 400; each names its bound")
    func bounds() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let long = try await collector.request(.GET, "/v2/meters?q.field=resource_id&q.value=" + String(repeating: "a", count: 9000))
        #expect(long.status == 414 && long.text.contains("the most this collector reads is 8192"), "\(long.text)")
        let manyFields = (0..<120).map { ("X-Filler-\($0)", "v") }
        let fields = try await collector.request(.GET, "/api/v1/meters", headers: manyFields)
        #expect(fields.status == 431 && fields.text.contains("the most is 100"), "\(fields.text)")
        let big = try await collector.request(.GET, "/api/v1/meters", headers: [("X-Big", String(repeating: "b", count: 20_000))])
        #expect(big.status == 431 && big.text.contains("bytes together; the most is 16384"), "\(big.text)")
        let parameters = (0..<400).map { "q.field=f\($0)" }.joined(separator: "&")
        let many = try await collector.request(.GET, "/v2/meters?" + parameters)
        #expect(many.status == 400 && many.text.contains("400 parameters; the most is 300"), "\(many.text)")
        // Ceilometer's paths answer in Ceilometer's shape, the own API in its own.
        #expect(many.text.contains("faultstring") && fields.text.contains("\"error\""))
        // The bounds come before the token check: no token is needed to be told.
        let anonymous = try await collector.request(.GET, "/v2/meters?" + parameters, token: nil)
        #expect(anonymous.status == 400, "\(anonymous.text)")
        #expect(try await collector.request(.GET, "/v2/meters").status == 200, "the collector serves on")
    }

    @Test("a header beyond what the HTTP parser takes closes that request with an error answer, not the collector")
    func parserBound() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        // Raw, since an HTTP client library refuses to send this itself.
        let reply = try await RawHTTP.exchange(port: collector.httpPort,
                                               "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Huge: \(String(repeating: "h", count: 200_000))\r\n\r\n")
        #expect(reply.isEmpty || reply.hasPrefix("HTTP/1.1 4"), "\(reply.prefix(200))")
        #expect(try await collector.request(.GET, "/healthz", token: nil).status == 200)
    }

    @Test("nosniff, frame denial and a content policy on every answer: data, errors, open routes; the dashboard keeps its own policy")
    func securityHeaders() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        for (path, token) in [("/v2/meters", CollectorHarness.adminToken), ("/v2/meters", nil), ("/healthz", nil),
                              ("/no/such/route", nil), ("/api/v1/statistics", CollectorHarness.adminToken)] as [(String, String?)] {
            let answer = try await collector.exchange(.GET, path, token: token)
            #expect(answer.headers["X-Content-Type-Options"].first == "nosniff", "\(path) \(answer.status)")
            #expect(answer.headers["X-Frame-Options"].first == "DENY", "\(path) \(answer.status)")
            #expect(answer.headers["Content-Security-Policy"].first == "default-src 'none'; frame-ancestors 'none'", "\(path) \(answer.status)")
        }
        let page = try await collector.exchange(.GET, "/", token: nil)
        #expect(page.headers["Content-Security-Policy"].first?.contains("script-src 'self'") == true)
        #expect(page.headers["X-Frame-Options"].first == "DENY")
    }
}

/// One request written as raw bytes on a new connection; the answer as text, empty when the server closed.
enum RawHTTP {
    static func exchange(port: Int, _ text: String) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: text))
            var reply = ""
            do {
                for try await chunk in inbound {
                    reply += String(buffer: chunk)
                    if reply.contains("\r\n\r\n") { break }
                }
            } catch {
                // A reset after the server refused is an answer too.
            }
            return reply
        }
    }
}
