import Foundation
import Synchronization
import Logging
import VirtmonModel
import VirtmonStorage
import VirtmonTelemetry

/// The one path every received batch takes, whatever carried it: bound its size, verify its signature over
/// the exact bytes, decode, validate, check its clock, commit. Every refusal is counted by reason and logged
/// at a limited rate.
public final class Ingestor: Sendable {
    /// How the batch arrived, for the counters.
    public enum Transport: String, Sendable, CaseIterable {
        case http, udp
        /// Samples posted through the query API (`POST /v2/meters/NAME`).
        case api
        /// Prometheus remote-write (`POST /api/v1/write`).
        case remoteWrite = "remote_write"
        /// Messages consumed from RabbitMQ (virtmon agents' frames and Ceilometer's notifications).
        case amqp
    }

    private let storage: any Storage
    private let signature: BatchSignature
    private let validator: BatchValidator
    private let logger: Logger
    public let counters: IngestCounters
    public let limits: IngestLimits
    /// Told of every stored batch after its commit (the alarm evaluator); each must return at once.
    private let observers = Mutex<[@Sendable (IngestBatch) -> Void]>([])

    /// - Parameter metrics: where the ingest figures go (the collector's `/metrics`).
    public init(storage: any Storage, secret: String, limits: IngestLimits = IngestLimits(), metrics: SelfMetrics = SelfMetrics(), logger: Logger) {
        self.storage = storage
        signature = BatchSignature(secret: secret)
        validator = BatchValidator(limits: limits)
        self.limits = limits
        self.logger = logger
        counters = IngestCounters(metrics: metrics)
    }

    /// Whether batches must be signed.
    public var requiresSignature: Bool { signature.isEnabled }

