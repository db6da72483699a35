import AsyncHTTPClient
import Foundation
import Testing
import VirtmonModel
import VirtmonTestSupport

/// A collector and an agent run as an operator runs them, at the most verbose log level, through good and bad
/// tokens, signed batches over HTTP and UDP, publishers that cannot connect and a database URL that cannot;
/// nothing they print holds the shared secret, a token or a password from a URL.
@Suite("Secrets never logged")
struct SecretsInLogsTests {
    static let secret = "S3cret-agent-key-\(UUID().uuidString.prefix(8))"
    static let admin = "Adm1n-token-\(UUID().uuidString.prefix(8))"
    static let project = "Pr0ject-token-\(UUID().uuidString.prefix(8))"
    static let guess = "Gu3ss-token-\(UUID().uuidString.prefix(8))"
    static let passwords = ["amqpPW-\(UUID().uuidString.prefix(6))", "httpPW-\(UUID().uuidString.prefix(6))", "pgPW-\(UUID().uuidString.prefix(6))"]

    static func get(_ port: Int, _ path: String, token: String?, bearer: Bool = false) async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        if let token { request.headers.add(name: bearer ? "Authorization" : "X-Auth-Token", value: bearer ? "Bearer \(token)" : token) }
        let response = try await CollectorHarness.http.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 16 << 20)
        return Int(response.status.code)
    }

    @Test("trace-level logs and output of a collector, an agent and a refused start hold no secret, token or password",
          .enabled(if: BuiltExecutable.path("virtmon") != nil, "the virtmon executable is not built"))
    func nothingSecretIsPrinted() async throws {
        let virtmon = BuiltExecutable.path("virtmon")!
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try CrashTests.freePort(), udp = try CrashTests.freePort()
        let config = directory.appendingPathComponent("collector.yaml")
        try "collector:\n  project_tokens:\n    p1: \(Self.project)\n".write(to: config, atomically: true, encoding: .utf8)
        let agentConfig = directory.appendingPathComponent("agent.yaml")
        try "publishing:\n  secret: \(Self.secret)\n".write(to: agentConfig, atomically: true, encoding: .utf8)
        let environment = ["VIRTMON_SECRET": Self.secret, "VIRTMON_ADMIN_TOKEN": Self.admin]
        func start(_ arguments: [String], _ name: String) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: virtmon)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            FileManager.default.createFile(atPath: directory.appendingPathComponent("\(name).out").path, contents: nil)
            FileManager.default.createFile(atPath: directory.appendingPathComponent("\(name).err").path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: directory.appendingPathComponent("\(name).out"))
            process.standardError = try FileHandle(forWritingTo: directory.appendingPathComponent("\(name).err"))
            try process.run()
            return process
        }
        let collector = try start(["collector", "--config", config.path, "--data-dir", directory.appendingPathComponent("collector").path,
                                   "--listen", "127.0.0.1:\(port)", "--udp", "127.0.0.1:\(udp)", "--log-level", "trace"], "collector")
        defer { kill(collector.processIdentifier, SIGKILL) }
        try await CrashTests.waitHealthy(port: port)
        let agent = try start([
            "agent", "--config", agentConfig.path, "--data-dir", directory.appendingPathComponent("agent").path, "--interval", "0.3", "--cycles", "8",
            "--libvirt-uri", "off", "--listen", "off", "--log-level", "trace",
            "--publisher", "http://127.0.0.1:\(port)/api/v1/batches", "--publisher", "udp://127.0.0.1:\(udp)",
            "--publisher", "amqp://virtmon:\(Self.passwords[0])@127.0.0.1:1/",
            "--publisher", "http://operator:\(Self.passwords[1])@127.0.0.1:1/api/v1/batches",
        ], "agent")
        defer { kill(agent.processIdentifier, SIGKILL) }
        for path in ["/v2/meters", "/api/v1/resources", "/v2/meters/hardware.cpu.util/statistics", "/api/v1/hosts"] {
            #expect(try await Self.get(port, path, token: Self.admin) == 200)
            _ = try await Self.get(port, path, token: Self.project, bearer: true)
            #expect(try await Self.get(port, path, token: Self.guess) == 401)
        }
        // Samples from the agent arrived, so the signed path was logged at trace level too.
        var stored = 0
        for _ in 0..<100 where stored == 0 {
            try await Task.sleep(for: .milliseconds(200))
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v2/meters/hardware.cpu.util/statistics")
            request.headers.add(name: "X-Auth-Token", value: Self.admin)
            let body = try await CollectorHarness.http.execute(request, timeout: .seconds(10)).body.collect(upTo: 1 << 20)
            if case .array(let rows)? = try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView)),
               case .object(let row)? = rows.first, case .number(let count)? = row["count"] { stored = Int(count) }
        }
        #expect(stored > 0, "the agent's samples never arrived")
        _ = await agent.exited()
        kill(collector.processIdentifier, SIGTERM)
        _ = await collector.exited()
        let refusedConfig = directory.appendingPathComponent("refused.yaml")
        try "collector:\n  storage_startup_timeout: 2s\n".write(to: refusedConfig, atomically: true, encoding: .utf8)
        let refused = try await ProcessRunner.run(virtmon, [
            "collector", "--config", refusedConfig.path, "--data-dir", directory.appendingPathComponent("refused").path, "--listen", "127.0.0.1:0", "--udp", "off",
            "--storage", "postgres://virtmon:\(Self.passwords[2])@127.0.0.1:1/virtmon", "--log-level", "trace",
        ], environment: environment)
        #expect(refused.status != 0, "a collector whose database is unreachable must not start")
        #expect(refused.stderr.contains("127.0.0.1:1"), "the refusal names the database: \(refused.stderr.prefix(500))")

        var printed = refused.stdout + refused.stderr
        for name in ["collector.out", "collector.err", "agent.out", "agent.err"] {
            printed += try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        }
        #expect(printed.utf8.count > 2000, "trace logging printed almost nothing: \(printed.prefix(500))")
        for secret in [Self.secret, Self.admin, Self.project, Self.guess] + Self.passwords {
            let lines = printed.split(separator: "\n").filter { $0.contains(secret) }
            #expect(lines.isEmpty, "printed \(secret): \(lines.prefix(3))")
        }
        print("secrets in logs: \(printed.utf8.count) bytes of trace output from a collector, an agent and a refused start, no secret in them")
    }
}
