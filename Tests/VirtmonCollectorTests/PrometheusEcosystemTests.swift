import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Testing
import VirtmonModel
import VirtmonPrometheus
import VirtmonPublishers
import VirtmonTestSupport

/// virtmon beside the real Prometheus ecosystem (docs/prometheus.md): promtool on the agent's /metrics and the
/// collector's /federate, a real Prometheus scraping the agent, remote-write out to Prometheus and
/// VictoriaMetrics through a 60 s outage, a 400 that is final, and remote-write in from Prometheus and vmagent.
@Suite("Prometheus ecosystem", .enabled(if: PrometheusPeers.missing == nil, "\(PrometheusPeers.missing ?? "")"))
struct PrometheusEcosystemTests {
    static func directory(_ tag: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-prom-\(tag)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A `virtmon agent` with its endpoint on a free port; extra YAML goes under `agent:`.
    static func startAgent(_ directory: URL, name: String = "agent", libvirt: String, publishers: [String], interval: Int = 1,
                           agentYAML: String = "", secret: String? = nil) async throws -> (PeerProcess, Int) {
        let port = try CrashTests.freePort()
        let config = directory.appendingPathComponent("\(name).yaml")
        try """
            agent:
              host: \(name)-host
              libvirt_uri: "\(libvirt)"
              listen: 127.0.0.1:\(port)
            \(agentYAML)
            publishing:
              secret: "\(secret ?? "")"
            """.write(to: config, atomically: true, encoding: .utf8)
        var arguments = ["agent", "--config", config.path, "--data-dir", directory.appendingPathComponent("\(name)-data").path,
                         "--interval", "\(interval)", "--log-level", "warning"]
        for publisher in publishers { arguments += ["--publisher", publisher] }
        let agent = try PeerProcess(BuiltExecutable.path("virtmon")!, arguments, log: directory.appendingPathComponent("\(name).log"))
        try await PrometheusPeers.waitFor("the agent's /metrics (\(agent.log.path))") {
            try await PrometheusPeers.get("http://127.0.0.1:\(port)/metrics").text.contains("libvirt_up 1")
        }
        return (agent, port)
    }

    /// The samples a file:// publisher wrote, one JSON sample (or event) per line.
    static func published(_ file: URL) throws -> [Sample] {
        let text = try String(contentsOf: file, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in try? JSONDecoder().decode(Sample.self, from: Data(line.utf8)) }
    }

    // MARK: lint

    /// The agent's page once it holds `once`, after checking promtool finds nothing on it beyond `allowed`.
    static func linted(_ what: String, port: Int, once: [String], allowed: Set<String>, in directory: URL) async throws -> String {
        try await PrometheusPeers.waitFor("\(once) on \(what)'s /metrics", seconds: 120) {
            let page = try await PrometheusPeers.get("http://127.0.0.1:\(port)/metrics").text
            return once.allSatisfy { page.contains($0) }
        }
        let page = try await PrometheusPeers.get("http://127.0.0.1:\(port)/metrics").text
        let findings = Set(try await PrometheusPeers.lint(page, in: directory))
        #expect(findings.isSubset(of: allowed), "promtool on \(what): \(findings.subtracting(allowed).sorted())")
        return page
    }

    @Test("promtool finds nothing on the agent's /metrics (200 test-driver domains, and the lab's real guest) or the collector's /federate that it does not find on node_exporter's own page")
    func lintClean() async throws {
        let directory = try Self.directory("lint")
        let allowed = try await PrometheusPeers.nodeExporterFindings(in: directory)
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let node = try TestNode.write(domains: 200)
        let (agent, port) = try await Self.startAgent(
            directory, libvirt: "test://\(node.path)", publishers: ["http://127.0.0.1:\(collector.httpPort)/api/v1/batches"],
            secret: CollectorHarness.secret)
        defer { Task { await agent.stop() } }
        let page = try await Self.linted("the agent", port: port, once: ["libvirt_domains_number 200"], allowed: allowed, in: directory)
        let lines = page.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("libvirt_domain_info_state{") }.count == 200)
        #expect(lines.filter { $0.hasPrefix("libvirt_domain_timed_out{") && $0.hasSuffix(" 0") }.count == 200)
        #expect(lines.filter { $0.hasPrefix("libvirt_domain_openstack_info{") && $0.contains("project_id=\"project-") }.count == 100)
        #expect(lines.contains { $0.hasPrefix("node_memory_MemAvailable_bytes ") })
        // Measurements carry the domain and a device only: OpenStack's facts stay in the info series.
        #expect(!lines.contains { $0.hasPrefix("libvirt_domain_info_cpu_time_seconds_total{") && $0.contains("project") })

