import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import VirtmonModel
import VirtmonTestSupport

/// Three `virtmon collector` processes on one PostgreSQL database behind a real nginx (HTTP round robin, UDP
/// through its stream module), as an operator would run a fleet: one collector is killed (SIGKILL) mid-stream,
/// the balancer sends on to the survivors, every acknowledged batch is stored exactly once, and the survivors
/// answer the same queries with the same bytes.
@Suite("A collector fleet behind nginx")
struct FleetBalancerTests {
    static let nginx = "/usr/sbin/nginx"

    static func port() throws -> Int { try CrashTests.freePort() }

    /// One datagram to 127.0.0.1:`port`.
    static func send(_ datagram: Data, to port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = datagram.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(descriptor, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
    }

    static func get(_ url: String) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "X-Auth-Token", value: CollectorHarness.adminToken)
        let response = try await CollectorHarness.http.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 64 << 20)))
    }

    static func post(_ url: String, _ body: Data, signature: String?) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let signature { request.headers.add(name: SignedFrame.signatureHeader, value: signature) }
        request.body = .bytes(ByteBuffer(bytes: body))
        return Int(try await CollectorHarness.http.execute(request, timeout: .seconds(30)).status.code)
    }

    /// Samples of `resource` that `base` answers.
    static func count(_ base: String, resource: String) async throws -> Int {
        let answer = try await get("\(base)/v2/meters/test.meter?q.field=resource_id&q.value=\(resource)&limit=100000")
        guard answer.status == 200, case .array(let rows) = try JSONDecoder().decode(JSONValue.self, from: Data(answer.body.utf8)) else { return -1 }
        return rows.count
    }

    @Test("HTTP and UDP through nginx to three collectors; one is killed; every acknowledged batch is stored once, and the survivors agree",
          .enabled(if: BuiltExecutable.path("virtmon") != nil && FileManager.default.isExecutableFile(atPath: FleetBalancerTests.nginx)))
    func killedBehindBalancer() async throws {
        guard let url = try await FleetCollectorTests.freshDatabase() else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-fleet-lb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (httpA, httpB, httpC, udpA, udpB, udpC) = (try Self.port(), try Self.port(), try Self.port(), try Self.port(), try Self.port(), try Self.port())
        let (front, frontUDP) = (try Self.port(), try Self.port())
        func collector(_ name: String, http: Int, udp: Int) throws -> PeerProcess {
            try PeerProcess(BuiltExecutable.path("virtmon")!, [
                "collector", "--listen", "127.0.0.1:\(http)", "--udp", "127.0.0.1:\(udp)", "--storage", url,
                "--data-dir", directory.appendingPathComponent(name).path, "--secret", CollectorHarness.secret,
                "--admin-token", CollectorHarness.adminToken, "--log-level", "notice",
            ], log: directory.appendingPathComponent("\(name).log"))
        }
        let a = try collector("a", http: httpA, udp: udpA)
        try await Task.sleep(for: .milliseconds(300))
        let b = try collector("b", http: httpB, udp: udpB)
        let c = try collector("c", http: httpC, udp: udpC)
        defer { Task { await b.stop(); await c.stop() } }
        for port in [httpA, httpB, httpC] {
            let began = ContinuousClock.now
            while (try? await Self.get("http://127.0.0.1:\(port)/v2/meters").status) != 200 {
                guard ContinuousClock.now - began < .seconds(60) else { Issue.record("collector on \(port) never answered: \(a.tail()) \(b.tail()) \(c.tail())"); return }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        // Retrying a POST on the other collector is safe: a batch is recognised by its (agent, seq).
        let config = """
            daemon off;
            pid \(directory.path)/nginx.pid;
            error_log \(directory.path)/nginx-error.log notice;
            load_module /usr/lib/nginx/modules/ngx_stream_module.so;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path \(directory.path)/body; proxy_temp_path \(directory.path)/proxy;
                fastcgi_temp_path \(directory.path)/fastcgi; uwsgi_temp_path \(directory.path)/uwsgi; scgi_temp_path \(directory.path)/scgi;
                upstream fleet {
                    server 127.0.0.1:\(httpA) max_fails=1 fail_timeout=30s; server 127.0.0.1:\(httpB) max_fails=1 fail_timeout=30s;
                    server 127.0.0.1:\(httpC) max_fails=1 fail_timeout=30s;
                }
                server {
                    listen 127.0.0.1:\(front);
                    location / {
                        proxy_pass http://fleet; proxy_http_version 1.1; proxy_set_header Connection "";
                        proxy_next_upstream error timeout http_502 http_503 non_idempotent;
                    }
                }
            }
            stream {
                upstream fleet_udp { server 127.0.0.1:\(udpA); server 127.0.0.1:\(udpB); server 127.0.0.1:\(udpC); }
                server { listen 127.0.0.1:\(frontUDP) udp; proxy_pass fleet_udp; proxy_responses 0; }
            }
            """
        let configPath = directory.appendingPathComponent("nginx.conf")
        try config.write(to: configPath, atomically: true, encoding: .utf8)
        let balancer = try PeerProcess(Self.nginx, ["-p", directory.path, "-e", directory.appendingPathComponent("nginx-error.log").path, "-c", configPath.path],
                                       log: directory.appendingPathComponent("nginx.log"))
        defer { Task { await balancer.stop() } }
        let base = "http://127.0.0.1:\(front)"
        var began = ContinuousClock.now
        while (try? await Self.get("\(base)/v2/meters").status) != 200 {
            guard ContinuousClock.now - began < .seconds(20) else { Issue.record("nginx never answered: \(balancer.tail())"); return }
            try await Task.sleep(for: .milliseconds(100))
        }

        // Through nginx: HTTP batches 1…40 (the first collector killed after 15) and UDP batches 101…120 before it.
        var retried = 0
        for seq in 1...40 {
            if seq == 16 {
                // UDP has no acknowledgement (best effort): a datagram the killed one had not committed is gone.
                // Wait until the datagrams, whichever collector nginx gave them to, answer on the survivor.
                let waited = ContinuousClock.now
                var udpStored = 0
                repeat {
                    udpStored = 0
                    for udp in 101...115 where try await Self.count("http://127.0.0.1:\(httpB)", resource: "res-\(udp)") == 5 { udpStored += 1 }
                    if udpStored < 15 { try await Task.sleep(for: .milliseconds(100)) }
                } while udpStored < 15 && ContinuousClock.now - waited < .seconds(10)
                #expect(udpStored == 15, "UDP batches through nginx answered on the second collector: \(udpStored) of 15")
                kill(a.pid, SIGKILL)
                await a.stop()
            }
            let (body, signature) = TestBatches.signed(TestBatches.make(seq: UInt64(seq), samples: 5))
            var status = 0
            // As an agent does: a batch that was not acknowledged is sent again.
            for attempt in 0..<10 {
                status = (try? await Self.post("\(base)/api/v1/batches", body, signature: signature)) ?? 0
                if status == 200 { break }
                retried += 1
                try await Task.sleep(for: .milliseconds(200 * (attempt + 1)))
            }
            #expect(status == 200, "batch \(seq) through nginx: \(status)")
            if seq <= 15 { Self.send(TestBatches.datagram(TestBatches.make(seq: UInt64(100 + seq), samples: 5)), to: frontUDP) }
        }
        print("fleet behind nginx: 40 HTTP batches acknowledged, \(retried) sent again after the kill")
        // The survivors answer every acknowledged sample once, one of them takes over the housekeeping, and
        // both give the same answers to the same queries.
        began = ContinuousClock.now
        var missing: [String] = []
        repeat {
            missing = []
            for port in [httpB, httpC] {
                for seq in Array(1...40) + Array(101...115) where try await Self.count("http://127.0.0.1:\(port)", resource: "res-\(seq)") != 5 {
                    missing.append("res-\(seq) on \(port)")
                }
            }
            if missing.isEmpty { break }
            try await Task.sleep(for: .milliseconds(200))
        } while ContinuousClock.now - began < .seconds(10)
        #expect(missing.isEmpty, "not answered exactly 5 times by a survivor: \(missing)")
        let queries = [
            "/v2/meters/test.meter?limit=100000", "/v2/meters/test.meter/statistics?period=60", "/v2/resources", "/v2/meters",
            "/api/v1/series?meter=test.meter",
        ]
        var agreeing = 0
        for query in queries {
            // Each follows the other's writes four times a second: give the last ones a moment to land on both.
            let settled = ContinuousClock.now
            var answers: [(Int, String)] = []
            repeat {
                // Links name the collector that answered; the rest must match byte for byte.
                answers = []
                for port in [httpB, httpC] {
                    let answer = try await Self.get("http://127.0.0.1:\(port)\(query)")
                    answers.append((answer.status, answer.body.replacingOccurrences(of: "127.0.0.1:\(port)", with: "COLLECTOR")))
                }
                if answers[0] == answers[1] { break }
                try await Task.sleep(for: .milliseconds(200))
            } while ContinuousClock.now - settled < .seconds(5)
            #expect(answers[0] == answers[1], "\(query): the survivors answer differently")
            if answers[0].0 == 200 && answers[0] == answers[1] { agreeing += 1 }
        }
        print("fleet behind nginx: the two survivors gave byte-identical answers to \(agreeing) of \(queries.count) queries")
        // Within a heartbeat (2 s) of the killed one's session ending.
        began = ContinuousClock.now
        let tookDuty = { [b, c] in [b, c].contains { $0.tail(20_000).contains("this collector runs the fleet's housekeeping") } }
        while !tookDuty() && ContinuousClock.now - began < .seconds(10) {
            try await Task.sleep(for: .milliseconds(100))
        }
        print("fleet behind nginx: a survivor took the housekeeping \(String(format: "%.1f", (ContinuousClock.now - began).inSeconds)) s after the last batch")
        #expect(tookDuty(), "a survivor took the housekeeping: \(b.tail()) \(c.tail())")
    }
}
