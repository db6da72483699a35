import Foundation
import Logging
import Testing
import VirtmonModel
import VirtmonServer
import VirtmonTestSupport

/// Two collectors on one PostgreSQL database, as behind a load balancer: a batch either of them acknowledged
/// answers on both within 2 s, a repeat sent to the other one is a repeat, one of them does the housekeeping
/// and the other takes it over when it stops, and a storage tool refuses to run beside them.
@Suite("A collector fleet on one PostgreSQL database")
struct FleetCollectorTests {
    /// A database of its own on the test server (other tests' collectors would be members of a shared one).
    static func freshDatabase() async throws -> String? {
        guard let base = ProcessInfo.processInfo.environment["VIRTMON_TEST_POSTGRES_URL"] else {
            print("⚠️  SKIPPING the collector fleet test: VIRTMON_TEST_POSTGRES_URL is not set (bash scripts/test.sh starts a server and sets it)")
            return nil
        }
        let name = "virtmon_fleet_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12))"
        let created = try await ProcessRunner.run("/usr/bin/psql", [base, "-q", "-c", "CREATE DATABASE \(name)"])
        #expect(created.status == 0, "psql: \(created.stderr)")
        return String(base[..<base.lastIndex(of: "/")!]) + "/\(name)"
    }

    static func count(_ collector: CollectorHarness, resource: String) async throws -> Int {
        let answer = try await collector.request(.GET, "/v2/meters/test.meter?q.field=resource_id&q.value=\(resource)&limit=100000")
        guard answer.status == 200, case .array(let rows)? = answer.json else { return -1 }
        return rows.count
    }

    /// Seconds until `collector` answers `want` samples of `resource`, or nil after 10 s.
    static func visible(_ collector: CollectorHarness, resource: String, want: Int) async throws -> Double? {
        let began = ContinuousClock.now
        while ContinuousClock.now - began < .seconds(10) {
            if try await count(collector, resource: resource) == want { return (ContinuousClock.now - began).inSeconds }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    @Test("batches posted in turn to two collectors answer on both within 2 s; the housekeeping moves when its holder stops")
    func twoCollectors() async throws {
        guard let url = try await Self.freshDatabase() else { return }
        let a = try await CollectorHarness { $0.storage = url }
        let b = try await CollectorHarness { $0.storage = url }
        #expect(a.runtime.holdsFleetDuty && !b.runtime.holdsFleetDuty, "the first collector runs the housekeeping, the second does not")

        var worst = 0.0
        for seq in 1...20 {
            let (body, signature) = TestBatches.signed(TestBatches.make(seq: UInt64(seq), samples: 5))
            let (taker, other) = seq % 2 == 0 ? (a, b) : (b, a)
            #expect(try await taker.postBatch(body, signature: signature).status == 200, "batch \(seq)")
            // What one acknowledged the other answers within 2 s (it takes in the other's writes four times a second).
            let seconds = try #require(try await Self.visible(other, resource: "res-\(seq)", want: 5), "batch \(seq) never answered on the other collector")
            worst = max(worst, seconds)
        }
        print("fleet: a batch acknowledged by one collector answered on the other after at most \(String(format: "%.2f", worst)) s")
        #expect(worst < 2)
        // The agent retried on the other collector: a repeat, stored once.
        let (body, signature) = TestBatches.signed(TestBatches.make(seq: 4, samples: 5))
        let repeated = try await b.postBatch(body, signature: signature)
        #expect(repeated.status == 200 && repeated.text.contains("duplicate"), "\(repeated.text)")
        #expect(try await Self.count(a, resource: "res-4") == 5)

        // A storage tool needs the database to itself and names the collectors using it.
        var logger = Logger(label: "test.fleet")
        logger.logLevel = .critical
        await #expect {
            _ = try await CollectorRuntime.claimDatabase(url, purpose: "virtmon storage compact", logger: logger, timeout: .seconds(1))
        } throws: { error in
            let text = "\(error)"
            return text.contains("is in use by collectors") && text.components(separatedBy: "virtmon collector on").count == 3
        }

        // The holder stops: the other takes the housekeeping within a heartbeat or two, and goes on storing.
        await a.stop()
        let began = ContinuousClock.now
        while !b.runtime.holdsFleetDuty && ContinuousClock.now - began < .seconds(10) { try await Task.sleep(for: .milliseconds(100)) }
        print("fleet: the housekeeping moved to the other collector after \(String(format: "%.1f", (ContinuousClock.now - began).inSeconds)) s")
        #expect(b.runtime.holdsFleetDuty)
        let (more, moreSignature) = TestBatches.signed(TestBatches.make(seq: 21, samples: 5))
        #expect(try await b.postBatch(more, signature: moreSignature).status == 200)
        for seq in 1...21 { #expect(try await Self.count(b, resource: "res-\(seq)") == 5, "res-\(seq)") }
        await b.stop()
    }
}
