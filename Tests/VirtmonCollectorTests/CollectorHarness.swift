import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import VirtmonCollector
import VirtmonModel
import VirtmonServer
import VirtmonTestSupport

/// A real collector in this process: SQLite in a temporary directory, HTTP and UDP on ports the kernel picks,
/// a secret and tokens; plus an HTTP client and a UDP socket to talk to it.
final class CollectorHarness: Sendable {
    static let secret = "test-secret"
    static let adminToken = "admin-token-123"
    static let projectTokens = ["p1-token": "p1", "p2-token": "p2"]
    static let http = HTTPClient(eventLoopGroupProvider: .singleton)

    let runtime: CollectorRuntime
    let directory: URL
    let httpPort: Int
    let udpPort: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    init(secret: String = CollectorHarness.secret, clockWindow: Duration = .seconds(300),
         configure: (inout CollectorConfig) -> Void = { _ in }) async throws {
        StallWatchdog.start()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-collector-\(UUID().uuidString)")
        var config = CollectorConfig(dataDir: directory.path)
        config.listen = .init(host: "127.0.0.1", port: 0)
        config.udp = .init(host: "127.0.0.1", port: 0)
        config.secret = secret
        config.adminToken = CollectorHarness.adminToken
        config.projectTokens = CollectorHarness.projectTokens
        config.clockWindow = clockWindow
        // Alarms are evaluated by the batches a test sends; a timer pass in the middle of a slow run would
        // move them on its own. A test that wants the timer sets it.
        config.alarmEvaluationInterval = .seconds(3600)
        configure(&config)
        var logger = Logger(label: "test.collector")
        logger.logLevel = .error
        let (stream, continuation) = AsyncStream.makeStream(of: (Int, Int).self)
        runtime = try await CollectorRuntime.build(config: config, logger: logger) { http, udp in
            continuation.yield((http ?? 0, udp ?? 0))
            continuation.finish()
        }
        group = ServiceGroup(configuration: .init(services: try runtime.serviceConfigurations(), logger: logger))
        let group = self.group
        task = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        guard let (http, udp) = await iterator.next() else { throw CancellationError() }
        httpPort = http
        udpPort = udp
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        await runtime.close()
        try? FileManager.default.removeItem(at: directory)
    }

    var base: String { "http://127.0.0.1:\(httpPort)" }

    /// An HTTP exchange: status and the body as JSON (nil when it is not JSON).
    func request(_ method: HTTPMethod = .GET, _ path: String, token: String? = CollectorHarness.adminToken, body: Data? = nil,
                 headers: [(String, String)] = []) async throws -> (status: Int, json: JSONValue?, text: String) {
        let answer = try await exchange(method, path, token: token, body: body, headers: headers)
        return (answer.status, answer.json, answer.text)
    }

    /// As `request`, with the answer's headers too.
    func exchange(_ method: HTTPMethod = .GET, _ path: String, token: String? = CollectorHarness.adminToken, body: Data? = nil,
                  headers: [(String, String)] = []) async throws -> (status: Int, json: JSONValue?, text: String, headers: HTTPHeaders) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token { request.headers.add(name: "X-Auth-Token", value: token) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await CollectorHarness.http.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 512 * 1024 * 1024)
        let data = Data(bytes.readableBytesView)
        return (Int(response.status.code), try? JSONDecoder().decode(JSONValue.self, from: data), String(decoding: data, as: UTF8.self),
                response.headers)
    }

    /// Posts a batch body as an agent does.
    func postBatch(_ body: Data, signature: String?) async throws -> (status: Int, json: JSONValue?, text: String) {
        var headers: [(String, String)] = []
        if let signature { headers.append((SignedFrame.signatureHeader, signature)) }
        return try await request(.POST, "/api/v1/batches", token: nil, body: body, headers: headers)
    }

    /// Sends raw datagrams to the UDP port.
    func sendDatagrams(_ datagrams: [Data]) async throws {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: udpPort)
        for datagram in datagrams {
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: datagram))).get()
        }
        try await channel.close().get()
    }

    /// Waits until `condition` holds on the ingest counters (UDP has no answer to wait for).
    func waitForCounters(timeout: Duration = .seconds(20), _ condition: (IngestCounters.Snapshot) -> Bool) async throws -> IngestCounters.Snapshot {
        let deadline = ContinuousClock.now + timeout
        while true {
            let view = runtime.ingestor.counters.snapshot
            if condition(view) || ContinuousClock.now > deadline { return view }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Batches as an agent makes them.
enum TestBatches {
    static func make(agent: String = "agent-test", seq: UInt64, samples: Int = 3, sentAt: Date = Date(), meter: String = "test.meter",
                     timestamp: Date = Date()) -> Batch {
        Batch(
            agent: agent, host: "test-host", sequence: seq, sentAt: sentAt,
            samples: (0..<samples).map { index in
                Sample(name: meter, type: .gauge, unit: "B", volume: Double(index), resourceID: "res-\(seq)",
                       timestamp: timestamp, resourceMetadata: ["seq": .number(Double(seq))])
            })
    }

    static func signed(_ batch: Batch, secret: String = CollectorHarness.secret) -> (body: Data, signature: String?) {
        let body = batch.encoded()
        return (body, BatchSignature(secret: secret).sign(body))
    }

    static func datagram(_ batch: Batch, secret: String? = CollectorHarness.secret) -> Data {
        let body = batch.encoded()
        return SignedFrame(signature: secret.flatMap { BatchSignature(secret: $0).sign(body) }, body: body).encoded()
    }
}
