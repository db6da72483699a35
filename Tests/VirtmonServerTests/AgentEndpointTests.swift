import Foundation
import Logging
import Synchronization
import Testing
import VirtmonModel
import VirtmonTestSupport
@testable import VirtmonServer

/// The agent's own /healthz and /metrics, with a VM pollster whose libvirt daemon is not there.
@Suite(.serialized) struct AgentEndpointTests {
    static let libvirtInstalled = FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/libvirt.so.0")

    func get(_ url: String) async throws -> (status: Int, body: String) {
        let result = try await ProcessRunner.run("/usr/bin/curl", ["-s", "-m", "5", "-w", "\n%{http_code}", url])
        var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let status = Int(lines.popLast() ?? "") ?? 0
        return (status, lines.joined(separator: "\n"))
    }

    @Test("/healthz names the failing pollster and its reason, /metrics has it down; both while the agent runs")
    func healthAndMetrics() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-endpoint-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var config = AgentConfig.defaults()
        config.host = "endpoint-host"
        config.monitors.enabled = false
        // The figures live in the test process's one registry, labelled by source and pollster: another test's
        // agent with a working libvirt sets source="host",pollster="libvirt" to 1 (seen in CI), so this agent's
        // sources get names of their own.
        let sourceSuffix = "-endpoint-\(UInt32.random(in: 0...UInt32.max))"
        for index in config.sources.indices { config.sources[index].name += sourceSuffix }
        let socket = "/nonexistent-virtmon-\(UUID().uuidString)/libvirt-sock"
        // Enough cycles to outlive the test's 30 s wait under a loaded suite (40 ran out in CI, and /metrics then
        // found the agent gone); the test cancels it when done.
        let options = AgentOptions(
            publishers: ["file://\(directory)/s.jsonl"], interval: .milliseconds(300), cycles: 1000, dataDir: directory + "/data",
            libvirtURI: AgentEndpointTests.libvirtInstalled ? "qemu+unix:///system?socket=\(socket)" : "off", listen: "127.0.0.1:0")
        var runtime = try await AgentRuntime.build(config: config, options: options, logger: Logger(label: "test"))
        let port = Mutex(0)
        runtime.onListening = { bound in port.withLock { $0 = bound } }
        let running = Task { [runtime] in try await runtime.run() }
        defer { running.cancel() }

        var health: (status: Int, body: String) = (0, "")
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let bound = port.withLock { $0 }
            if bound > 0 {
                health = try await get("http://127.0.0.1:\(bound)/healthz")
                if health.body.contains("\"pollster\"") { break }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(health.status == 200, "\(health)")
        guard case .object(let body)? = try? JSONDecoder().decode(JSONValue.self, from: Data(health.body.utf8)),
              case .array(let pollsters)? = body["pollsters"] else {
            Issue.record("not a health document: \(health.body)")
            return
        }
        #expect(pollsters.contains { $0.object?["pollster"] == "host.cpu" && $0.object?["ok"] == .bool(true) }, "\(health.body)")
        if AgentEndpointTests.libvirtInstalled {
            #expect(body["status"] == "degraded")
            let libvirt = pollsters.first { $0.object?["pollster"] == "libvirt" }?.object
            #expect(libvirt?["ok"] == .bool(false))
            if case .string(let error)? = libvirt?["error"] {
                #expect(error.contains("Failed to connect socket to '\(socket)'"), "\(error)")
            } else {
                Issue.record("the failing libvirt pollster has no error: \(health.body)")
            }
        }
        let metrics = try await get("http://127.0.0.1:\(port.withLock { $0 })/metrics")
        #expect(metrics.status == 200 && metrics.body.contains("virtmon_agent_pollster_up{"), "\(metrics.body.prefix(500))")
        if AgentEndpointTests.libvirtInstalled {
            // Whatever the label order and number format, the libvirt pollster's gauge reads 0.
            let line = metrics.body.split(separator: "\n").first {
                $0.hasPrefix("virtmon_agent_pollster_up{") && $0.contains(#"pollster="libvirt""#) && $0.contains(sourceSuffix)
            }
            #expect(line.map { $0.hasSuffix(" 0") || $0.hasSuffix(" 0.0") } == true, "\(metrics.body)")
        }
    }
}

extension JSONValue {
    var object: [String: JSONValue]? {
        if case .object(let object) = self { return object }
        return nil
    }
}
