import Foundation
import Testing
import VirtmonModel
import VirtmonTestSupport

/// The fleet as issue 14 names it: three `virtmon collector` processes on one PostgreSQL database while ten
/// real `virtmon agent` processes publish to them, either through one RabbitMQ queue all three consume or
/// over HTTP through nginx; one collector is killed (SIGKILL) mid-stream and not restarted. The broker (or the
/// balancer, and the agents' retries) hands what the killed one had not acknowledged to the survivors, every
/// sample an agent produced is stored exactly once (counted against each agent's own record of what it sent),
/// the killed collector's unsealed samples answer on the survivors, and the survivors give the same answers to
/// the same queries.
@Suite("A collector fleet under ten agents", .serialized)
struct FleetAgentsTests {
    enum Path: String, CustomTestStringConvertible, CaseIterable, Sendable {
        case rabbitmq, nginx
        var testDescription: String { rawValue }
    }

    static let agents = 10

    struct Refused: Error, CustomStringConvertible { var text: String; var description: String { text } }

    static func key(_ sample: Sample) -> String { AMQPOutageTests.key(sample) }

    /// The key of every sample `port` answers for `resource` (newest first), as `key` makes it of the agents'.
    static func keys(_ port: Int, resource: String) async throws -> [String] {
        let answer = try await FleetBalancerTests.get("http://127.0.0.1:\(port)/api/v1/samples?resource=\(resource)&limit=10000")
        guard answer.status == 200, case .array(let rows) = try JSONDecoder().decode(JSONValue.self, from: Data(answer.body.utf8)) else {
            throw Refused(text: "samples of \(resource) on \(port): \(answer.status) \(answer.body.prefix(300))")
        }
        return try rows.map { row in
            guard case .object(let fields) = row, let meter = fields["meter"]?.stringValue, let id = fields["resource_id"]?.stringValue,
                  let time = fields["timestamp"]?.stringValue.flatMap(WireTimestamp.parse)
            else { throw Refused(text: "a sample row without meter, resource_id or timestamp on \(port): \(row)") }
            return "\(meter)@\(id)@\(Int64((time.timeIntervalSince1970 * 1000).rounded()))"
        }
    }

    /// `virtmon_collector_samples_stored_total` on the collector at `port`.
    static func storedCounter(_ port: Int) async -> Int {
        guard let page = try? await FleetBalancerTests.get("http://127.0.0.1:\(port)/metrics").body else { return -1 }
        return page.split(separator: "\n").filter { $0.hasPrefix("virtmon_collector_samples_stored_total") }
            .reduce(0) { $0 + Int(Double($1.split(separator: " ").last ?? "") ?? 0) }
    }

    /// Batches the agent at `port` holds in its spool for a destination starting with `scheme`.
    static func spooled(_ port: Int, scheme: String) async throws -> Int {
        let answer = try await PrometheusPeers.get("http://127.0.0.1:\(port)/healthz")
        guard case .object(let health)? = try? JSONDecoder().decode(JSONValue.self, from: Data(answer.text.utf8)),
              case .array(let spools)? = health["spools"] else { throw Refused(text: "no spools on the agent at \(port): \(answer.text.prefix(300))") }
        return spools.reduce(0) { total, spool in
            guard case .object(let fields) = spool, fields["target"]?.stringValue?.hasPrefix(scheme) == true else { return total }
            return total + Int(fields["spooled_batches"]?.doubleValue ?? 0)
        }
    }

    /// nginx in front of `ports` over HTTP on `front` (a batch not acknowledged is sent to the next one: safe, as a
    /// batch is recognised by its (agent, seq)).
    static func balancer(_ ports: [Int], front: Int, in directory: URL) throws -> PeerProcess {
        let config = """
            daemon off;
            pid \(directory.path)/nginx.pid;
            error_log \(directory.path)/nginx-error.log notice;
            events { worker_connections 512; }
            http {
                access_log off;
                client_body_temp_path \(directory.path)/body; proxy_temp_path \(directory.path)/proxy;
                fastcgi_temp_path \(directory.path)/fastcgi; uwsgi_temp_path \(directory.path)/uwsgi; scgi_temp_path \(directory.path)/scgi;
                upstream fleet { \(ports.map { "server 127.0.0.1:\($0) max_fails=1 fail_timeout=30s;" }.joined(separator: " ")) }
                server {
                    listen 127.0.0.1:\(front);
                    location / {
                        proxy_pass http://fleet; proxy_http_version 1.1; proxy_set_header Connection "";
                        proxy_next_upstream error timeout http_502 http_503 non_idempotent;
                    }
                }
            }
            """
        let path = directory.appendingPathComponent("nginx.conf")
        try config.write(to: path, atomically: true, encoding: .utf8)
        return try PeerProcess(FleetBalancerTests.nginx, ["-p", directory.path, "-e", directory.appendingPathComponent("nginx-error.log").path, "-c", path.path],
                               log: directory.appendingPathComponent("nginx.log"))
    }

