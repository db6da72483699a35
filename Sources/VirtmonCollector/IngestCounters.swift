import Foundation
import Synchronization

/// What the collector has received, stored and refused, for /metrics and the tests. Lock-protected counters:
/// every ingest path updates them, and a Mutex is cheaper than an actor hop per batch.
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

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func received(_ transport: String) { state.withLock { $0.batchesReceived[transport, default: 0] += 1 } }
    func refused(_ reason: IngestRefusal) { state.withLock { $0.refused[reason, default: 0] += 1 } }
    func duplicate() { state.withLock { $0.duplicates += 1 } }
    func commitStarted() { state.withLock { $0.inFlight += 1 } }

    func quotaRefused(_ project: String) { state.withLock { $0.quotaRefusals[project, default: 0] += 1 } }

    /// A commit that the store could not make (not a refusal of the sender's): health turns unhealthy.
    func storageFailed(_ reason: String, now: Date = Date()) {
        state.withLock {
            if $0.failingSince == nil { $0.failingSince = now }
            $0.lastFailure = reason
        }
    }

    /// A commit ended: `samples` nil for a duplicate or a failure; `succeeded` false when the store failed.
    func commitFinished(seconds: Double, samples: Int?, events: Int, succeeded: Bool = true) {
        state.withLock {
            if succeeded {
                $0.failingSince = nil
                $0.lastFailure = nil
            }
            $0.inFlight -= 1
            $0.commitSeconds += seconds
            $0.commits += 1
            if let samples {
                $0.batchesStored += 1
                $0.samplesStored += samples
                $0.eventsStored += events
            }
        }
    }

    /// Whether a refusal for `reason` should be logged now (at most once per 10 s), and how many were not
    /// logged since the last one.
    func shouldLog(_ reason: IngestRefusal, now: Date = Date()) -> (log: Bool, suppressed: Int) {
        logThrottle.shouldLog(reason.rawValue, now: now)
    }
}
