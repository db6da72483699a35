import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import Logging
import Synchronization
import Testing
import VirtmonModel
import VirtmonPublishers
import VirtmonStorage

/// The agent's clock stepped (a wrong NTP server, a VM resumed after hours, an operator's `date -s`).
@Suite("Clock jumps on the agent")
struct ClockJumpTests {
    final class SteppedClock: Sendable {
        private let offset = Mutex<TimeInterval>(0)
        func step(to seconds: TimeInterval) { offset.withLock { $0 = seconds } }
        func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }
    }

    @Test("an agent clock an hour ahead or behind: the collector refuses with the skew and Retry-After, the batches wait in the spool, and arrive once when the clock is right",
          arguments: [3600.0, -3600.0])
    func batchesWaitOutAClockJump(offset: TimeInterval) async throws {
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-clock-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let clock = SteppedClock()
        clock.step(to: offset)
        let publisher = SpoolingPublisher(
            transport: HTTPTransport(url: "http://127.0.0.1:\(collector.httpPort)/api/v1/batches"),
            spool: try Spool(directory: dataDir + "/spool", maxBytes: 1 << 20, maxBatches: 100),
            identity: try AgentIdentity.load(dataDir: dataDir, host: "node1"), sequence: try SequenceAllocator(dataDir: dataDir),
            signature: BatchSignature(secret: CollectorHarness.secret), batchSize: 10, retry: RetryPolicy(),
            attemptTimeout: .seconds(10), flushTimeout: .seconds(10), logger: Logger(label: "test"), wallClock: clock.now)
        let samples = (0..<30).map { index in
            Sample(name: "cpu_util", type: .gauge, unit: "%", volume: Double(index), resourceID: "vm-clock",
                   timestamp: Date().addingTimeInterval(Double(index) - 40))
        }
        try await publisher.publish(samples: samples, events: [])
        await publisher.flush()
        #expect(await publisher.spooledBatches == 3, "refused for the skew, kept")
        let failure = await publisher.lastFailure ?? ""
        #expect(failure.contains("from the collector's clock") && failure.contains(offset > 0 ? " is 3" : " is -3"), "\(failure)")

        // The refusal itself, as any client sees it.
        var batch = TestBatches.make(seq: 1, samples: 1)
        batch.sentAt = Date().addingTimeInterval(offset)
        let signed = TestBatches.signed(batch)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(collector.httpPort)/api/v1/batches")
        request.method = .POST
        if let signature = signed.signature { request.headers.add(name: SignedFrame.signatureHeader, value: signature) }
        request.body = .bytes(ByteBuffer(data: signed.body))
        let response = try await CollectorHarness.http.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 16))
        #expect(response.status.code == 400 && response.headers["Retry-After"] == ["30"], "\(response.status) \(response.headers) \(text)")
        #expect(text.contains("from the collector's clock"), "\(text)")

        clock.step(to: 0)
        let deadline = ContinuousClock.now + .seconds(60)
        while await publisher.spooledBatches > 0, ContinuousClock.now < deadline { await publisher.flush() }
        let stored = try await collector.runtime.storage.samples(SampleQuery(filters: [QueryFilter(.resourceID, .eq, .string("vm-clock"))], limit: 100))
        #expect(stored.count == 30, "every sample once: \(stored.count)")
        #expect(Set(stored.map(\.sample.volume)).count == 30)
    }
}
