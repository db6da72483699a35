import Foundation
import Logging
import Synchronization
import Testing
import VirtmonModel
@testable import VirtmonAgent

/// Collects what the scheduler hands on.
actor RecordingSink: SampleSink {
    private(set) var batches: [(source: String, samples: [Sample])] = []
    private(set) var late: [(source: String, samples: [Sample])] = []
    func accept(_ samples: [Sample], source: String) async { batches.append((source, samples)) }
    func acceptLate(_ samples: [Sample], source: String) async { late.append((source, samples)) }
}

struct FixedPollster: Pollster {
    let name: String
    let meters: [MeterDefinition]
    func poll(_ context: PollContext) async throws -> [Sample] {
        meters.map { context.sample($0, volume: 1) }
    }
}

struct FailingPollster: Pollster {
    let name = "failing"
    let meters = [MeterDefinition(name: "fail.meter", type: .gauge, unit: "x", summary: "", origin: "test")]
    struct Broken: Error, CustomStringConvertible { var description: String { "device vanished" } }
    func poll(_ context: PollContext) async throws -> [Sample] { throw Broken() }
}

/// Never answers, like a read of a dead NFS mount, and ignores cancellation. It waits on a timer rather than
/// blocking a thread: a blocked cooperative thread (two on this machine) stalled unrelated tests in the CI run
/// and made this one wait the whole 30 s.
struct StuckPollster: Pollster {
    let name = "stuck"
    let seconds: Double
    let meters = [MeterDefinition(name: "stuck.meter", type: .gauge, unit: "x", summary: "", origin: "test")]
    func poll(_ context: PollContext) async throws -> [Sample] {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { done.resume() }
        }
        return [context.sample(meters[0], volume: 1)]
    }
}

func meter(_ name: String) -> MeterDefinition {
    MeterDefinition(name: name, type: .gauge, unit: "x", summary: "", origin: "test")
}

@Suite struct SchedulerTests {
    let logger = Logger(label: "test")

    // In CI (2026-12-03) three cycles took 30.8 and 32.0 s: the cycle's deadline, a Task.sleep, woke only when the
    // stuck pollster returned. The deadline is a Dispatch timer now (PollScheduler.runCycle).
    @Test func aFailingAndAStuckPollsterDoNotHoldUpTheOthers() async throws {
        let sink = RecordingSink()
        let source = PollSource(
            name: "s", interval: .milliseconds(100), selector: .all,
            pollsters: [FixedPollster(name: "good", meters: [meter("good.a")]), FailingPollster(),
                        StuckPollster(seconds: 30.0)],
            timeout: .milliseconds(150))
        let scheduler = PollScheduler(sources: [source], sink: sink, host: "h", cycles: 3, logger: logger)
        let started = ContinuousClock.now
        try await scheduler.run()
        let elapsed = ContinuousClock.now - started
        // Three cycles take about 0.35 s; waiting for the stuck pollster even once would take 30 s. The wide
        // margin keeps the test honest on a machine loaded by the rest of the suite (15.6 s was seen in CI).
        #expect(elapsed < .seconds(25), "three cycles must not wait for the stuck pollster: \(elapsed)")
        let batches = await sink.batches
        #expect(batches.count == 3)
        #expect(batches.allSatisfy { $0.samples.filter { !$0.name.hasPrefix("virtmon.") }.map(\.name) == ["good.a"] })
        // Self-metrics: the failing pollster reports success 0, the good one 1 and its duration.
        let last = try #require(batches.last).samples
        let success = Dictionary(last.filter { $0.name == "virtmon.agent.poll.success" }.map { ($0.resourceID, $0.volume) },
                                 uniquingKeysWith: { a, _ in a })
        #expect(success["h-good"] == 1 && success["h-failing"] == 0)
        #expect(last.contains { $0.name == "virtmon.agent.poll.duration" && $0.resourceID == "h-good" && $0.unit == "ms" })
        let stats = await scheduler.pollsterStats()
        #expect(stats["s/failing"]?.failures == 3)
        #expect(stats["s/failing"]?.lastError == "device vanished")
        #expect(stats["s/good"]?.runs == 3 && stats["s/good"]?.lastSucceeded == true)
        // Missed its deadline in cycle 1, then was skipped while still running.
        #expect((stats["s/stuck"]?.overruns ?? 0) >= 2)
    }

