import Testing
@testable import VirtmonStoragePostgres

/// While PostgreSQL is known to be away, statements are refused at once, one probe goes through per interval,
/// and the first statement that reaches the server ends the outage.
@Suite("PostgreSQL outage breaker")
struct PostgresOutageTests {
    @Test("refuses at once while away, lets one probe through per interval, ends on the first success")
    func breaker() {
        let outage = PostgresOutage(probeInterval: .milliseconds(500))
        let start = ContinuousClock.now
        #expect(outage.admit(now: start) == nil, "no outage: every statement goes to the server")
        #expect(outage.failed("connection refused", now: start), "the first failure begins the outage")
        #expect(!outage.failed("connection refused", now: start + .milliseconds(10)), "a second failure does not begin another")

        let refusal = try? #require(outage.admit(now: start + .milliseconds(100)))
        #expect(refusal?.contains("connection refused") == true, "the refusal carries the server's reason: \(refusal ?? "")")
        #expect(outage.admit(now: start + .milliseconds(600)) == nil, "after the interval one statement goes through as a probe")
        #expect(outage.admit(now: start + .milliseconds(700)) != nil, "while that probe runs the others are still refused")
        #expect(outage.admit(now: start + .milliseconds(1_200)) == nil, "the next interval allows the next probe")

        #expect(outage.succeeded(now: start + .seconds(3)) == .seconds(3), "the probe that succeeds says how long the server was away")
        #expect(outage.admit(now: start + .seconds(3)) == nil, "and statements go to the server again")
        #expect(outage.succeeded(now: start + .seconds(4)) == nil, "a success outside an outage ends nothing")
    }
}
