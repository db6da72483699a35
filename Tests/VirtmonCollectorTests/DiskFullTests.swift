import Foundation
import Logging
import Testing
import VirtmonModel
import VirtmonPublishers
import VirtmonStorage
import VirtmonTestSupport

/// The collector's data directory on a small tmpfs that fills up under ingest: the write that finds no space is
/// answered 503 naming the disk, the agent keeps its batches spooled, and once space returns the collector
/// stores them without a restart; every acknowledged sample is there, once, then and after a reopen.
@Suite("Disk full under the data directory")
struct DiskFullTests {
    /// Mounting needs root; the suite runs as root here and in CI.
    static let canMount = geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/mount")

    @Test("a full disk: 503 with the reason, the agent spools, space returns, everything acknowledged is stored once",
          .enabled(if: DiskFullTests.canMount, "mounting a tmpfs needs root; this suite runs as root in CI"))
    func fillAndRecover() async throws {
        let mount = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-diskfull-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        let mounted = try await ProcessRunner.run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", mount])
        try #require(mounted.status == 0, "mount: \(mounted.stderr)")
        defer {
            // On a thread of its own: waitUntilExit can hang beside a zombie once libvirt is in the process (see
            // ProcessRunner.reap), and on a cooperative thread it held one of the two for the rest of the run.
            Thread {
                let umount = Process()
                umount.executableURL = URL(fileURLWithPath: "/usr/bin/umount")
                umount.arguments = ["-l", mount]
                if (try? umount.run()) != nil { _ = ProcessRunner.reap(umount) }
                try? FileManager.default.removeItem(atPath: mount)
            }.start()
        }
        let dataDir = mount + "/data"
        let filler = mount + "/filler"
        func fill() async throws {
            // dd stops at ENOSPC; what it wrote stays and holds the space.
            _ = try await ProcessRunner.run("/usr/bin/dd", ["if=/dev/zero", "of=\(filler)", "bs=64k"])
        }
        let collector = try await CollectorHarness { $0.dataDir = dataDir }
        let spoolDir = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-diskfull-agent-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: spoolDir) }
        let settings = PublisherSettings(dataDir: spoolDir, secret: CollectorHarness.secret, batchSize: 500,
                                         retry: RetryPolicy(initial: .milliseconds(100), maximum: .milliseconds(500)))
        let factory = PublisherFactory(settings: settings, identity: try AgentIdentity.load(dataDir: spoolDir, host: "full-host"),
                                       sequence: try SequenceAllocator(dataDir: spoolDir), logger: Logger(label: "test.diskfull"))
        let publisher = try #require(try factory.make("http://127.0.0.1:\(collector.httpPort)/api/v1/batches") as? SpoolingPublisher)
        let running = Task { try await publisher.run() }
        defer { running.cancel() }

        var produced = 0
        func publish(_ count: Int) async throws {
            let now = Date()
            let samples = (0..<count).map { index in
                Sample(name: "disk.full.meter", type: .gauge, unit: "B", volume: Double(produced + index),
                       resourceID: "full-\((produced + index) % 50)", timestamp: now.addingTimeInterval(Double(produced + index) * 1e-6 - 60))
            }
            produced += count
            try await publisher.publish(samples: samples, events: [])
        }
        func stored(_ storage: any Storage) async throws -> (count: Int, distinct: Int) {
            let rows = try await storage.samples(SampleQuery(filters: [QueryFilter(.meter, .eq, .string("disk.full.meter"))], limit: 10_000_000))
            return (rows.count, Set(rows.map(\.sample.volume)).count)
        }
        try await publish(2000)
        try await waitFor("the first samples", timeout: .seconds(90)) { await publisher.spooledBatches == 0 }

        try await fill()
        // Direct posts until one finds the disk full (SQLite may still have room in pages it holds).
        var refusal: (status: Int, json: JSONValue?, text: String)?
        var acknowledged = 0
        for sequence in 1...60 where refusal == nil {
            let batch = TestBatches.make(agent: "direct-agent", seq: UInt64(sequence), samples: 2000, meter: "disk.full.direct")
            let (body, signature) = TestBatches.signed(batch)
            let answer = try await collector.postBatch(body, signature: signature)
            if answer.status == 200 { acknowledged += 2000 } else { refusal = answer }
        }
        let refused = try #require(refusal, "60 batches of 2000 samples fitted on a full 24 MiB disk")
        #expect(refused.status == 503, "\(refused.text)")
        #expect(refused.text.contains("no space left on the disk holding \(dataDir)") && refused.text.contains("resumes by itself"), "the refusal names the disk: \(refused.text)")
        // The agent's batches meet the same refusal and wait in its spool.
        for _ in 0..<4 { try await publish(1000) }
        try await Task.sleep(for: .seconds(2))
        let waiting = await publisher.spooledBatches
        #expect(waiting > 0, "the agent's batches were not refused while the disk was full")
        let health = try await collector.request(.GET, "/healthz", token: nil)
        print("disk full: direct posts acknowledged \(acknowledged) samples, then \(refused.status) \(refused.text.prefix(300)); agent spooled \(waiting) batches; /healthz \(health.status) \(health.text.prefix(200))")

        try FileManager.default.removeItem(atPath: filler)
        let started = ContinuousClock.now
        try await waitFor("the spool to drain after space returned", timeout: .seconds(120)) { await publisher.spooledBatches == 0 }
        let drained = ContinuousClock.now - started
        let direct = TestBatches.make(agent: "direct-agent", seq: 999, samples: 10, meter: "disk.full.direct")
        let (body, signature) = TestBatches.signed(direct)
        #expect(try await collector.postBatch(body, signature: signature).status == 200, "a post after space returned")
        let live = try await stored(collector.runtime.storage)
        #expect(live.count == produced && live.distinct == produced, "agent: \(produced) produced, \(live.count) stored, \(live.distinct) distinct")
        let directStored = try await collector.runtime.storage.samples(SampleQuery(filters: [QueryFilter(.meter, .eq, .string("disk.full.direct"))], limit: 10_000_000)).count
        #expect(directStored == acknowledged + 10, "direct: \(acknowledged) + 10 acknowledged, \(directStored) stored")
        await collector.stop()

        let reopened = try await CollectorHarness { $0.dataDir = dataDir }
        let after = try await stored(reopened.runtime.storage)
        #expect(after.count == produced && after.distinct == produced, "after a reopen: \(after.count) of \(produced)")
        await reopened.stop()
        print("disk full: recovered without a restart in \(drained); \(produced) agent samples and \(acknowledged + 10) direct ones stored once, the same after a reopen")
    }

    func waitFor(_ what: String, timeout: Duration, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting for \(what)")
    }
}
