import Foundation
import NIOCore
import NIOPosix
import Testing
import VirtmonAPI
import VirtmonServer

/// F7: connections that never finish a request are closed, one address cannot hold more than its share,
/// and a client from another address is still served meanwhile.
@Suite("Connection bounds")
struct ConnectionBoundsTests {
    /// A raw TCP connection from a chosen loopback address that sends `bytes` and keeps the socket open.
    static func open(_ port: Int, from source: String, sending bytes: String) async throws -> any Channel {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(to: try SocketAddress(ipAddress: source, port: 0))
            .connect(host: "127.0.0.1", port: port).get()
        // A connection the server refuses may already be closed: then the write fails, which is the point.
        try? await channel.writeAndFlush(ByteBuffer(string: bytes)).get()
        return channel
    }

    /// Whether the server closed the channel within `seconds`.
    static func closed(_ channel: any Channel, within seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if !channel.isActive { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return !channel.isActive
    }

    @Test("one address holds at most its share of connections; another address is served meanwhile")
    func perAddressCap() async throws {
        let collector = try await CollectorHarness {
            $0.connections.headerTimeout = .seconds(300)  // this test is about the cap, not the timeout
            $0.connections.maxPerAddress = 5
        }
        defer { Task { await collector.stop() } }
        let partial = "GET /healthz HTTP/1.1\r\nHost: collector\r\n"
        var opened: [any Channel] = []
        for _ in 0..<6 { opened.append(try await Self.open(collector.httpPort, from: "127.0.0.3", sending: partial)) }
        // Whichever of the six the server counted last is closed at once.
        let deadline = ContinuousClock.now + .seconds(20)
        while opened.filter(\.isActive).count > 5, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(opened.filter(\.isActive).count == 5, "the cap is 5")
        let agent = try await collector.request(.GET, "/healthz", token: nil)
        #expect(agent.status == 200)
        let metrics = try await collector.request(.GET, "/metrics", token: nil)
        #expect(metrics.text.contains("virtmon_collector_http_connections_closed_total{reason=\"per_address_limit\"} 1"), "\(metrics.text)")
        #expect(metrics.text.contains("virtmon_collector_http_connections_closed_total{reason=\"header_timeout\"} 0"))
        for channel in opened { try? await channel.close() }
    }

    @Test("a request head not finished within the header timeout is closed, and counted")
    func headerTimeout() async throws {
        let collector = try await CollectorHarness { $0.connections.headerTimeout = .seconds(1) }
        defer { Task { await collector.stop() } }
        var held: [any Channel] = []
        for _ in 0..<3 { held.append(try await Self.open(collector.httpPort, from: "127.0.0.3", sending: "GET /healthz HTTP/1.1\r\nHost: c\r\n")) }
        for channel in held {
            #expect(await Self.closed(channel, within: 20), "a half-sent request head held its connection past the header timeout")
        }
        let metrics = try await collector.request(.GET, "/metrics", token: nil)
        #expect(metrics.text.contains("virtmon_collector_http_connections_closed_total{reason=\"header_timeout\"} 3"), "\(metrics.text)")
        // A whole request on a new connection is answered and, with Connection: close, ended by the server.
        let whole = try await Self.open(collector.httpPort, from: "127.0.0.3", sending: "GET /healthz HTTP/1.1\r\nHost: c\r\nConnection: close\r\n\r\n")
        #expect(await Self.closed(whole, within: 20))
    }

    @Test("the connection cap fits under the descriptor limit and the soft limit is raised to the hard one")
    func descriptorLimit() {
        var limits = ConnectionLimits()
        limits.maxConnections = 1_000_000
        let (descriptors, connections) = limits.fitDescriptorLimit(reserve: 256)
        #expect(descriptors > 0)
        #expect(connections == max(16, descriptors - 256))
    }
}
