import Foundation
import Testing
import VirtmonTestSupport
import VirtmonModel

/// The built `virtmon agent` as a user runs it: killed with SIGKILL during an outage, restarted, and only then
/// given a collector. scripts/test.sh builds the executable before `swift test`.
@Suite(.serialized) struct AgentProcessTests {
    static let binary = BuiltExecutable.path("virtmon")

    final class Agent: Sendable {
        let process: Process
        let stderrPath: String

        init(_ arguments: [String], stderrPath: String) throws {
            self.stderrPath = stderrPath
            FileManager.default.createFile(atPath: stderrPath, contents: nil)
            process = Process()
            process.executableURL = URL(fileURLWithPath: AgentProcessTests.binary!)
            process.arguments = ["agent"] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
            try process.run()
        }

        @discardableResult
        func kill(_ signal: Int32) async -> ProcessExit {
            Glibc.kill(process.processIdentifier, signal)
            return await process.exited()
        }

        var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    }

    /// The message ids of the samples in a file:// output. Monitor events share the file (a parallel test's
    /// QEMU dying is one); any line that is neither a sample nor an event fails the test.
    func messageIDs(inFile path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            let data = Data(line.utf8)
            if let sample = try? JSONDecoder().decode(Sample.self, from: data) { return sample.messageID }
            _ = try JSONDecoder().decode(Event.self, from: data)
            return nil
        }
    }

    @Test(.enabled(if: binary != nil, "the virtmon executable is not built; scripts/test.sh builds it first"))
    func sigkillDuringAnOutageLosesNothingSpooled() async throws {
        let port = try freePort()
        let directory = temporaryDirectory("process")
        let file = directory + "/local.jsonl"
        // HTTP first, then the file: whatever reached the file was spooled before.
        let arguments = ["--interval", "0.3", "--data-dir", directory + "/data", "--log-level", "notice",
                         "--publisher", "http://127.0.0.1:\(port)/v1/batches", "--publisher", "file://\(file)"]
        let first = try Agent(arguments, stderrPath: directory + "/first.log")
        try await Task.sleep(for: .seconds(3))
        await first.kill(SIGKILL)
        let spooledAfterKill = try FileManager.default.contentsOfDirectory(
            atPath: directory + "/data/spool/http_127.0.0.1_\(port)_v1_batches").count
        #expect(spooledAfterKill > 0)

        let second = try Agent(arguments, stderrPath: directory + "/second.log")
        try await Task.sleep(for: .seconds(2))
        let receiver = try await TestHTTPReceiver(port: port)
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        var written = Set<String>()
        var received: [String] = []
        repeat {
            try await Task.sleep(for: .milliseconds(300))
            written = Set(try messageIDs(inFile: file))
            received = try receiver.batches().flatMap(\.samples).map(\.messageID)
        } while !written.isSubset(of: Set(received)) && ContinuousClock.now < deadline
        let exit = await second.kill(SIGTERM)
        #expect(exit == ProcessExit(signalled: false, code: 0), "graceful exit after SIGTERM: \(second.stderr)")
        received = try receiver.batches().flatMap(\.samples).map(\.messageID)
        written = Set(try messageIDs(inFile: file))

        print("agent killed after \(spooledAfterKill) spooled batches; \(written.count) samples written locally, "
              + "\(received.count) received, \(Set(received).count) distinct")
        #expect(written.isSubset(of: Set(received)), "every locally written sample reached the collector")
        let batches = try receiver.batches()
        // A send that outlives the agent's attempt timeout (a loaded machine answers late) is sent again with the
        // same sequence, which the collector takes as a duplicate: the promise is that a resend is the same
        // batch and that no sample travels in two different batches.
        let bySequence = Dictionary(grouping: batches, by: \.sequence)
        #expect(bySequence.values.allSatisfy { Set($0.map { $0.samples.map(\.messageID) }).count == 1 },
                "a batch sent again carries exactly what it carried the first time")
        let once = bySequence.values.flatMap { $0[0].samples.map(\.messageID) }
        #expect(Set(once).count == once.count, "no sample arrived in two batches")
        #expect(Set(batches.map(\.agent)).count == 1, "one agent identity across the restart")
        #expect(batches.map(\.sequence) == batches.map(\.sequence).sorted(), "in order")
        #expect(second.stderr.contains("spooled batches from an earlier run"))
        try await receiver.stop()
    }

    @Test(.enabled(if: binary != nil, "the virtmon executable is not built; scripts/test.sh builds it first"))
    func aFullSpoolLogsWhatItDropped() async throws {
        let port = try freePort()
        let directory = temporaryDirectory("process-bound")
        try """
            publishing:
              spool_max_batches: 2
            """.write(toFile: directory + "/agent.yaml", atomically: true, encoding: .utf8)
        let agent = try Agent(
            ["--config", directory + "/agent.yaml", "--interval", "0.2", "--data-dir", directory + "/data",
             "--publisher", "http://127.0.0.1:\(port)/b"],
            stderrPath: directory + "/agent.log")
        try await Task.sleep(for: .seconds(2))
        await agent.kill(SIGTERM)
        #expect(agent.stderr.contains("spool full: oldest batches dropped"), "\(agent.stderr)")
        #expect(agent.stderr.contains("dropped_total="))
    }

    @Test(.enabled(if: binary != nil, "the virtmon executable is not built; scripts/test.sh builds it first"))
    func badConfigurationIsRefusedWithFileAndLine() async throws {
        let directory = temporaryDirectory("process-config")
        try "agent:\n  interval: often\n".write(toFile: directory + "/bad.yaml", atomically: true, encoding: .utf8)
        let agent = try Agent(["--config", directory + "/bad.yaml"], stderrPath: directory + "/err.log")
        #expect(await agent.process.exited() == ProcessExit(signalled: false, code: 2))
        #expect(agent.stderr.contains("\(directory)/bad.yaml:2:13: agent.interval must be a duration"))
    }
}
