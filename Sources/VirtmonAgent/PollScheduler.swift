import Foundation
import Logging
import Metrics
import ServiceLifecycle
import VirtmonModel
import VirtmonTelemetry
import VirtmonThreads

/// Runs every source's pollsters on its interval and hands the samples to a sink. A Service: on graceful
/// shutdown it finishes the cycle under way, hands its samples on, and returns.
///
/// Pollsters of one cycle run concurrently against one file snapshot. One that throws or misses its deadline
/// is logged with its duration and counted; the cycle goes on without it (a late one's samples follow on their
/// own when it finishes), and while it is still running it is skipped rather than started twice.
public actor PollScheduler: Service {
    private let sources: [PollSource]
    private let sink: any SampleSink
    private let host: String
    private let procRoot: String
    private let sysRoot: String
    private let cycles: Int?
    private let logger: Logger
    private var stats: [String: PollsterStats] = [:]
    private var running: Set<String> = []
    private var completedCycles: [String: Int] = [:]

    /// - Parameter cycles: stop after this many cycles per source (nil: until shutdown).
    public init(
        sources: [PollSource], sink: any SampleSink, host: String, procRoot: String = "/proc",
        sysRoot: String = "/sys", cycles: Int? = nil, logger: Logger
    ) {
        self.sources = sources
        self.sink = sink
        self.host = host
        self.procRoot = procRoot
        self.sysRoot = sysRoot
        self.cycles = cycles
        self.logger = logger
    }

    /// Per pollster (`source/pollster`), what its runs so far were like.
    public func pollsterStats() -> [String: PollsterStats] { stats }

    /// Cycles completed per source.
    public func cyclesCompleted() -> [String: Int] { completedCycles }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for source in sources {
                group.addTask { await self.loop(source) }
            }
        }
    }

    private func loop(_ source: PollSource) async {
        let clock = ContinuousClock()
        var next = clock.now
        var cycle = 0
        while true {
            await runCycle(source)
            cycle += 1
            completedCycles[source.name] = cycle
            if let cycles, cycle >= cycles { return }
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            next = next.advanced(by: source.interval)
            if next < clock.now {
                // A cycle longer than the interval: start the next one now rather than bursting to catch up.
                logger.warning(
                    "cycle took longer than the interval",
                    metadata: ["source": "\(source.name)", "interval": "\(source.interval)"])
                next = clock.now
            }
            let deadline = next
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(until: deadline, clock: clock) }
            } catch {
                return
            }
        }
    }

    /// One cycle of one source: run its pollsters against one snapshot (those that read only kernel tables one
    /// after another on one thread, every other on a thread of its own), wait for them all or the source's
    /// timeout, and hand the samples on.
    public func runCycle(_ source: PollSource) async {
        let context = PollContext(host: host, procRoot: procRoot, sysRoot: sysRoot)
        var launched: [(key: String, pollster: any Pollster)] = []
        for pollster in source.pollsters {
            let key = "\(source.name)/\(pollster.name)"
            if running.contains(key) {
                stats[key, default: PollsterStats()].overruns += 1
                logger.warning(
                    "pollster still running from an earlier cycle; skipped",
                    metadata: ["source": "\(source.name)", "pollster": "\(pollster.name)"])
                continue
            }
            running.insert(key)
            launched.append((key, pollster))
        }
        let timeout = source.timeout
        let reports: [String: CycleResults.Report] = await withCheckedContinuation { continuation in
            let results = CycleResults(expected: launched.count, continuation: continuation)
            for group in PollScheduler.threadGroups(launched) {
                Task(executorPreference: BlockingExecutor.shared) {
                    for (key, pollster) in group {
                        await self.run(pollster, key: key, source: source, context: context, results: results)
                    }
                }
            }
            if !launched.isEmpty {
                // A Dispatch timer, not Task.sleep: a sleeping task wakes through Swift's cooperative pool (two
                // threads here), and were both held by a blocking call the deadline would wait with them. Under
                // the full test suite a cycle's deadline once woke only when its stuck pollster returned, 30 s
                // late; the deadline is the one thing here that must never wait. The cycle cancels it when every
                // pollster reported in time, so a cycle that finished wakes no thread for it.
                results.closeAfter(timeout)
            }
        }
        var samples: [Sample] = []
        for (key, pollster) in launched {
            guard let report = reports[key] else {
                stats[key, default: PollsterStats()].overruns += 1
                Counter(label: "virtmon_pollster_overruns_total",
                        dimensions: [("source", source.name), ("pollster", pollster.name)]).increment()
                logger.warning(
                    "pollster missed its deadline; cycle goes on without it",
                    metadata: ["source": "\(source.name)", "pollster": "\(pollster.name)", "timeout": "\(timeout)"])
                continue
            }
            finished(key: key, source: source.name, pollster: pollster.name, report: report)
            if case .samples(let produced) = report.outcome { samples += produced }
        }
        let selected = (samples + selfMetrics(source, context)).filter { source.selector.matches($0.name) }
        await sink.accept(selected, source: source.name)
    }

    /// The cycle's pollsters by the thread they run on: all that read only kernel tables together, in order,
    /// on one; each other pollster alone on its own.
    static func threadGroups(
        _ launched: [(key: String, pollster: any Pollster)]
    ) -> [[(key: String, pollster: any Pollster)]] {
        let shared = launched.filter { $0.pollster.readsOnlyKernelTables }
        let alone = launched.filter { !$0.pollster.readsOnlyKernelTables }.map { [$0] }
        return (shared.isEmpty ? [] : [shared]) + alone
    }

    /// Runs one pollster on the calling task's thread and reports it to the cycle; a report the cycle no longer
    /// takes (it missed the deadline) is handed on by itself.
    private nonisolated func run(
        _ pollster: any Pollster, key: String, source: PollSource, context: PollContext, results: CycleResults
    ) async {
        let started = ContinuousClock.now
        let outcome: PollOutcome
        do {
            outcome = .samples(try await pollster.poll(context))
        } catch let error as SourceUnavailable {
            outcome = .failed(error.reason, reported: true)
        } catch {
            outcome = .failed("\(error)", reported: false)
        }
        let report = CycleResults.Report(outcome: outcome, duration: ContinuousClock.now - started)
        guard !results.report(key, report) else { return }
        // Late: the cycle went on without it. Its reads still count (a rate over the next cycle would otherwise
        // start from a read nobody received), so they follow on their own.
        await finished(key: key, source: source.name, pollster: pollster.name, report: report)
        if case .samples(let produced) = report.outcome {
            let selected = produced.filter { source.selector.matches($0.name) }
            if !selected.isEmpty { await sink.acceptLate(selected, source: source.name) }
        }
    }

    /// How long each pollster of the source took in its last run and whether it succeeded, as samples, so the
    /// agent's own health reaches the collector like any other meter.
    private func selfMetrics(_ source: PollSource, _ context: PollContext) -> [Sample] {
        var samples: [Sample] = []
        for pollster in source.pollsters {
            guard let entry = stats["\(source.name)/\(pollster.name)"], entry.runs > 0 else { continue }
            samples += context.deviceSamples(
                pollster.name, resourceType: "agent_pollster",
                metadata: ["pollster": .string(pollster.name), "source": .string(source.name)],
                [(PollScheduler.durationMeter, entry.lastDuration.inMilliseconds),
                 (PollScheduler.successMeter, entry.lastSucceeded ? 1 : 0)])
        }
        return samples
    }

    /// The agent's self-metric meters, for docs/meters.md.
    public static let selfMeters = [durationMeter, successMeter]

    static let durationMeter = MeterDefinition(
        name: "virtmon.agent.poll.duration", type: .gauge, unit: "ms",
        summary: "How long the pollster's last completed run took", origin: "agent scheduler")
    static let successMeter = MeterDefinition(
        name: "virtmon.agent.poll.success", type: .gauge, unit: "bool",
        summary: "1 when the pollster's last run succeeded, 0 when it failed", origin: "agent scheduler")

    private func finished(key: String, source: String, pollster: String, report: CycleResults.Report) {
        running.remove(key)
        let duration = report.duration
        let outcome = report.outcome
        var entry = stats[key, default: PollsterStats()]
        entry.runs += 1
        entry.lastDuration = duration
        Timer(label: "virtmon_pollster_duration_seconds", dimensions: [("source", source), ("pollster", pollster)])
            .recordNanoseconds(duration.inNanoseconds)
        switch outcome {
        case .samples(let samples):
            entry.lastSucceeded = true
            entry.lastSampleCount = samples.count
            if entry.lastError != nil {
                logger.info("pollster recovered", metadata: ["source": "\(source)", "pollster": "\(pollster)"])
            }
            entry.lastError = nil
        case .failed(let message, let reported):
            entry.failures += 1
            entry.lastSucceeded = false
            entry.lastSampleCount = 0
            Counter(label: "virtmon_pollster_failures_total", dimensions: [("source", source), ("pollster", pollster)])
                .increment()
            // The same failure every cycle is logged once, then every 60th time, so a missing device cannot
            // flood the log.
            if !reported, entry.lastError != message || entry.failures % 60 == 1 {
                logger.error(
                    "pollster failed",
                    metadata: [
                        "source": "\(source)", "pollster": "\(pollster)", "error": "\(message)",
                        "duration_ms": "\(duration.inMilliseconds)",
                    ])
            }
            entry.lastError = message
        }
        stats[key] = entry
        // Straight into the process registry the agent's /metrics serves, whatever swift-metrics was bootstrapped with.
        Gauge(label: "virtmon_agent_pollster_up", dimensions: [("source", source), ("pollster", pollster)],
              factory: SelfMetrics.process.factory)
            .record(entry.lastSucceeded ? 1 : 0)
    }
}