    /// Adds an observer of committed batches: it runs on the committing task, after the commit, so it must
    /// only hand the batch on.
    public func onCommit(_ observer: @escaping @Sendable (IngestBatch) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    /// Takes one UDP datagram: the `virtmon/1 SIGNATURE` line, then the body.
    public func ingest(datagram: Data, now: Date = Date()) async throws(IngestError) -> IngestOutcome {
        try await ingest(frame: datagram, transport: .udp, now: now)
    }

    /// Takes one signed frame (a UDP datagram, an AMQP message): the `virtmon/1 SIGNATURE` line, then the body.
    public func ingest(frame data: Data, transport: Transport, now: Date = Date()) async throws(IngestError) -> IngestOutcome {
        let frame: SignedFrame
        do {
            frame = try SignedFrame.decode(data)
        } catch {
            counters.received(transport.rawValue)
            throw refuse(IngestError(.malformed, error.description), transport: transport, what: transport == .udp ? "datagram" : "message")
        }
        return try await ingest(body: frame.body, signature: frame.signature, transport: transport, now: now)
    }

    /// Stores samples that came from Ceilometer (already read, with their signatures checked by the caller) as
    /// one unit under `origin`, so that a message the broker delivers again is recognised and stored once.
    public func ingest(ceilometer samples: [Sample], origin: BatchOrigin, transport: Transport, now: Date = Date()) async throws(IngestError) -> IngestOutcome {
        counters.received(transport.rawValue)
        do {
            for (index, sample) in samples.enumerated() {
                try validator.validate(sample, now: now, at: "samples[\(index)] (\(sample.name) of \(sample.resourceID.prefix(64)))")
            }
            let stored = try await commit(IngestBatch(origin: origin, samples: samples, receivedAt: now))
            return stored ? .stored(samples: samples.count, events: 0) : .duplicate
        } catch {
            throw refuse(error, transport: transport, what: "Ceilometer samples")
        }
    }

    /// Counts `count` refusals found outside the ingestor (forged Ceilometer samples), logged once at a limited rate.
    public func refused(_ error: IngestError, transport: Transport, what: String, count: Int = 1) {
        counters.received(transport.rawValue)
        _ = refuse(error, transport: transport, what: what)
        for _ in 1..<max(count, 1) { counters.refused(error.reason) }
    }

    /// Takes one batch body and its signature (nil when the sender sent none).
    public func ingest(body: Data, signature given: String?, transport: Transport, now: Date = Date()) async throws(IngestError) -> IngestOutcome {
        counters.received(transport.rawValue)
        do {
            return try await accept(body: body, signature: given, transport: transport, now: now)
        } catch {
            throw refuse(error, transport: transport, what: "batch")
        }
    }

    /// Counts a refusal by reason and logs it at most every 10 s per reason; returns it for throwing.
    private func refuse(_ error: IngestError, transport: Transport, what: String) -> IngestError {
        counters.refused(error.reason)
        let (log, suppressed) = counters.shouldLog(error.reason)
        if log {
            var metadata: Logger.Metadata = ["reason": "\(error.reason)", "transport": "\(transport.rawValue)"]
            if suppressed > 0 { metadata["not_logged_since_last"] = "\(suppressed)" }
            if error.reason == .storageFailure {
                logger.error("\(what) not stored: \(error.detail)", metadata: metadata)
            } else {
                logger.warning("\(what) refused: \(error.detail)", metadata: metadata)
            }
        }
        return error
    }

    private func accept(body: Data, signature given: String?, transport: Transport, now: Date) async throws(IngestError) -> IngestOutcome {
        guard body.count <= limits.maxBodyBytes else {
            throw IngestError(.oversized, "body of \(body.count) bytes; at most \(limits.maxBodyBytes)")
        }
        if signature.isEnabled {
            guard let given, !given.isEmpty else {
                throw IngestError(.unsigned, "this collector requires signed batches (set the agent's publishing secret)")
            }
            guard signature.verify(body, signature: given) else {
                throw IngestError(.badSignature, "signature does not match the body (different secret, or altered in transit)")
            }
        }
        let batch: Batch
        do {
            batch = try Batch.decode(body)
        } catch {
            throw IngestError(.malformed, "not a virtmon batch: \(error)")
        }
        // A message may wait in a durable queue for as long as every collector is away: that is what the bus
        // is for, so its age is no reason to refuse it. Replays are still recognised by (agent, seq), which
        // is remembered for the retention period.
        try validator.validate(batch, now: now, checkClock: transport != .amqp)
        let stored = try await commit(IngestBatch(
            origin: BatchOrigin(agent: batch.agent, host: batch.host, sequence: batch.sequence),
            samples: batch.samples, events: batch.events, receivedAt: now))
        return stored ? .stored(samples: batch.samples.count, events: batch.events.count) : .duplicate
    }

    /// Stores samples posted through the API (already validated), counted and refused like batches. A
    /// project token's samples carry its `WriterScope`: another project's resource or a write past the series
    /// bound is refused whole.
    public func ingest(posted samples: [Sample], project: String?, transport: Transport = .api, now: Date = Date()) async throws(IngestError) {
        counters.received(transport.rawValue)
        let writer = project.map { WriterScope(project: $0, maxSeries: limits.maxSeriesPerProject) }
        do {
            _ = try await commit(IngestBatch(samples: samples, receivedAt: now, writer: writer))
        } catch {
            throw refuse(error, transport: transport, what: transport == .api ? "posted samples" : "remote-write samples")
        }
    }

    /// Commits, counts and classifies: true when stored, false for a duplicate.
    private func commit(_ batch: IngestBatch) async throws(IngestError) -> Bool {
        let started = ContinuousClock.now
        counters.commitStarted()
        do {
            let result = try await storage.commit(batch)
            let seconds = (ContinuousClock.now - started).inSeconds
            switch result {
            case .stored:
                counters.commitFinished(seconds: seconds, samples: batch.samples.count, events: batch.events.count)
                for observer in observers.withLock({ $0 }) { observer(batch) }
                return true
            case .duplicate:
                counters.commitFinished(seconds: seconds, samples: nil, events: 0)
                counters.duplicate()
                return false
            }
        } catch let refusal as WriteRefusal {
            // The sender's fault, not the store's, and no write was tried: health neither worsens nor recovers.
            counters.commitFinished(seconds: (ContinuousClock.now - started).inSeconds, samples: nil, events: 0, succeeded: false)
            switch refusal {
            case .foreignResource: throw IngestError(.foreignResource, refusal.description)
            case .seriesQuota(let project, _, _, _):
                counters.quotaRefused(project)
                throw IngestError(.seriesQuota, refusal.description)
            }
        } catch {
            let reason = StorageFailureText.describe(error)
            counters.commitFinished(seconds: (ContinuousClock.now - started).inSeconds, samples: nil, events: 0, succeeded: false)
            counters.storageFailed(reason)
            throw IngestError(.storageFailure, reason)
        }
    }
}
