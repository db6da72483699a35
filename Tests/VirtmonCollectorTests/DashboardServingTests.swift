import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing
import VirtmonModel

/// The dashboard's files as served (open, with a strict content policy and validators), the whoami answer
/// it signs in with, and gzip for large answers, decoded by a real HTTP client's decompressor.
@Suite("Dashboard serving and compression")
struct DashboardServingTests {
    @Test("/ and its files are open, typed, policy-locked and revalidated; an unknown file is a 404 naming the page")
    func files() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let page = try await collector.exchange(.GET, "/", token: nil)
        #expect(page.status == 200 && page.text.contains("<title>virtmon</title>"))
        #expect(page.headers.first(name: "Content-Type")?.hasPrefix("text/html") == true)
        #expect(page.headers.first(name: "Content-Security-Policy")?.contains("script-src 'self'") == true)
        #expect(!page.text.contains("<script>") && !page.text.contains("style="), "inline code would need a looser policy")
        let etag = try #require(page.headers.first(name: "ETag"))
        let again = try await collector.exchange(.GET, "/", token: nil, headers: [("If-None-Match", etag)])
        #expect(again.status == 304 && again.text.isEmpty)
        for (file, type) in [("dashboard.js", "text/javascript"), ("plot.js", "text/javascript"), ("dashboard.css", "text/css"), ("icon.svg", "image/svg+xml")] {
            let answer = try await collector.exchange(.GET, "/dashboard/\(file)", token: nil)
            #expect(answer.status == 200 && answer.headers.first(name: "Content-Type")?.hasPrefix(type) == true, "\(file)")
            #expect(page.text.contains("/dashboard/\(file)"), "the page does not load \(file)")
        }
        let missing = try await collector.request(.GET, "/dashboard/nope.js", token: nil)
        #expect(missing.status == 404 && missing.text.contains("no dashboard file 'nope.js'"))
    }

    @Test("whoami names the token's scope; a wrong token is 401")
    func whoami() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        #expect(try await collector.request(.GET, "/api/v1/whoami").json == ["scope": "admin"])
        #expect(try await collector.request(.GET, "/api/v1/whoami", token: "p1-token").json == ["scope": "project", "project_id": "p1"])
        #expect(try await collector.request(.GET, "/api/v1/whoami", token: "wrong").status == 401)
    }

    @Test("large answers are gzipped for clients that accept it and decode to the same JSON; small ones and others are plain")
    func gzip() async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let samples = (0..<300).map { SecurityRegressionTests.sample("vm-\($0)", volume: Double($0), project: "p1", meter: "cpu_util") }
        #expect(try await collector.request(.POST, "/v2/meters/cpu_util", body: SecurityRegressionTests.body(.array(samples))).status == 200)
        let path = "/api/v1/statistics?meter=cpu_util&groupby=resource_id"
        let plain = try await collector.exchange(.GET, path)
        #expect(plain.status == 200 && plain.headers.first(name: "Content-Encoding") == nil)
        let wire = try await collector.exchange(.GET, path, headers: [("Accept-Encoding", "gzip, deflate")])
        #expect(wire.headers.first(name: "Content-Encoding") == "gzip" && wire.headers.first(name: "Vary") == "Accept-Encoding")
        let compressedBytes = Int(wire.headers.first(name: "Content-Length") ?? "") ?? .max
        #expect(compressedBytes * 4 < plain.text.utf8.count, "gzip saved too little: \(compressedBytes) of \(plain.text.utf8.count)")
        // A client with a real decompressor reads the same rows.
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(decompression: .enabled(limit: .ratio(100))))
        defer { _ = client.shutdown() }
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(collector.httpPort)\(path)")
        request.headers.add(name: "X-Auth-Token", value: CollectorHarness.adminToken)
        request.headers.add(name: "Accept-Encoding", value: "gzip")
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 24)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))
        #expect(decoded == plain.json)
        for header in ["gzip;q=0, identity", "GZIP; q=0.000", "br, deflate"] {
            let refused = try await collector.exchange(.GET, path, headers: [("Accept-Encoding", header)])
            #expect(refused.headers.first(name: "Content-Encoding") == nil, "\(header)")
        }
        let weighted = try await collector.exchange(.GET, path, headers: [("Accept-Encoding", "br;q=1.0, gzip;q=0.5")])
        #expect(weighted.headers.first(name: "Content-Encoding") == "gzip")
        let small = try await collector.exchange(.GET, "/api/v1/whoami", headers: [("Accept-Encoding", "gzip")])
        #expect(small.headers.first(name: "Content-Encoding") == nil)
    }
}
