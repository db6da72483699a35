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

        /// Refusals for one reason (0 when none).
        public func refusals(_ reason: IngestRefusal) -> Int { refused[reason] ?? 0 }
    }

    private let state = Mutex(Snapshot())
    private let lastLogged = Mutex([IngestRefusal: (time: Date, suppressed: Int)]())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func received(_ transport: String) { state.withLock { $0.batchesReceived[transport, default: 0] += 1 } }
    func refused(_ reason: IngestRefusal) { state.withLock { $0.refused[reason, default: 0] += 1 } }
    func duplicate() { state.withLock { $0.duplicates += 1 } }
    func commitStarted() { state.withLock { $0.inFlight += 1 } }

    func commitFinished(seconds: Double, samples: Int?, events: Int) {
        state.withLock {
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

    /// Whether a refusal for `reason` should be logged now (at most once per `interval`), and how many were
    /// not logged since the last one.
    func shouldLog(_ reason: IngestRefusal, now: Date = Date(), interval: TimeInterval = 10) -> (log: Bool, suppressed: Int) {
        lastLogged.withLock { entries in
            if let entry = entries[reason], now.timeIntervalSince(entry.time) < interval {
                entries[reason] = (entry.time, entry.suppressed + 1)
                return (false, 0)
            }
            let suppressed = entries[reason]?.suppressed ?? 0
            entries[reason] = (now, 0)
            return (true, suppressed)
        }
    }
}
