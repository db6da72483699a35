import Foundation
import Synchronization
import Testing
import VirtmonAPI

/// Guessing tokens is slowed per client address; clients that send no token, or the right one, are not.
@Suite("Failed token checks are limited per client")
struct AuthFailureLimitTests {
    /// A clock the test moves.
    final class ManualClock: Sendable {
        private let instant = Mutex(ContinuousClock.now)
        var now: ContinuousClock.Instant { instant.withLock { $0 } }
        func advance(_ duration: Duration) { instant.withLock { $0 += duration } }
    }

    @Test("past the limit an address waits until its oldest failure leaves the window; other addresses go on")
    func window() {
        let clock = ManualClock()
        let limiter = AuthFailureLimiter(limit: 3, window: .seconds(60)) { clock.now }
        for _ in 0..<2 { limiter.failed("10.0.0.1") }
        #expect(limiter.blocked("10.0.0.1") == nil)
        clock.advance(.seconds(20))
        limiter.failed("10.0.0.1")
        #expect(limiter.blocked("10.0.0.1") == .seconds(40), "the first failure leaves the window 40 s from now")
        #expect(limiter.blocked("10.0.0.2") == nil, "another address is not held back")
        clock.advance(.seconds(40))
        #expect(limiter.blocked("10.0.0.1") == nil, "free again once the oldest failure is 60 s old")
        limiter.failed("10.0.0.1")
        #expect(limiter.blocked("10.0.0.1") == nil, "the two failures at 0 s are gone: two remain, under the limit")
        limiter.failed("10.0.0.1")
        #expect(limiter.blocked("10.0.0.1") == .seconds(20), "the failure at 20 s leaves the window 20 s from now")
    }

    @Test("20 wrong tokens from one client: the next check, even with the right token, is 429 with Retry-After, and counted; no token is still 401")
    func overHTTP() async throws {
        let harness = try await CollectorHarness()
        defer { Task { await harness.stop() } }
        for attempt in 1...20 {
            let answer = try await harness.request(.GET, "/v2/meters", token: "guess-\(attempt)")
            #expect(answer.status == 401, "guess \(attempt): \(answer.text)")
        }
        let missing = try await harness.request(.GET, "/api/v1/meters", token: nil)
        let limited = try await harness.exchange(.GET, "/v2/meters", token: CollectorHarness.adminToken, body: nil, headers: [])
        #expect(limited.status == 429, "\(limited.text)")
        #expect(limited.text.contains("too many failed token checks from 127.0.0.1"), "\(limited.text)")
        let retry = Int(limited.headers.first(name: "Retry-After") ?? "") ?? 0
        #expect((1...61).contains(retry), "Retry-After: \(retry)")
        // Batches are signed, not authenticated by token: ingest from the same address goes on.
        let (body, signature) = TestBatches.signed(TestBatches.make(seq: 1))
        let posted = try await harness.request(.POST, "/api/v1/batches", token: nil, body: body,
                                               headers: [("X-Virtmon-Signature", signature ?? "")])
        #expect(posted.status == 200 || posted.status == 202, "ingest while limited: \(posted.status) \(posted.text)")
        #expect(missing.status == 401)
        let metrics = try await harness.request(.GET, "/metrics", token: nil).text
        #expect(metrics.contains(#"virtmon_collector_auth_failures_total{outcome="invalid"} 20"#), "\(metrics.split(separator: "\n").filter { $0.contains("auth_failures") })")
        #expect(metrics.contains(#"virtmon_collector_auth_failures_total{outcome="limited"} 1"#))
        #expect(metrics.contains(#"virtmon_collector_auth_failures_total{outcome="missing"} 1"#))
    }
}