        // What the agent stored, federated by the collector.
        try await PrometheusPeers.waitFor("the agent's samples in the collector") {
            try await PrometheusPeers.get("\(collector.base)/federate?match%5B%5D=libvirt_domain_info_virtual_cpus", headers: [("X-Auth-Token", CollectorHarness.adminToken)])
                .text.split(separator: "\n").filter { $0.hasPrefix("libvirt_domain_info_virtual_cpus{") }.count == 200
        }
        let federated = try await PrometheusPeers.get("\(collector.base)/federate?match%5B%5D=%7Bresource_id%3D~%22.%2B%22%7D", headers: [("X-Auth-Token", CollectorHarness.adminToken)])
        #expect(federated.status == 200)
        let federatedFindings = try await PrometheusPeers.lint(federated.text, in: directory)
        #expect(Set(federatedFindings).isSubset(of: allowed), "promtool on /federate: \(Set(federatedFindings).subtracting(allowed).sorted())")
        #expect(federated.text.contains("node_memory_MemAvailable_bytes{resource_id=\"agent-host\"}"))
        // A project token federates its own project only.
        let own = try await PrometheusPeers.get("\(collector.base)/federate?match%5B%5D=libvirt_domain_openstack_info", headers: [("X-Auth-Token", "p1-token")])
        #expect(own.status == 200 && !own.text.contains("project-"), "\(own.text.prefix(500))")
        let refused = try await PrometheusPeers.get("\(collector.base)/federate?match%5B%5D=%7Bdomain%3D~%22.*%22%7D", headers: [("X-Auth-Token", CollectorHarness.adminToken)])
        #expect(refused.status == 400 && refused.text.contains("matches every series"), "\(refused.text)")

