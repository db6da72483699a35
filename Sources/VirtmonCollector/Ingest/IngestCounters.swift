import Foundation
import Metrics
import Synchronization
import VirtmonModel
import VirtmonTelemetry

/// What the collector has received, stored and refused. Each event is recorded twice, on purpose: in the
/// swift-metrics figures that `/metrics` exposes, and in a snapshot that health (writes failing since when,
/// and why) and the tests read. Lock-protected: every ingest path updates them, and a Mutex is cheaper than
/// an actor hop per batch.
public final class IngestCounters: Sendable {
    /// A consistent copy of every counter.
    public struct Snapshot: Sendable, Equatable {
        public var batchesReceived: [String: Int] = [:]
        public var batchesStored = 0
        public var samplesStored = 0
        public var eventsStored = 0
        public var duplicates = 0
        public var refused: [IngestRefusal: Int] = [:]
        public var inFlight = 0
        public var commitSeconds = 0.0
        public var commits = 0
        /// Scoped writes refused for the series bound, by project.
        public var quotaRefusals: [String: Int] = [:]
        /// Set while commits fail: since when, and the latest reason; cleared by the next stored commit.
        public var failingSince: Date?
        public var lastFailure: String?

        /// Refusals for one reason (0 when none).
        public func refusals(_ reason: IngestRefusal) -> Int { refused[reason] ?? 0 }
    }

    private let state = Mutex(Snapshot())
    private let logThrottle = LogThrottle()
    /// Where the figures go.
    public let metrics: SelfMetrics
    private let batchesStored: Counter
    private let samplesStored: Counter
    private let eventsStored: Counter
    private let duplicates: Counter
    private let commitDuration: Metrics.Timer
    private let inFlight: Gauge
    private let writesFailing: Gauge

    public init(metrics: SelfMetrics = SelfMetrics()) {
        self.metrics = metrics
        let factory = metrics.factory
        batchesStored = Counter(label: "virtmon_collector_batches_stored_total", factory: factory)
        samplesStored = Counter(label: "virtmon_collector_samples_stored_total", factory: factory)
        eventsStored = Counter(label: "virtmon_collector_events_stored_total", factory: factory)
        duplicates = Counter(label: "virtmon_collector_duplicate_batches_total", factory: factory)
        commitDuration = Metrics.Timer(label: "virtmon_collector_commit_duration_seconds", factory: factory)
        inFlight = Gauge(label: "virtmon_collector_commits_in_flight", factory: factory)
        writesFailing = Gauge(label: "virtmon_collector_writes_failing", factory: factory)
        inFlight.record(0)
        writesFailing.record(0)
        // Every transport and reason from the start, so that a rate over them never begins with a gap.
        for transport in Ingestor.Transport.allCases { _ = received(counter: transport.rawValue) }
        for reason in IngestRefusal.allCases { _ = refused(counter: reason) }
    }

    private func received(counter transport: String) -> Counter {
        Counter(label: "virtmon_collector_batches_received_total", dimensions: [("transport", transport)], factory: metrics.factory)
    }

    private func refused(counter reason: IngestRefusal) -> Counter {
        Counter(label: "virtmon_collector_refused_total", dimensions: [("reason", reason.rawValue)], factory: metrics.factory)
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    func received(_ transport: String) {
        state.withLock { $0.batchesReceived[transport, default: 0] += 1 }
        received(counter: transport).increment()
    }

    func refused(_ reason: IngestRefusal) {
        state.withLock { $0.refused[reason, default: 0] += 1 }
        refused(counter: reason).increment()
    }

    func duplicate() {
        state.withLock { $0.duplicates += 1 }
        duplicates.increment()
    }

    func commitStarted() {
        inFlight.record(state.withLock { state -> Int in
            state.inFlight += 1
            return state.inFlight
        })
    }

    func quotaRefused(_ project: String) {
        state.withLock { $0.quotaRefusals[project, default: 0] += 1 }
        Counter(label: "virtmon_collector_series_quota_refusals_total", dimensions: [("project", project)], factory: metrics.factory).increment()
    }

    /// A commit that the store could not make (not a refusal of the sender's): health turns unhealthy.
    func storageFailed(_ reason: String, now: Date = Date()) {
        state.withLock {
            if $0.failingSince == nil { $0.failingSince = now }
            $0.lastFailure = reason
        }
        writesFailing.record(1)
    }

    /// A commit ended: `samples` nil for a duplicate or a failure; `succeeded` false when the store failed.
    func commitFinished(seconds: Double, samples: Int?, events: Int, succeeded: Bool = true) {
        commitDuration.recordNanoseconds(Int64(seconds * 1e9))
        if succeeded { writesFailing.record(0) }
        if let samples {
            batchesStored.increment()
            samplesStored.increment(by: samples)
            eventsStored.increment(by: events)
        }
        let depth = state.withLock { (state: inout Snapshot) -> Int in
            if succeeded {
                state.failingSince = nil
                state.lastFailure = nil
            }
            state.inFlight -= 1
            state.commitSeconds += seconds
            state.commits += 1
            if let samples {
                state.batchesStored += 1
                state.samplesStored += samples
                state.eventsStored += events
            }
            return state.inFlight
        }
        inFlight.record(depth)
    }

    /// Whether a refusal for `reason` should be logged now (at most once per 10 s), and how many were not
    /// logged since the last one.
    func shouldLog(_ reason: IngestRefusal, now: Date = Date()) -> (log: Bool, suppressed: Int) {
        logThrottle.shouldLog(reason.rawValue, now: now)
    }
}