    @Test("a pollster that misses its deadline still delivers its reads, on their own, once it finishes")
    func lateSamplesFollow() async throws {
        let sink = RecordingSink()
        let source = PollSource(
            name: "s", interval: .seconds(10), selector: .all,
            pollsters: [FixedPollster(name: "good", meters: [meter("good.a")]), StuckPollster(seconds: 0.5)],
            timeout: .milliseconds(100))
        let scheduler = PollScheduler(sources: [source], sink: sink, host: "h", cycles: 1, logger: logger)
        try await scheduler.run()
        #expect(await sink.batches.map { $0.samples.filter { !$0.name.hasPrefix("virtmon.") }.map(\.name) } == [["good.a"]])
        let waitUntil = ContinuousClock.now + .seconds(60)
        while await sink.late.isEmpty, ContinuousClock.now < waitUntil { try await Task.sleep(for: .milliseconds(20)) }
        let late = await sink.late
        #expect(late.map(\.source) == ["s"] && late.first?.samples.map(\.name) == ["stuck.meter"], "\(late)")
        #expect(await scheduler.pollsterStats()["s/stuck"]?.runs == 1)
    }

    @Test("pollsters that read only kernel tables share one thread in order; a stuck other one holds up none of them")
    func kernelTablePollstersShareAThread() async throws {
        let threads = ThreadLog()
        let sink = RecordingSink()
        let source = PollSource(
            name: "s", interval: .seconds(10), selector: .all,
            pollsters: [StuckPollster(seconds: 30.0),
                        KernelTablePollster(name: "k1", log: threads), KernelTablePollster(name: "k2", log: threads),
                        KernelTablePollster(name: "k3", log: threads)],
            timeout: .milliseconds(300))
        let groups = PollScheduler.threadGroups(source.pollsters.map { (key: $0.name, pollster: $0) })
        #expect(groups.map { $0.map(\.key) } == [["k1", "k2", "k3"], ["stuck"]])
        let scheduler = PollScheduler(sources: [source], sink: sink, host: "h", cycles: 1, logger: logger)
        let started = ContinuousClock.now
        try await scheduler.run()
        #expect(ContinuousClock.now - started < .seconds(25), "the cycle must not wait for the stuck pollster")
        let names = try #require(await sink.batches.first).samples.map(\.name).filter { !$0.hasPrefix("virtmon.") }
        #expect(names == ["k1.meter", "k2.meter", "k3.meter"])
        let runs = threads.entries
        #expect(runs.map(\.name) == ["k1", "k2", "k3"], "one after another, in registry order")
        #expect(Set(runs.map(\.thread)).count == 1, "on one thread: \(runs)")
    }

    @Test func excludedMetersAreDroppedAndUnselectedPollstersNotRun() async throws {
        let sink = RecordingSink()
        let source = PollSource(
            name: "s", interval: .seconds(1), selector: try MeterSelector(["a.*", "!a.secret"]),
            pollsters: [FixedPollster(name: "a", meters: [meter("a.one"), meter("a.secret")]), FailingPollster()])
        #expect(source.pollsters.map(\.name) == ["a"])
        let scheduler = PollScheduler(sources: [source], sink: sink, host: "h", cycles: 1, logger: logger)
        try await scheduler.run()
        #expect(await sink.batches.first?.samples.map(\.name) == ["a.one"], "self-metrics obey the selector too")
        #expect(await scheduler.pollsterStats()["s/failing"] == nil)
    }