    @Test("ten agents → three collectors on one PostgreSQL, through RabbitMQ or nginx; one killed: every sample the agents produced is stored once, and the survivors agree",
          .enabled(if: BuiltExecutable.path("virtmon") != nil), arguments: Path.allCases)
    func killedUnderAgents(_ path: Path) async throws {
        switch path {
        case .rabbitmq: if let reason = ThrowawayBroker.unavailableReason { Issue.record("SKIPPED LOUDLY: \(reason)"); return }
        case .nginx:
            guard FileManager.default.isExecutableFile(atPath: FleetBalancerTests.nginx) else {
                Issue.record("SKIPPED LOUDLY: \(FleetBalancerTests.nginx) is not installed (scripts/test.sh installs nginx-light)")
                return
            }
        }
        guard let url = try await FleetCollectorTests.freshDatabase() else { return }
        let binary = BuiltExecutable.path("virtmon")!
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-fleet-bus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let broker = path == .rabbitmq ? try await ThrowawayBroker(name: "fleet") : nil
        defer { broker?.discard() }

        let ports = [try CrashTests.freePort(), try CrashTests.freePort(), try CrashTests.freePort()]
        var collectors: [PeerProcess] = []
        for (index, port) in ports.enumerated() {
            collectors.append(try PeerProcess(binary, [
                "collector", "--listen", "127.0.0.1:\(port)", "--udp", "off", "--storage", url,
                "--data-dir", directory.appendingPathComponent("collector-\(index)").path, "--secret", CollectorHarness.secret,
                "--admin-token", CollectorHarness.adminToken, "--log-level", "notice",
            ] + (broker.map { ["--amqp", $0.url + "?prefetch=10"] } ?? []), log: directory.appendingPathComponent("collector-\(index).log")))
            if index == 0 { try await Task.sleep(for: .milliseconds(300)) }
        }
        let (killed, survivors) = (collectors[0], Array(collectors[1...]))
        defer { Task { for collector in survivors { await collector.stop() } } }
        for port in ports {
            try await PrometheusPeers.waitFor("the collector on \(port) to answer (\(collectors.map { $0.tail(500) }))", seconds: 60) {
                (try? await FleetBalancerTests.get("http://127.0.0.1:\(port)/v2/meters").status) == 200
            }
        }
        let front = try CrashTests.freePort()
        let nginx = path == .nginx ? try Self.balancer(ports, front: front, in: directory) : nil
        defer { Task { await nginx?.stop() } }
        if nginx != nil {
            try await PrometheusPeers.waitFor("nginx to answer (\(nginx?.tail() ?? ""))", seconds: 20) {
                (try? await FleetBalancerTests.get("http://127.0.0.1:\(front)/v2/meters").status) == 200
            }
        }
        let destination = broker?.url ?? "http://127.0.0.1:\(front)/api/v1/batches"
        let scheme = path == .rabbitmq ? "amqp" : "http"

        var agents: [(process: PeerProcess, reference: URL, port: Int)] = []
        for index in 0..<Self.agents {
            let home = directory.appendingPathComponent("agent-\(index)")
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
            let port = try CrashTests.freePort()
            let config = home.appendingPathComponent("agent.yaml")
            try """
                agent:
                  host: fleet-agent-\(index)
                  libvirt_uri: "off"
                  listen: 127.0.0.1:\(port)
                publishing:
                  secret: "\(CollectorHarness.secret)"
                  retry_initial: 200ms
                  retry_max: 2s
                  flush_timeout: 30s
                """.write(to: config, atomically: true, encoding: .utf8)
            let reference = home.appendingPathComponent("reference.jsonl")
            // The collectors' way first, then the file: a sample in the file was handed to the first one's spool before.
            let process = try PeerProcess(binary, ["agent", "--config", config.path, "--data-dir", home.appendingPathComponent("data").path,
                                                   "--interval", "1", "--log-level", "warning",
                                                   "--publisher", destination, "--publisher", "file://\(reference.path)"],
                                          log: home.appendingPathComponent("agent.log"))
            agents.append((process, reference, port))
        }
        let started = agents.map(\.process)
        defer { Task { for agent in started { await agent.stop() } } }

        // Each collector takes its share of the queue before one is killed.
        try await PrometheusPeers.waitFor("every collector to store from the queue (\(collectors.map { $0.tail(500) }))", seconds: 90) {
            var all = true
            for port in ports where await Self.storedCounter(port) <= 0 { all = false }
            return all
        }
        try await Task.sleep(for: .seconds(4))
        let takenByKilled = await Self.storedCounter(ports[0])
        kill(killed.pid, SIGKILL)
        await killed.stop()
        try await Task.sleep(for: .seconds(8))
        // What the agents hold for the killed collector's share is delivered before they stop.
        for agent in agents {
            try await PrometheusPeers.waitFor("agent \(agent.port)'s spool to empty (\(agent.process.tail(500)))", seconds: 60) {
                try await Self.spooled(agent.port, scheme: scheme) == 0
            }
        }
        for agent in agents { await agent.process.stop(grace: .seconds(40)) }
        if let broker {
            try await PrometheusPeers.waitFor("the queue to drain", seconds: 60) {
                try await broker.depth("virtmon.batches").map { $0.ready + $0.unacknowledged } == 0
            }
        }

        var produced: [Sample] = []
        for agent in agents { produced += try PrometheusEcosystemTests.published(agent.reference) }
        let wanted = Set(produced.map(Self.key))
        #expect(wanted.count == produced.count, "the agents produced \(produced.count - wanted.count) samples twice")
        let resources = Set(produced.map(\.resourceID)).sorted()
        var answers: [[String]] = []
        for port in ports[1...] {
            var keys: [String] = []
            // The survivors follow each other's last writes four times a second.
            try await PrometheusPeers.waitFor("every produced sample on the collector at \(port)", seconds: 30) {
                keys = []
                for resource in resources { keys += try await Self.keys(port, resource: resource) }
                return Set(keys).isSuperset(of: wanted)
            }
            answers.append(keys)
            let missing = wanted.subtracting(keys)
            #expect(missing.isEmpty, "collector at \(port): \(missing.count) produced samples never stored, e.g. \(missing.prefix(3))")
            #expect(Set(keys).count == keys.count, "collector at \(port): \(keys.count - Set(keys).count) samples stored twice")
            #expect(keys.count == produced.count, "collector at \(port) answers \(keys.count) samples, the agents produced \(produced.count)")
        }
        let survivorsStored = await [Self.storedCounter(ports[1]), Self.storedCounter(ports[2])]
        print("fleet through \(path): \(Self.agents) agents produced \(produced.count) samples over \(resources.count) resources; the killed collector "
              + "had stored \(takenByKilled) before SIGKILL, the survivors \(survivorsStored); each survivor answers \(answers.map(\.count)), "
              + "\(answers.map { Set($0).count }) distinct")
        #expect(takenByKilled > 0, "the killed collector stored nothing before it was killed")

        // The same queries, the same bytes (links name the collector that answered).
        let queries = [
            "/v2/meters?limit=100000", "/v2/resources", "/api/v1/hosts",
            "/v2/meters/\(produced[0].name)/statistics?period=5", "/api/v1/samples?resource=\(resources[0])&limit=10000",
        ]
        var agreeing = 0
        for query in queries {
            var bodies: [(Int, String)] = []
            let settled = ContinuousClock.now
            repeat {
                bodies = []
                for port in ports[1...] {
                    let answer = try await FleetBalancerTests.get("http://127.0.0.1:\(port)\(query)")
                    bodies.append((answer.status, answer.body.replacingOccurrences(of: "127.0.0.1:\(port)", with: "COLLECTOR")))
                }
                if bodies[0] == bodies[1] { break }
                try await Task.sleep(for: .milliseconds(200))
            } while ContinuousClock.now - settled < .seconds(5)
            #expect(bodies[0].0 == 200, "\(query): \(bodies[0].0) \(bodies[0].1.prefix(200))")
            #expect(bodies[0] == bodies[1], "\(query): the survivors answer differently")
            if bodies[0].0 == 200 && bodies[0] == bodies[1] { agreeing += 1 }
        }
        print("fleet through \(path): the two survivors gave byte-identical answers to \(agreeing) of \(queries.count) queries")
        let tookDuty = survivors.contains { $0.tail(50_000).contains("this collector runs the fleet's housekeeping") }
        #expect(tookDuty, "a survivor took the housekeeping: \(survivors.map { $0.tail(1000) })")
        // Stopped here, not only in the deferred Tasks, which a test process ending first would never run.
        for collector in survivors { await collector.stop() }
        await nginx?.stop()
    }
}