        guard let lab = LibvirtLab.directory else {
            print("⚠️  promtool ran on test-driver domains only: VIRTMON_LIBVIRT_LAB does not name a started lab (bash scripts/test.sh starts one as root)")
            await agent.stop()
            return
        }
        let guest = try await DashboardBrowserTests.startLabGuest(lab: lab, in: directory)
        defer { _ = try? Process.run(URL(fileURLWithPath: "/usr/bin/virsh"), arguments: ["-c", "qemu:///system", "destroy", guest]) }
        let (labAgent, labPort) = try await Self.startAgent(directory, name: "lab", libvirt: "qemu:///system", publishers: ["log://"])
        defer { Task { await labAgent.stop() } }
        // The balloon's figures appear once the guest's driver reports them, a few seconds into its boot.
        let labPage = try await Self.linted("the lab's agent", port: labPort, once: [
            "libvirt_domain_block_stats_read_bytes_total{domain=\"\(guest)\"", "libvirt_domain_memory_stats_rss_bytes{domain=\"\(guest)\"}",
            "libvirt_domain_interface_stats_receive_bytes_total{domain=\"\(guest)\",target_device=\"vnet",
        ], allowed: allowed, in: directory)
        #expect(labPage.contains("libvirt_domain_memory_stats_rss_bytes{domain=\"\(guest)\"}"))
        #expect(labPage.contains("libvirt_domain_interface_stats_receive_bytes_total{domain=\"\(guest)\",target_device=\"vnet"))
        await labAgent.stop()
        await agent.stop()
    }

    // MARK: scraped by Prometheus

    @Test("a real Prometheus scraping the agent: rate(cpu_time)/vCPUs agrees with virtmon's cpu_util, cycle by cycle and over a minute; node_memory_MemAvailable_bytes is the agent's read of /proc")
    func scrapedByPrometheus() async throws {
        try await LabGuestTurns.take { try await scrapeAndCompare() }
    }

    func scrapeAndCompare() async throws {
        let directory = try Self.directory("scrape")
        let lab = LibvirtLab.directory
        var guest: String?
        if let lab { guest = try await DashboardBrowserTests.startLabGuest(lab: lab, in: directory) }
        defer { if let guest { _ = try? Process.run(URL(fileURLWithPath: "/usr/bin/virsh"), arguments: ["-c", "qemu:///system", "destroy", guest]) } }
        let reference = directory.appendingPathComponent("published.jsonl")
        let (agent, port) = try await Self.startAgent(
            directory, libvirt: lab == nil ? "test:///default" : "qemu:///system", publishers: ["file://\(reference.path)"],
            agentYAML: "  metrics_timestamps: true")
        defer { Task { await agent.stop() } }
        let (prometheus, promPort) = try await PrometheusPeers.startPrometheus(directory.appendingPathComponent("prometheus"), config: """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: virtmon
                static_configs: [{targets: ["127.0.0.1:\(port)"]}]
            """)
        defer { Task { await prometheus.stop() } }
        let base = "http://127.0.0.1:\(promPort)"

        try await PrometheusPeers.waitFor("Prometheus to hold 15 s of node_memory_MemAvailable_bytes", seconds: 60) {
            try await PrometheusPeers.rawSamples(base, "node_memory_MemAvailable_bytes[30s]", at: Date().timeIntervalSince1970).count >= 15
        }
        // Each stored point is the cycle's read (the agent stamps series with their cycle's time): the same value
        // the agent published for that cycle, KB × 1024.
        let memory = try await PrometheusPeers.rawSamples(base, "node_memory_MemAvailable_bytes[30s]", at: Date().timeIntervalSince1970)
        let readings = Dictionary(try Self.published(reference).filter { $0.name == "hardware.memory.available" }
            .map { (Exposition.milliseconds($0.timestamp), $0.volume * 1024) }, uniquingKeysWith: { first, _ in first })
        var matched = 0
        for point in memory {
            guard let expected = readings[Int64((point.time * 1000).rounded())] else { continue }
            #expect(point.value == expected, "at \(point.time): Prometheus \(point.value), the agent read \(expected)")
            matched += 1
        }
        #expect(matched >= memory.count - 2 && matched >= 10, "\(matched) of \(memory.count) points matched the agent's reads")
        let meminfo = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let available = meminfo.split(separator: "\n").first { $0.hasPrefix("MemAvailable:") }
            .flatMap { Double($0.split(separator: " ")[1]) }.map { $0 * 1024 } ?? 0
        #expect(abs((memory.last?.value ?? 0) - available) < available * 0.1, "Prometheus \(memory.last?.value ?? 0) vs /proc \(available)")

        guard let guest else {
            print("⚠️  the cpu_util agreement ran on test:///default's constant counters only: VIRTMON_LIBVIRT_LAB does not name a started lab")
            await prometheus.stop()
            await agent.stop()
            return
        }
        // A full minute of the real guest, then the rate over it against the cpu_util samples of the same cycles.
        try await Task.sleep(for: .seconds(65))
        let at = Date().timeIntervalSince1970 - 2
        let counter = try await PrometheusPeers.rawSamples(base, "libvirt_domain_info_cpu_time_seconds_total{domain=\"\(guest)\"}[1m]", at: at)
        // One a second when the machine is idle; fewer when the suite loads both cores. The agreement is the check.
        #expect(counter.count >= 30, "\(counter.count) scraped points in the minute")
        let rate = try await PrometheusPeers.query(
            base, "100 * rate(libvirt_domain_info_cpu_time_seconds_total{domain=\"\(guest)\"}[1m]) / on(domain) libvirt_domain_info_virtual_cpus", at: at)
        let prometheusPercent = try #require(rate.first?.value)
        let first = try #require(counter.first?.time), last = try #require(counter.last?.time)
        let vcpus = try #require(try await PrometheusPeers.query(base, "libvirt_domain_info_virtual_cpus{domain=\"\(guest)\"}", at: at).first?.value)
        // One read of what the agent published, for cpu_util and the counter alike.
        let publishedNow = try Self.published(reference)
        let guestUtil = publishedNow
            .filter { $0.name == "cpu_util" && $0.resourceMetadata["instance_name"] == .string(guest) }
            .map { (time: $0.timestamp.timeIntervalSince1970, value: $0.volume) }.sorted { $0.time < $1.time }
        // The agent stamps each series with its cycle's time, and each cpu_util is the share between that cycle
        // and the one before, capped at 100 % (a busy one-vCPU guest's cpu_time also counts QEMU's own threads
        // and runs at ~102 %). So wherever Prometheus holds two consecutive cycles, their step is that cycle's
        // cpu_util, exactly.
        let utilAt = Dictionary(guestUtil.map { (Int64(($0.time * 1000).rounded()), $0) }, uniquingKeysWith: { first, _ in first })
        var paired = 0, capped = 0
        var outliers: [String] = []
        for (before, after) in zip(counter, counter.dropFirst()) {
            guard let util = utilAt[Int64((after.time * 1000).rounded())], let index = guestUtil.firstIndex(where: { $0.time == util.time }),
                  index > 0, Int64((guestUtil[index - 1].time * 1000).rounded()) == Int64((before.time * 1000).rounded()) else { continue }
            let share = 100 * (after.value - before.value) / (after.time - before.time) / vcpus
            if share > 100 { capped += 1 }
            if abs(min(100, max(0, share)) - util.value) > 0.5 {
                outliers.append("the cycle at \(after.time): Prometheus's step \(share) %, virtmon's cpu_util \(util.value) %")
            }
            paired += 1
        }
        // Every cycle that published the guest's counter (after its first) published its cpu_util too, stamped
        // alike: a cycle read without one would leave its CPU out of any average of cpu_util.
        let guestCPU = publishedNow
            .filter { $0.name == "cpu" && $0.resourceMetadata["instance_name"] == .string(guest) }
            .map { (time: $0.timestamp.timeIntervalSince1970, value: $0.volume) }.sorted { $0.time < $1.time }
        let withoutUtil = guestCPU.dropFirst().filter { utilAt[Int64(($0.time * 1000).rounded())] == nil }.map(\.time)
        #expect(withoutUtil.isEmpty, "cycles that published cpu but no cpu_util: \(withoutUtil)")
        // And every cycle Prometheus scraped reached the file publisher too (both are fed from the same cycle).
        let cycleTimes = Set(guestCPU.map { Int64(($0.time * 1000).rounded()) })
        let scrapedOnly = counter.filter { !cycleTimes.contains(Int64(($0.time * 1000).rounded())) }.map(\.time)
        #expect(scrapedOnly.isEmpty, "cycles Prometheus scraped that the agent's file publisher never wrote: \(scrapedOnly)")
        var unpaired: [String] = []
        for (before, after) in zip(counter, counter.dropFirst()) where utilAt[Int64((after.time * 1000).rounded())] == nil
            || !guestUtil.contains(where: { Int64(($0.time * 1000).rounded()) == Int64((before.time * 1000).rounded()) }) {
            let cycles = guestCPU.filter { $0.time > before.time - 0.0005 && $0.time < after.time + 0.0005 }
            unpaired.append("\(before.time)→\(after.time): virtmon's cpu reads \(cycles.map { "\($0.time)=\($0.value)" }), cpu_util \(guestUtil.filter { $0.time > before.time - 0.0005 && $0.time < after.time + 0.0005 }.map { "\($0.time)=\($0.value)" })")
        }
        print("lab guest: steps Prometheus holds that are not two consecutive agent cycles: \(unpaired)")
        print("lab guest: \(paired) of \(counter.count - 1) steps Prometheus holds paired with a cpu_util (\(capped) over 100 % and capped); "
              + "\(outliers.count) differ by more than 0.5 points: \(outliers)")
        // Under the full suite's load (CI of 2026-12-04 and -06) up to 4 of 36 steps differed by up to 20 points and
        // the minute by 5: libvirt's answer waited seconds for a thread, yet its counters were stamped with the
        // cycle's start, and a read that missed the cycle's deadline was dropped while the next cpu_util started
        // from it. Reads are now stamped when libvirt is asked and late ones are delivered; a step may still
        // stray by the milliseconds the exposition rounds to, most may not.
        #expect(outliers.count * 10 <= paired, "more than a tenth of the paired steps differ by over 0.5 points: \(outliers)")
        #expect(paired >= counter.count / 2, "only \(paired) of Prometheus's \(counter.count - 1) steps were two consecutive agent cycles")
        // Over the whole minute: the weighted cpu_util against Prometheus's own rate(). rate() is the slope of
        // the stored points stretched to the window: all the way to an edge when the first or last point is
        // within 1.1 average gaps of it, else by half a gap (Prometheus's extrapolatedRate); the capped share is
        // the rest of the difference.
        var weighted = 0.0, span = 0.0, uncapped = 0.0
        for (index, point) in guestUtil.enumerated().dropFirst() where point.time > first + 0.0005 && point.time <= last + 0.0005 {
            let interval = point.time - guestUtil[index - 1].time
            weighted += point.value * interval
            span += interval
        }
        let virtmonPercent = span > 0 ? weighted / span : 0
        let stored = 100 * ((counter.last?.value ?? 0) - (counter.first?.value ?? 0)) / (last - first) / vcpus
        // What the cap took off, cycle by cycle from the counter the agent published beside each cpu_util. Over
        // Prometheus's own steps it hides wherever Prometheus missed a cycle: a step over a busy cycle (the
        // guest's QEMU at ~102 %, capped) and an idle one is under 100 % as a whole. Under the full suite's load
        // Prometheus misses cycles: the CI run of 2026-12-07, 6.5 points off over the minute, had 5 of 42 steps unpaired.
        for (before, after) in zip(guestCPU, guestCPU.dropFirst()) where after.time > first + 0.0005 && after.time <= last + 0.0005 {
            let share = 100 * (after.value - before.value) / 1e9 / (after.time - before.time) / vcpus
            uncapped += max(0, share - 100) * (after.time - before.time)
        }
        let window = 60.0, start = (at * 1000).rounded() / 1000 - window
        let sampled = last - first, gap = sampled / Double(counter.count - 1)
        let toStart = first - start, toEnd = start + window - last
        let stretched = sampled + (toStart < gap * 1.1 ? toStart : gap / 2) + (toEnd < gap * 1.1 ? toEnd : gap / 2)
        let expectedRate = (virtmonPercent + uncapped / sampled) * stretched / window
        print("lab guest over one minute: Prometheus rate/vCPUs \(prometheusPercent) %, its stored points' slope \(stored) %, virtmon cpu_util \(virtmonPercent) % (\(span) s); uncapped and stretched from \(sampled) s to \(stretched) s as rate() does: \(expectedRate) %")
        #expect(abs(prometheusPercent - expectedRate) <= 0.5,
                "Prometheus rate() \(prometheusPercent) % vs virtmon \(virtmonPercent) %, or \(expectedRate) % uncapped and stretched as rate() does")
        await prometheus.stop()
        await agent.stop()
    }

    // MARK: remote-write out

    /// How many samples of a series a receiver holds (count_over_time over the last hour).
    static func stored(_ base: String, _ selector: String, extra: String = "") async throws -> Int {
        Int(try await PrometheusPeers.query(base, "count_over_time(\(selector)[1h])", extra: extra).first?.value ?? 0)
    }

    @Test("remote-write out to Prometheus and VictoriaMetrics: both away for the outage, then back: every sample is there once")
    func remoteWriteThroughAnOutage() async throws {
        let directory = try Self.directory("rw-out")
        let outage = Double(ProcessInfo.processInfo.environment["VIRTMON_OUTAGE_SECONDS"] ?? "") ?? 60
        let started = PrometheusPeers.Started()
        defer { Task { await started.stopAll() } }
        let (prometheus, promPort) = try await PrometheusPeers.startPrometheus(
            directory.appendingPathComponent("prometheus"), config: "global: {scrape_interval: 1m}\n", receiver: true)
        await started.add(prometheus)
        let (victoria, vmPort) = try await PrometheusPeers.startVictoria(directory.appendingPathComponent("victoria"))
        await started.add(victoria)
        let reference = directory.appendingPathComponent("published.jsonl")
        let (agent, agentPort) = try await Self.startAgent(directory, libvirt: "test:///default", publishers: [
            "prometheus+http://127.0.0.1:\(promPort)/api/v1/write", "prometheus+http://127.0.0.1:\(vmPort)/api/v1/write",
            "file://\(reference.path)",
        ])
        await started.add(agent)
        let promBase = "http://127.0.0.1:\(promPort)", vmBase = "http://127.0.0.1:\(vmPort)"
        try await PrometheusPeers.waitFor("the first samples in both receivers") {
            let inPrometheus = try await Self.stored(promBase, "node_memory_MemAvailable_bytes")
            let inVictoria = try await Self.stored(vmBase, "node_memory_MemAvailable_bytes", extra: "&nocache=1")
            return inPrometheus > 2 && inVictoria > 0
        }
        await prometheus.stop()
        await victoria.stop()
        print("remote-write receivers stopped for \(outage) s")
        try await Task.sleep(for: .milliseconds(Int64(outage * 1000)))
        let spooled = try await PrometheusPeers.get("http://127.0.0.1:\(agentPort)/healthz").text
        #expect(spooled.contains(#/"spooled_batches":[1-9]/#), "nothing spooled during the outage: \(spooled)")
        await started.add(try await PrometheusPeers.startPrometheus(
            directory.appendingPathComponent("prometheus"), config: "global: {scrape_interval: 1m}\n", port: promPort, receiver: true).0)
        await started.add(try await PrometheusPeers.startVictoria(directory.appendingPathComponent("victoria"), port: vmPort).0)
        // The agent stops, flushing its spools, once they are empty; then the reference is complete.
        try await PrometheusPeers.waitFor("the agent's spools to empty", seconds: 120) {
            let health = try await PrometheusPeers.get("http://127.0.0.1:\(agentPort)/healthz").text
            return health.contains("prometheus+http") && !health.contains(#/"spooled_batches":[1-9]/#)
        }
        await agent.stop()
        let samples = try Self.published(reference)
        _ = try await PrometheusPeers.get("\(vmBase)/internal/force_flush")
        for (meter, selector) in [("hardware.memory.available", "node_memory_MemAvailable_bytes"),
                                  ("cpu", "libvirt_domain_info_cpu_time_seconds_total{domain=\"test\"}"),
                                  ("hardware.cpu.load.1min", "node_load1")] {
            let sent = samples.filter { $0.name == meter }.count
            let inPrometheus = try await Self.stored(promBase, selector)
            let inVictoria = try await Self.stored(vmBase, selector, extra: "&nocache=1")
            print("remote-write out, \(selector): agent read \(sent), Prometheus holds \(inPrometheus), VictoriaMetrics \(inVictoria)")
            #expect(sent > Int(outage) / 2, "\(sent) cycles of \(meter)")
            #expect(inPrometheus == sent, "Prometheus holds \(inPrometheus) of \(sent) \(selector)")
            #expect(inVictoria == sent, "VictoriaMetrics holds \(inVictoria) of \(sent) \(selector)")
        }
        await started.stopAll()
    }

    @Test("a receiver's 400 is final: the batch is dropped and counted, never retried, and the next batch goes through")
    func rejectionIsFinal() async throws {
        let directory = try Self.directory("rw-400")
        let (prometheus, port) = try await PrometheusPeers.startPrometheus(
            directory.appendingPathComponent("prometheus"), config: "global: {scrape_interval: 1m}\n", receiver: true)
        defer { Task { await prometheus.stop() } }
        let settings = PublisherSettings(
            dataDir: directory.path, batchSize: 100, retry: RetryPolicy(initial: .milliseconds(50), maximum: .milliseconds(200)),
            flushTimeout: .seconds(5), httpTimeout: .seconds(5))
        let factory = PublisherFactory(settings: settings, identity: try AgentIdentity.load(dataDir: directory.path, host: "rw-host"),
                                       sequence: try SequenceAllocator(dataDir: directory.path), logger: Logger(label: "test.rw"))
        let publisher = try #require(try factory.make("prometheus+http://127.0.0.1:\(port)/api/v1/write") as? SpoolingPublisher)
        func load(_ value: Double, at date: Date) -> Sample {
            Sample(name: "hardware.cpu.load.1min", type: .gauge, unit: "process", volume: value, resourceID: "rw-host", timestamp: date)
        }
        let now = Date()
        let running = Task { try await publisher.run() }
        defer { running.cancel() }
        try await publisher.publish(samples: [load(1, at: now.addingTimeInterval(-2))], events: [])
        // Three hours back is out of Prometheus's head: it answers 400 "out of bounds".
        try await publisher.publish(samples: [load(2, at: now.addingTimeInterval(-3 * 3600))], events: [])
        try await publisher.publish(samples: [load(3, at: now.addingTimeInterval(-1))], events: [])
        try await PrometheusPeers.waitFor("the spool to empty") { await publisher.spooledBatches == 0 }
        let rejected = await publisher.rejectedCounts
        let delivered = await publisher.deliveryCounts
        #expect(rejected.batches == 1 && rejected.samples == 1, "\(rejected)")
        #expect(delivered.batches == 2 && delivered.failedAttempts == 0, "\(delivered)")
        #expect(try await Self.stored("http://127.0.0.1:\(port)", "node_load1") == 2)
        await prometheus.stop()
    }

    // MARK: remote-write in

    @Test("remote-write in from a real Prometheus and from vmagent: virtmon's statistics equal the sender's avg_over_time and count_over_time")
    func remoteWriteIn() async throws {
        let directory = try Self.directory("rw-in")
        let collector = try await CollectorHarness()
        defer { Task { await collector.stop() } }
        let (exporterA, portA) = try await PrometheusPeers.startNodeExporter(directory)
        let (exporterB, portB) = try await PrometheusPeers.startNodeExporter(directory)
        defer { Task { await exporterA.stop(); await exporterB.stop() } }
        let (prometheus, promPort) = try await PrometheusPeers.startPrometheus(directory.appendingPathComponent("prometheus"), config: """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: node
                static_configs: [{targets: ["127.0.0.1:\(portA)"]}]
            remote_write:
              - url: \(collector.base)/api/v1/write
                authorization: {credentials: "\(CollectorHarness.adminToken)"}
                queue_config: {batch_send_deadline: 1s}
            """)
        defer { Task { await prometheus.stop() } }
        let (victoria, vmPort) = try await PrometheusPeers.startVictoria(directory.appendingPathComponent("victoria"))
        defer { Task { await victoria.stop() } }
        let scrape = directory.appendingPathComponent("vmagent.yml")
        try """
            global: {scrape_interval: 1s}
            scrape_configs:
              - job_name: node
                static_configs: [{targets: ["127.0.0.1:\(portB)"]}]
            """.write(to: scrape, atomically: true, encoding: .utf8)
        // vmagent writes with project p1's token: its samples are p1's.
        let vmagent = try PeerProcess(PrometheusPeers.vmagent!, [
            "-promscrape.config=\(scrape.path)", "-remoteWrite.url=\(collector.base)/api/v1/write", "-remoteWrite.bearerToken=p1-token",
            "-remoteWrite.url=http://127.0.0.1:\(vmPort)/api/v1/write", "-remoteWrite.flushInterval=1s",
            "-remoteWrite.tmpDataPath=\(directory.appendingPathComponent("vmagent-data").path)", "-httpListenAddr=127.0.0.1:\(try CrashTests.freePort())",
            "-loggerLevel=WARN",
        ], log: directory.appendingPathComponent("vmagent.log"))
        defer { Task { await vmagent.stop() } }
        try await Task.sleep(for: .seconds(25))

        for (sender, base, resource, token, project) in [
            ("Prometheus", "http://127.0.0.1:\(promPort)", "127.0.0.1:\(portA)", CollectorHarness.adminToken, nil as String?),
            ("vmagent → VictoriaMetrics", "http://127.0.0.1:\(vmPort)", "127.0.0.1:\(portB)", "p1-token", "p1"),
        ] {
            if sender.hasPrefix("vmagent") { _ = try await PrometheusPeers.get("\(base)/internal/force_flush") }
            let extra = sender.hasPrefix("vmagent") ? "&nocache=1" : ""
            let selector = "node_memory_MemAvailable_bytes{instance=\"\(resource)\"}"
            // A window whose ends fall between scrapes, so an open or closed end makes no difference.
            let points = try await PrometheusPeers.rawSamples(base, "\(selector)[15s]", at: Date().timeIntervalSince1970 - 3)
            #expect(points.count >= 10, "\(sender): \(points.count) points")
            guard points.count >= 10 else { continue }
            let end = (points[points.count - 2].time + points[points.count - 1].time) / 2
            let start = end - 10
            let average = try #require(try await PrometheusPeers.query(base, "avg_over_time(\(selector)[10s])", at: end, extra: extra).first?.value)
            let count = try #require(try await PrometheusPeers.query(base, "count_over_time(\(selector)[10s])", at: end, extra: extra).first?.value)
            func stamp(_ seconds: Double) -> String {
                WireTimestamp.format(Date(timeIntervalSince1970: seconds)).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            }
            let query = "q.field=resource_id&q.op=eq&q.value=\(resource.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
                + "&q.field=timestamp&q.op=gt&q.value=\(stamp(start))&q.field=timestamp&q.op=le&q.value=\(stamp(end))"
            // The sender may still be delivering the window's last samples: wait until virtmon holds as many.
            var answer = try await collector.request(.GET, "/v2/meters/node_memory_MemAvailable_bytes/statistics?\(query)", token: token)
            for _ in 0..<300 {
                if case .array(let rows)? = answer.json, case .object(let row)? = rows.first, case .number(let n)? = row["count"], n >= count { break }
                try await Task.sleep(for: .milliseconds(200))
                answer = try await collector.request(.GET, "/v2/meters/node_memory_MemAvailable_bytes/statistics?\(query)", token: token)
            }
            guard case .array(let rows)? = answer.json, case .object(let row)? = rows.first,
                  case .number(let avg)? = row["avg"], case .number(let n)? = row["count"] else {
                Issue.record("\(sender): virtmon answered \(answer.status) \(answer.text.prefix(400))")
                continue
            }
            print("remote-write in from \(sender): 10 s window, sender avg \(average) over \(Int(count)), virtmon avg \(avg) over \(Int(n))")
            #expect(n == count, "\(sender): virtmon counted \(n), the sender \(count)")
            #expect(abs(avg - average) <= abs(average) * 1e-12, "\(sender): virtmon \(avg) vs \(average)")
            let resources = try await collector.request(.GET, "/v2/resources/\(resource.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", token: token)
            #expect(resources.status == 200, "\(resources.text.prefix(300))")
            if let project { #expect(resources.text.contains("\"project_id\":\"\(project)\""), "\(resources.text.prefix(300))") }
        }
        // A body that is not remote-write is a 400 that says why, so the sender drops it instead of retrying.
        let garbage = try await collector.request(.POST, "/api/v1/write", body: Data("not snappy".utf8))
        await vmagent.stop()
        await prometheus.stop()
        await victoria.stop()
        await exporterA.stop()
        await exporterB.stop()
        #expect(garbage.status == 400 && garbage.text.contains("remote-write: the body is not") && garbage.text.contains("snappy"), "\(garbage.text)")
    }
}
