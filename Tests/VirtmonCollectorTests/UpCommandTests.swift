import AsyncHTTPClient
import Foundation
import Testing
import VirtmonModel
import VirtmonTestSupport

/// `virtmon up`, the README's run command, as a newcomer runs it: host data reaches the API, Ctrl-C stops it
/// cleanly, and a restart keeps the data and the token.
@Suite("virtmon up")
struct UpCommandTests {
    static func count(_ port: Int, token: String) async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v2/meters/hardware.cpu.util/statistics")
        request.headers.add(name: "X-Auth-Token", value: token)
        let response = try await CollectorHarness.http.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard case .array(let rows)? = try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView)),
              case .object(let row)? = rows.first, case .number(let count)? = row["count"] else { return 0 }
        return Int(count)
    }

    static func waitFor(_ minimum: Int, port: Int, token: String) async throws -> Int {
        for _ in 0..<300 {
            if let count = try? await count(port, token: token), count >= minimum { return count }
            try await Task.sleep(for: .milliseconds(100))
        }
        return (try? await count(port, token: token)) ?? 0
    }

    @Test("host samples reach the API, SIGINT stops it with status 0, a restart continues with the same data and token",
          .enabled(if: BuiltExecutable.path("virtmon") != nil))
    func upAndRestart() async throws {
        let virtmon = BuiltExecutable.path("virtmon")!
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-up-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let port = try CrashTests.freePort()
        func start() throws -> (Process, Pipe) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: virtmon)
            process.arguments = ["up", "--data-dir", dataDir, "--listen", "127.0.0.1:\(port)", "--interval", "0.5", "--log-level", "error"]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            return (process, output)
        }
        let (first, firstOutput) = try start()
        try await CrashTests.waitHealthy(port: port)
        let token = try String(contentsOfFile: dataDir + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let before = try await UpCommandTests.waitFor(3, port: port, token: token)
        #expect(before >= 3)
        kill(first.processIdentifier, SIGINT)
        let exit = await first.exited()
        #expect(exit == ProcessExit(signalled: false, code: 0))
        let printed = String(decoding: firstOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(printed.contains("http://127.0.0.1:\(port)") && printed.contains(token))

        let (second, _) = try start()
        defer { kill(second.processIdentifier, SIGKILL) }
        try await CrashTests.waitHealthy(port: port)
        let after = try await UpCommandTests.waitFor(before + 2, port: port, token: token)
        #expect(after >= before + 2)
        print("virtmon up: \(before) hardware.cpu.util samples before SIGINT (exit 0), \(after) after the restart with the same token")
    }

    @Test("a second up or collector on the same data dir exits 2 at once naming the holder; another port's clash names the address; the first keeps ingesting",
          .enabled(if: BuiltExecutable.path("virtmon") != nil))
    func oneOwnerPerDataDir() async throws {
        let virtmon = BuiltExecutable.path("virtmon")!
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-owner-\(UUID().uuidString)").path
        let otherDir = dataDir + "-other"
        defer { try? FileManager.default.removeItem(atPath: dataDir); try? FileManager.default.removeItem(atPath: otherDir) }
        let port = try CrashTests.freePort()
        let first = Process()
        first.executableURL = URL(fileURLWithPath: virtmon)
        first.arguments = ["up", "--data-dir", dataDir, "--listen", "127.0.0.1:\(port)", "--interval", "0.5", "--log-level", "error"]
        first.standardOutput = FileHandle.nullDevice
        try first.run()
        defer { kill(first.processIdentifier, SIGKILL) }
        try await CrashTests.waitHealthy(port: port)
        let token = try String(contentsOfFile: dataDir + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let before = try await UpCommandTests.waitFor(1, port: port, token: token)

        let otherPort = try CrashTests.freePort()
        for arguments in [
            ["up", "--data-dir", dataDir, "--listen", "127.0.0.1:\(otherPort)"],
            ["collector", "--data-dir", dataDir, "--listen", "127.0.0.1:\(otherPort)", "--udp", "off"],
        ] {
            let second = try await ProcessRunner.run(virtmon, arguments)
            #expect(second.status == 2, "\(arguments): \(second.stderr)")
            #expect(second.stderr.contains("data dir \(dataDir) is in use by pid \(first.processIdentifier) (virtmon up, since"), "\(second.stderr)")
        }
        let clash = try await ProcessRunner.run(virtmon, ["collector", "--data-dir", otherDir, "--listen", "127.0.0.1:\(port)", "--udp", "off", "--log-level", "critical"])
        #expect(clash.status == 2, "\(clash.stderr)")
        #expect(clash.stderr.contains("cannot listen on 127.0.0.1:\(port): the address is in use by pid \(first.processIdentifier)"), "\(clash.stderr)")
        // The store tools do no harm: refused while the collector holds the dir, and never create a store.
        let busy = try await ProcessRunner.run(virtmon, ["storage", "stats", "--data-dir", dataDir])
        #expect(busy.status == 2 && busy.stderr.contains("is in use by pid \(first.processIdentifier)"), "\(busy.stderr)")
        let typo = try await ProcessRunner.run(virtmon, ["storage", "stats", "--storage", "sqlite://\(otherDir)/typo.db"])
        #expect(typo.status == 2 && typo.stderr.contains("no store at \(otherDir)/typo.db"), "\(typo.stderr)")
        #expect(!FileManager.default.fileExists(atPath: otherDir + "/typo.db"))
        // Its files are the operator's only.
        let mode = { (path: String) in (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1 }
        #expect(mode(dataDir) == 0o700)
        for file in ["virtmon.db", "admin-token", "agent-secret", "collector.lock"] { #expect(mode(dataDir + "/" + file) == 0o600, "\(file): \(String(mode(dataDir + "/" + file), radix: 8))") }
        // The first never noticed: it keeps storing its agent's samples.
        let after = try await UpCommandTests.waitFor(before + 2, port: port, token: token)
        #expect(after >= before + 2)
        #expect(kill(first.processIdentifier, 0) == 0)
    }
}
