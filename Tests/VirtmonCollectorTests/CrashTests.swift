import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing
import VirtmonModel
import VirtmonTestSupport

/// The real `virtmon collector` binary killed with SIGKILL during ingest: every batch it answered 2xx must be
/// in storage after a restart, whole.
@Suite("Collector crash safety")
struct CrashTests {
    static let secret = "crash-secret"
    static let token = "crash-token"

    /// What the writers share with the killer: acknowledged seqs and whether the collector is gone.
    final class Round: Sendable {
        let seqs = Mutex<[UInt64]>([])
        let killed = Mutex(false)
    }

    /// Batches of 200 samples fill a series' head and seal in their own commit; batches of 100 stay in the head
    /// and come back from the write-ahead records after the kill.
    static func size(_ seq: UInt64) -> Int { seq.isMultiple(of: 2) ? 200 : 100 }

    static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
        let port = channel.localAddress!.port!
        try channel.close().wait()
        return port
    }

    static func start(_ virtmon: String, port: Int, dataDir: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: virtmon)
        process.arguments = [
            "collector", "--listen", "127.0.0.1:\(port)", "--udp", "off", "--data-dir", dataDir, "--secret", secret,
            "--admin-token", token, "--log-level", "error",
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func waitHealthy(port: Int) async throws {
        for _ in 0..<200 {
            if let response = try? await CollectorHarness.http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(2)),
               response.status == .ok
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CancellationError()
    }

    @Test("SIGKILL during ingest, restart: every acknowledged batch is stored whole", .enabled(if: BuiltExecutable.path("virtmon") != nil))
    func killDuringIngest() async throws {
        let virtmon = BuiltExecutable.path("virtmon")!
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-crash-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let port = try CrashTests.freePort()
        var totalAcked = 0
        var allAcked: [UInt64] = []
        var rounds: [String] = []
        var nextSeq: UInt64 = 1
        for round in 0..<3 {
            let process = try CrashTests.start(virtmon, port: port, dataDir: dataDir)
            try await CrashTests.waitHealthy(port: port)
            let state = Round()
            let firstSeq = nextSeq
            nextSeq += 1_000_000
            let pid = process.processIdentifier
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<3 {
                    group.addTask {
                        var seq = firstSeq + UInt64(writer) * 100_000
                        while !state.killed.withLock({ $0 }) {
                            let body = TestBatches.make(agent: "crash-agent", seq: seq, samples: CrashTests.size(seq), meter: "crash.test").encoded()
                            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/batches")
                            request.method = .POST
                            request.headers.add(name: SignedFrame.signatureHeader, value: BatchSignature(secret: CrashTests.secret).sign(body)!)
                            request.body = .bytes(ByteBuffer(bytes: body))
                            guard let response = try? await CollectorHarness.http.execute(request, timeout: .seconds(10)) else { break }
                            _ = try? await response.body.collect(upTo: 1 << 20)
                            if response.status == .ok { state.seqs.withLock { $0.append(seq) } }
                            seq += 1
                        }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(700 + round * 300))
                    kill(pid, SIGKILL)
                    state.killed.withLock { $0 = true }
                }
                try await group.waitForAll()
            }
            let exit = await process.exited()
            #expect(exit == ProcessExit(signalled: true, code: SIGKILL))
            let seqs = state.seqs.withLock { $0 }
            totalAcked += seqs.count
            allAcked += seqs
            rounds.append("\(seqs.count)")
        }

        // Restart once more and count what is stored per batch.
        let process = try CrashTests.start(virtmon, port: port, dataDir: dataDir)
        defer { kill(process.processIdentifier, SIGKILL) }
        try await CrashTests.waitHealthy(port: port)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v2/meters/crash.test/statistics?groupby=resource_id")
        request.headers.add(name: "X-Auth-Token", value: CrashTests.token)
        let response = try await CollectorHarness.http.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 64 << 20)
        guard case .array(let rows)? = try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView)) else {
            Issue.record("statistics answer: \(String(buffer: body))")
            return
        }
        var stored: [String: Double] = [:]
        for row in rows {
            guard case .object(let fields) = row, case .object(let group)? = fields["groupby"],
                  case .string(let resource)? = group["resource_id"], case .number(let count)? = fields["count"] else { continue }
            stored[resource] = count
        }
        #expect(totalAcked > 0)
        // Every acknowledged batch is there with all its samples, and no batch is stored in part (one may be
        // stored without its answer having arrived: the agent's retry of it would be a duplicate).
        let missing = allAcked.filter { stored["res-\($0)"] != Double(CrashTests.size($0)) }
        #expect(missing.isEmpty, "acknowledged but not stored whole: \(missing.prefix(10))")
        let partial = stored.filter { resource, count in count != Double(CrashTests.size(UInt64(resource.dropFirst(4)) ?? 0)) }
        #expect(partial.isEmpty, "stored in part: \(partial.prefix(5))")
        print("crash safety: 3 SIGKILLs during ingest (acknowledged per round: \(rounds.joined(separator: ", "))), \(totalAcked) acknowledged batches of 100 or 200 samples, \(stored.count) batches stored after restart, every one whole")
    }
}
