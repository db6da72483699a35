import AsyncHTTPClient
import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import VirtmonAgent
import VirtmonAPI
import VirtmonLibvirt
import VirtmonModel
import VirtmonPollsters
import VirtmonTestSupport

/// The agent's /metrics while libvirt misbehaves: the scrape reads the latest cycle from memory, so a libvirtd
/// that hangs mid-cycle does not hold it, and a domain some of whose statistics could not be read is flagged on
/// its own while every other domain is served.
@Suite("Agent /metrics under a stalling libvirt")
struct AgentScrapeTests {
    /// The real test driver underneath; on top, one domain's per-device reads failing as a locked domain's do,
    /// and, when asked, a collect that hangs as a libvirtd stuck on a domain does.
    final class StallingDomains: DomainStatsSource {
        let inner: LibvirtConnection
        let victim: String
        private let state = Mutex<(holding: Bool, stalled: Int, inside: Bool)>((false, 0, false))
        /// Held by a hanging collect until the test lets it go.
        private let gate = DispatchSemaphore(value: 0)

        init(inner: LibvirtConnection, victim: String) {
            self.inner = inner
            self.victim = victim
        }

        var target: String { inner.target }
        /// The next collect hangs until `release`.
        func hold() { state.withLock { $0.holding = true } }
        func release() {
            let inside = state.withLock { state -> Bool in
                state.holding = false
                return state.inside
            }
            if inside { gate.signal() }
        }
        var stalls: Int { state.withLock { $0.stalled } }
        /// Whether a collect is hanging right now.
        var hanging: Bool { state.withLock { $0.inside } }

        func collect() throws -> DomainCycle {
            var cycle = try inner.collect()
            for index in cycle.domains.indices where cycle.domains[index].uuid == victim {
                cycle.domains[index].disks = []
                cycle.domains[index].unread = ["virDomainBlockStats(\(cycle.domains[index].name), vda): Timed out during operation: cannot acquire state change lock (held by monitor=remoteDispatchDomainMigratePerform3Params)"]
            }
            let hang = state.withLock { state -> Bool in
                guard state.holding else { return false }
                state.stalled += 1
                state.inside = true
                return true
            }
            if hang {
                // A blocking hang, as a libvirt call is: this runs on the pollster's own thread, until released.
                gate.wait()
                state.withLock { $0.inside = false }
            }
            return cycle
        }
    }

    struct Recorder: SampleSink {
        let latest: LatestReadings
        func accept(_ samples: [Sample], source: String) async { latest.record(samples, source: source) }
    }

    @Test("while libvirt hangs mid-cycle every scrape answers with every domain; the unreadable domain alone is flagged")
    func stallDoesNotHoldTheScrape() async throws {
        let node = try TestNode.write(domains: 20)
        let library = try LibvirtLibrary()
        let connection = LibvirtConnection(uri: "test://\(node.path)", library: library)
        try connection.connect()
        let victim = TestNode.uuid(4)
        let source = StallingDomains(inner: connection, victim: victim)
        let latest = LatestReadings()
        var logger = Logger(label: "test.agent-scrape")
        logger.logLevel = .error
        let scheduler = PollScheduler(
            sources: [PollSource(name: "vms", interval: .milliseconds(500), selector: .all,
                                 pollsters: [DomainPollster(source: source, logger: logger)], timeout: .seconds(300))],
            sink: Recorder(latest: latest), host: "scrape-host", logger: logger)
        let (bound, boundContinuation) = AsyncStream.makeStream(of: Int.self)
        let endpoint = AgentEndpoint.application(
            host: "127.0.0.1", port: 0, health: { (200, .object([:])) }, readings: { latest.all() },
            libvirtUp: { await scheduler.pollsterStats()["vms/libvirt"]?.lastSucceeded }, logger: logger,
            onBound: { boundContinuation.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [endpoint, scheduler], logger: logger))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        var ports = bound.makeAsyncIterator()
        let port = try #require(await ports.next())
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = client.shutdown() }

        func scrape() async throws -> (text: String, waited: Duration) {
            let started = ContinuousClock.now
            let response = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 16 << 20)
            return (String(buffer: body), ContinuousClock.now - started)
        }
        func lines(_ text: String, _ prefix: String) -> [Substring] { text.split(separator: "\n").filter { $0.hasPrefix(prefix) } }

        // Two cycles, so cpu rates and the flag are there.
        var first = ""
        // Up to two minutes: a runner the rest of the suite starves can take that long to finish two cycles.
        for _ in 0..<1200 {
            first = try await scrape().text
            if lines(first, "libvirt_domain_info_state{").count == 20, first.contains("libvirt_domain_timed_out{domain=\"vm-4\"} 1") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        try #require(lines(first, "libvirt_domain_info_state{").count == 20, "no complete cycle yet: \(first.prefix(2000))")

        // The hang stays inside one cycle (its deadline is 300 s): a pollster that misses its deadline is absent from
        // the next page, which is a different case.
        source.hold()
        defer { source.release() }
        for _ in 0..<3000 where !source.hanging { try await Task.sleep(for: .milliseconds(20)) }
        #expect(source.hanging, "the pollster never entered the stall")
        var waits: [Duration] = []
        for _ in 0..<10 {
            let (text, waited) = try await scrape()
            // Answered while libvirt still hangs: the scrape did not wait for it.
            #expect(source.hanging, "a scrape returned only after libvirt's hang ended (it waited \(waited))")
            waits.append(waited)
            #expect(lines(text, "libvirt_domain_info_state{").count == 20)
            #expect(lines(text, "libvirt_domain_timed_out{").count == 20)
            #expect(lines(text, "libvirt_domain_timed_out{").filter { $0.hasSuffix(" 1") } == ["libvirt_domain_timed_out{domain=\"vm-4\"} 1"])
            #expect(text.contains("libvirt_up 1"), "one unreadable domain must not turn libvirt_up to 0")
            // Its other series are served; only the disk it could not read is missing.
            #expect(text.contains("libvirt_domain_info_cpu_time_seconds_total{domain=\"vm-4\"}"))
            #expect(!text.contains("libvirt_domain_block_stats_read_bytes_total{domain=\"vm-4\""))
            #expect(text.contains("libvirt_domain_block_stats_read_bytes_total{domain=\"vm-3\""))
            try await Task.sleep(for: .milliseconds(100))
        }
        // The wait itself is a figure, not a pass mark (it depends on what else the machine runs): said here,
        // and quoted from an idle run in docs/prometheus.md.
        print("agent scrapes during a libvirt hang: \(waits.count), median \(waits.sorted()[waits.count / 2]), slowest \(waits.max() ?? .zero)")
        source.release()
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }
}
