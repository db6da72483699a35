import AsyncHTTPClient
import Foundation
import NIOCore
import VirtmonModel
import VirtmonTestSupport

/// The real Prometheus-ecosystem peers the tests run beside virtmon (Debian's prometheus 2.42, promtool,
/// victoria-metrics 1.79 with vmagent, prometheus-node-exporter), each on a free port under a directory of the
/// test's, and the few HTTP calls the tests make of them.
enum PrometheusPeers {
    static let prometheus = PeerProcess.installed("/usr/bin/prometheus")
    static let promtool = PeerProcess.installed("/usr/bin/promtool")
    static let victoria = PeerProcess.installed("/usr/bin/victoria-metrics")
    static let vmagent = PeerProcess.installed("/usr/bin/vmagent")
    static let nodeExporter = PeerProcess.installed("/usr/bin/prometheus-node-exporter")

    /// Why these tests cannot run, or nil when every peer is installed.
    static var missing: String? {
        for (name, path) in [("prometheus", prometheus), ("promtool", promtool), ("victoria-metrics", victoria), ("vmagent", vmagent),
                             ("prometheus-node-exporter", nodeExporter)] where path == nil {
            return "\(name) is not installed (Debian's prometheus, victoria-metrics and prometheus-node-exporter; bash scripts/test.sh installs them)"
        }
        return BuiltExecutable.path("virtmon") == nil ? "the virtmon executable is not built (swift build)" : nil
    }

    /// The peers a test started, stopped together when it ends, however it ends.
    actor Started {
        private var peers: [PeerProcess] = []
        func add(_ peer: PeerProcess) { peers.append(peer) }
        func stopAll() async {
            for peer in peers.reversed() { await peer.stop() }
        }
    }

    struct PeerError: Error, CustomStringConvertible {
        var description: String
    }

    /// GET `url`: status and body.
    static func get(_ url: String, headers: [(String, String)] = []) async throws -> (status: Int, text: String) {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await CollectorHarness.http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// Polls `condition` until it holds or `seconds` pass; says what it waited for when it gives up.
    static func waitFor(_ what: String, seconds: Double = 30, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        if try await condition() { return }
        throw PeerError(description: "gave up after \(seconds) s waiting for \(what)")
    }

    /// Starts Prometheus with `config` (YAML), its TSDB in `directory`, on `port` (a free one if nil).
    static func startPrometheus(_ directory: URL, config: String, port: Int? = nil, receiver: Bool = false) async throws -> (PeerProcess, Int) {
        let port = try port ?? CrashTests.freePort()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("prometheus.yml")
        try config.write(to: file, atomically: true, encoding: .utf8)
        var arguments = ["--config.file=\(file.path)", "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
                         "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
        if receiver { arguments.append("--web.enable-remote-write-receiver") }
        let peer = try PeerProcess(prometheus!, arguments, log: directory.appendingPathComponent("prometheus-\(port).log"))
        try await waitFor("Prometheus on port \(port) to be ready (\(peer.log.path))", seconds: 120) {
            try await get("http://127.0.0.1:\(port)/-/ready").status == 200
        }
        return (peer, port)
    }

    /// Starts single-node VictoriaMetrics with its data in `directory`.
    static func startVictoria(_ directory: URL, port: Int? = nil) async throws -> (PeerProcess, Int) {
        let port = try port ?? CrashTests.freePort()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let peer = try PeerProcess(victoria!, [
            "-storageDataPath=\(directory.appendingPathComponent("data").path)", "-httpListenAddr=127.0.0.1:\(port)",
            "-search.latencyOffset=0s", "-loggerLevel=WARN",
        ], log: directory.appendingPathComponent("victoria-\(port).log"))
        try await waitFor("VictoriaMetrics on port \(port) to be ready (\(peer.log.path))", seconds: 120) {
            try await get("http://127.0.0.1:\(port)/health").status == 200
        }
        return (peer, port)
    }

    /// Starts node_exporter on a free port.
    static func startNodeExporter(_ directory: URL) async throws -> (PeerProcess, Int) {
        let port = try CrashTests.freePort()
        let peer = try PeerProcess(nodeExporter!, ["--web.listen-address=127.0.0.1:\(port)"], log: directory.appendingPathComponent("node-exporter-\(port).log"))
        try await waitFor("node_exporter on port \(port)") { try await get("http://127.0.0.1:\(port)/metrics").status == 200 }
        return (peer, port)
    }

    /// An instant query's result vector: each series' labels and value.
    static func query(_ base: String, _ promql: String, at time: Double? = nil, extra: String = "") async throws -> [(labels: [String: String], value: Double)] {
        var url = "\(base)/api/v1/query?query=\(promql.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? promql)"
        if let time { url += "&time=\(String(format: "%.3f", time))" }
        url += extra
        let (status, text) = try await get(url)
        guard status == 200, case .object(let answer)? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
              case .object(let data)? = answer["data"], case .array(let result)? = data["result"]
        else { throw PeerError(description: "\(url) answered \(status): \(text.prefix(500))") }
        return result.compactMap { item in
            guard case .object(let series) = item, case .object(let metric)? = series["metric"],
                  case .array(let pair)? = series["value"], pair.count == 2, case .string(let value) = pair[1], let number = Double(value)
            else { return nil }
            var labels: [String: String] = [:]
            for (key, value) in metric { if case .string(let text) = value { labels[key] = text } }
            return (labels, number)
        }
    }

    /// The raw samples of a range-vector selector (`metric[30s]`) at `time`: (seconds, value) in time order.
    static func rawSamples(_ base: String, _ selector: String, at time: Double) async throws -> [(time: Double, value: Double)] {
        let url = "\(base)/api/v1/query?query=\(selector.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&time=\(String(format: "%.3f", time))"
        let (status, text) = try await get(url)
        guard status == 200, case .object(let answer)? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
              case .object(let data)? = answer["data"], case .array(let result)? = data["result"]
        else { throw PeerError(description: "\(url) answered \(status): \(text.prefix(500))") }
        guard case .object(let series)? = result.first, case .array(let values)? = series["values"] else { return [] }
        return values.compactMap { pair in
            guard case .array(let parts) = pair, parts.count == 2, case .number(let time) = parts[0],
                  case .string(let value) = parts[1], let number = Double(value) else { return nil }
            return (time, number)
        }
    }

    /// promtool's findings on an exposition, one per line (it exits 3 when it has any).
    static func lint(_ exposition: String, in directory: URL) async throws -> [String] {
        let file = directory.appendingPathComponent("lint-\(UUID().uuidString).prom")
        try exposition.write(to: file, atomically: true, encoding: .utf8)
        let result = try await ProcessRunner.run("/bin/sh", ["-c", "\(promtool!) check metrics < '\(file.path)'"])
        return (result.stdout + result.stderr).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    /// promtool's findings on a real node_exporter's own page: names virtmon shares with it carry the same
    /// findings (its meminfo names are camelCase), which are not virtmon's to fix.
    static func nodeExporterFindings(in directory: URL) async throws -> Set<String> {
        let (peer, port) = try await startNodeExporter(directory)
        let findings = Set(try await lint(try await get("http://127.0.0.1:\(port)/metrics").text, in: directory))
        await peer.stop()
        return findings
    }
}