    @Test func cyclesAreSpacedByTheInterval() async throws {
        let sink = RecordingSink()
        let source = PollSource(name: "s", interval: .milliseconds(300), selector: .all,
                                pollsters: [FixedPollster(name: "a", meters: [meter("a")])])
        let scheduler = PollScheduler(sources: [source], sink: sink, host: "h", cycles: 2, logger: logger)
        let started = ContinuousClock.now
        try await scheduler.run()
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(290))
        let batches = await sink.batches
        let gap = try #require(batches[1].samples.first?.monotonicTime) - (try #require(batches[0].samples.first?.monotonicTime))
        #expect(gap >= 0.29 && gap < 30, "spaced by the interval (the upper bound only catches a runaway): \(gap) s")
        #expect(await scheduler.cyclesCompleted()["s"] == 2)
    }

    @Test func sourcesRunIndependently() async throws {
        let sink = RecordingSink()
        let fast = PollSource(name: "fast", interval: .milliseconds(50), selector: .all,
                              pollsters: [FixedPollster(name: "a", meters: [meter("a")])])
        // The slow source's poll ends only once the fast source has handed on two cycles (or after 120 s): a
        // scheduler that made one source wait for another would hold the fast one behind it and fail below,
        // however loaded the machine (fixed waits of 1, 3 and 10 s all lost this race in CI).
        let slow = PollSource(name: "slow", interval: .milliseconds(50), selector: .all,
                              pollsters: [WaitingPollster(sink: sink, source: "fast", batches: 2, cap: .seconds(120))],
                              timeout: .seconds(180))
        let scheduler = PollScheduler(sources: [fast, slow], sink: sink, host: "h", cycles: 2, logger: logger)
        try await scheduler.run()
        let sources = await sink.batches.map(\.source)
        #expect(Array(sources.prefix(2)) == ["fast", "fast"], "the fast source finished before the slow one")
    }
}

/// Which thread each poll ran on, in the order they ran.
final class ThreadLog: Sendable {
    private let log = Mutex<[(name: String, thread: UInt)]>([])
    func record(_ name: String) { log.withLock { $0.append((name, UInt(bitPattern: Int(bitPattern: pthread_self())))) } }
    var entries: [(name: String, thread: UInt)] { log.withLock { $0 } }
}

/// Reads "kernel tables" and notes its thread.
struct KernelTablePollster: Pollster {
    let name: String
    let log: ThreadLog
    var readsOnlyKernelTables: Bool { true }
    var meters: [MeterDefinition] { [meter("\(name).meter")] }
    func poll(_ context: PollContext) async throws -> [Sample] {
        log.record(name)
        return [context.sample(meters[0], volume: 1)]
    }
}

/// Holds its poll until `sink` has `batches` batches from `source`, or `cap` passed.
struct WaitingPollster: Pollster {
    let name = "waiting"
    let sink: RecordingSink
    let source: String
    let batches: Int
    let cap: Duration
    let meters = [MeterDefinition(name: "waiting.meter", type: .gauge, unit: "x", summary: "", origin: "test")]
    func poll(_ context: PollContext) async throws -> [Sample] {
        let deadline = ContinuousClock.now + cap
        while ContinuousClock.now < deadline, await sink.batches.filter({ $0.source == source }).count < batches {
            try await Task.sleep(for: .milliseconds(20))
        }
        return [context.sample(meters[0], volume: 1)]
    }
}

@Suite struct FileSnapshotTests {
    @Test func missingFileSaysWhich() async {
        let snapshot = FileSnapshot()
        await #expect(throws: ProcFSError.self) { try snapshot.read("/nonexistent/virtmon/stat") }
        do {
            _ = try snapshot.read("/nonexistent/virtmon/stat")
        } catch {
            #expect("\(error)".contains("/nonexistent/virtmon/stat"))
            #expect("\(error)".contains("No such file"))
        }
    }

    @Test func procFilesAreReadWhole() async throws {
        let text = try FileSnapshot().read("/proc/self/status")
        #expect(text.contains("VmRSS") || text.contains("Name:"))
    }
}
