import Foundation
import Logging
import Metrics
import ServiceLifecycle
import VirtmonModel

/// Runs every source's pollsters on its interval and hands the samples to a sink. A Service: on graceful
/// shutdown it finishes the cycle under way, hands its samples on, and returns.
///
/// Pollsters of one cycle run concurrently against one file snapshot. One that throws or misses its deadline
/// is logged with its duration and counted; the cycle goes on without it, and while it is still running it is
/// skipped rather than started twice.
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

    /// One cycle of one source: run its pollsters against one snapshot and hand the samples on.
    public func runCycle(_ source: PollSource) async {
        let context = PollContext(host: host, procRoot: procRoot, sysRoot: sysRoot)
        let outcomes = await withTaskGroup(of: [Sample].self) { group in
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
                group.addTask { await self.runPollster(pollster, key: key, source: source, context: context) }
            }
            var all: [Sample] = []
            for await samples in group { all.append(contentsOf: samples) }
            return all
        }
        let selected = (outcomes + selfMetrics(source, context)).filter { source.selector.matches($0.name) }
        await sink.accept(selected, source: source.name)
    }

    /// How long each pollster of the source took in its last run and whether it succeeded, as samples, so the
    /// agent's own health reaches the collector like any other meter.
    private func selfMetrics(_ source: PollSource, _ context: PollContext) -> [Sample] {
        var samples: [Sample] = []
        for pollster in source.pollsters {
            guard let entry = stats["\(source.name)/\(pollster.name)"] else { continue }
            let resource = "\(host)-\(pollster.name)"
            let metadata: [String: JSONValue] = ["pollster": .string(pollster.name), "source": .string(source.name),
                                                 "resource_type": "agent_pollster"]
            samples.append(context.sample(PollScheduler.durationMeter, volume: entry.lastDuration.inMilliseconds,
                                          resourceID: resource, metadata: metadata))
            samples.append(context.sample(PollScheduler.successMeter, volume: entry.lastSucceeded ? 1 : 0,
                                          resourceID: resource, metadata: metadata))
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

    private enum Outcome: Sendable {
        case samples([Sample])
        case failed(String)
        case overran
    }

    private func runPollster(
        _ pollster: any Pollster, key: String, source: PollSource, context: PollContext
    ) async -> [Sample] {
        let started = ContinuousClock.now
        let timeout = source.timeout
        let outcome: Outcome = await withCheckedContinuation { continuation in
            let first = FirstOutcome(continuation)
            let timer = Task {
                try await Task.sleep(for: timeout)
                first.report(.overran)
            }
            Task(executorPreference: DedicatedThreadExecutor.shared) {
                let result: Outcome
                do {
                    result = .samples(try await pollster.poll(context))
                } catch {
                    result = .failed("\(error)")
                }
                timer.cancel()
                // Stats first, so the cycle that gets this result also reports its duration.
                await self.finished(key: key, source: source.name, pollster: pollster.name, started: started,
                                    outcome: result)
                first.report(result)
            }
        }
        if case .samples(let samples) = outcome { return samples }
        if case .overran = outcome {
            stats[key, default: PollsterStats()].overruns += 1
            Counter(label: "virtmon_pollster_overruns_total",
                    dimensions: [("source", source.name), ("pollster", pollster.name)]).increment()
            logger.warning(
                "pollster missed its deadline; cycle goes on without it",
                metadata: ["source": "\(source.name)", "pollster": "\(pollster.name)", "timeout": "\(timeout)"])
        }
        return []
    }

    private func finished(key: String, source: String, pollster: String, started: ContinuousClock.Instant,
                          outcome: Outcome) {
        running.remove(key)
        let duration = ContinuousClock.now - started
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
        case .failed(let message):
            entry.failures += 1
            entry.lastSucceeded = false
            entry.lastSampleCount = 0
            Counter(label: "virtmon_pollster_failures_total", dimensions: [("source", source), ("pollster", pollster)])
                .increment()
            // The same failure every cycle is logged once, then every 60th time, so a missing device cannot
            // flood the log.
            if entry.lastError != message || entry.failures % 60 == 1 {
                logger.error(
                    "pollster failed",
                    metadata: [
                        "source": "\(source)", "pollster": "\(pollster)", "error": "\(message)",
                        "duration_ms": "\(duration.inMilliseconds)",
                    ])
            }
            entry.lastError = message
        case .overran:
            break
        }
        stats[key] = entry
    }
}
