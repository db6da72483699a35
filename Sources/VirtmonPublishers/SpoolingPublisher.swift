import Foundation
import Logging
import Metrics
import ServiceLifecycle
import VirtmonModel
import VirtmonThreads

/// Publishes to a remote destination through a disk spool, so that nothing is lost while the destination is
/// away, and nothing is sent twice or out of order once it is back.
///
/// `publish` cuts samples into batches, numbers them, and writes them to the spool. `run()` sends the oldest
/// spooled batch, deletes it only once the destination accepted it, and on failure waits (backing off) and
/// tries the same batch again. Each attempt is signed afresh with its own send time, under the batch's
/// original sequence number. On graceful shutdown it keeps sending for up to `flushTimeout`; what is left
/// stays in the spool for the next start.
public actor SpoolingPublisher: Publisher {
    /// Writes, fsyncs block: this actor runs on a thread of its own, never on the cooperative pool.
    private let executor = SerialThreadExecutor(name: "vm-spool")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    public nonisolated let target: String
    private let transport: any BatchTransport
    private var spool: Spool
    private let identity: AgentIdentity
    private let sequence: SequenceAllocator
    private let signature: BatchSignature
    private let batchSize: Int
    private let retry: RetryPolicy
    private let attemptTimeout: Duration
    private let flushTimeout: Duration
    private let logger: Logger
    /// The time each attempt is stamped with (`sent_at`); the host's clock, injected by the clock-jump tests.
    private let wallClock: @Sendable () -> Date
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private var consecutiveFailures = 0
    private var delivered = DeliveryCounts()
    private var rejected = (batches: 0, samples: 0)
    /// Why the latest attempt failed, until one succeeds.
    public private(set) var lastFailure: String?

    /// What has been delivered since start.
    public struct DeliveryCounts: Sendable, Hashable {
        public var batches = 0
        public var samples = 0
        public var failedAttempts = 0
    }

    public init(
        transport: any BatchTransport, spool: Spool, identity: AgentIdentity, sequence: SequenceAllocator,
        signature: BatchSignature, batchSize: Int, retry: RetryPolicy, attemptTimeout: Duration,
        flushTimeout: Duration, logger: Logger, wallClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.wallClock = wallClock
        self.target = transport.target
        self.transport = transport
        self.spool = spool
        spoolPath = spool.directory
        self.identity = identity
        self.sequence = sequence
        self.signature = signature
        self.batchSize = max(1, batchSize)
        self.retry = retry
        self.attemptTimeout = attemptTimeout
        self.flushTimeout = flushTimeout
        var logger = logger
        logger[metadataKey: "publisher"] = "\(transport.target)"
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        if !spool.isEmpty {
            logger.notice("spooled batches from an earlier run will be sent first",
                          metadata: ["batches": "\(spool.entries.count)", "samples": "\(spool.sampleCount)"])
            wake.yield()
        }
    }

    /// Batches waiting in the spool.
    public var spooledBatches: Int { spool.entries.count }
    /// Where they wait.
    public nonisolated var spoolDirectory: String { spoolPath }
    private nonisolated let spoolPath: String
    /// Batches and samples evicted to keep the spool within its bound.
    public var evicted: Spool.Eviction { spool.evicted }
    public var deliveryCounts: DeliveryCounts { delivered }
    /// Batches and samples the destination rejected for good (dropped, not retried).
    public var rejectedCounts: (batches: Int, samples: Int) { rejected }

    public func publish(samples: [Sample], events: [Event]) async throws {
        guard !samples.isEmpty || !events.isEmpty else { return }
        var pending: [Batch] = []
        var index = 0
        repeat {
            let chunk = Array(samples[index..<min(index + batchSize, samples.count)])
            // Events ride with the first batch of the call.
            let batch = Batch(agent: identity.id, host: identity.host, sequence: 0, sentAt: Date(), samples: chunk,
                              events: index == 0 ? events : [])
            pending.append(contentsOf: fitting(batch))
            index += batchSize
        } while index < samples.count
        for var batch in pending {
            batch.sequence = try await sequence.allocate()
            let data = batch.encoded()
            let eviction = try spool.append(sequence: batch.sequence, sampleCount: batch.samples.count, data: data)
            if eviction.batches > 0 {
                Counter(label: "virtmon_spool_dropped_batches_total", dimensions: [("publisher", target)])
                    .increment(by: eviction.batches)
                Counter(label: "virtmon_spool_dropped_samples_total", dimensions: [("publisher", target)])
                    .increment(by: eviction.samples)
                logger.warning(
                    "spool full: oldest batches dropped",
                    metadata: [
                        "dropped_batches": "\(eviction.batches)", "dropped_samples": "\(eviction.samples)",
                        "dropped_total": "\(spool.evicted.batches)", "max_bytes": "\(spool.maxBytes)",
                        "max_batches": "\(spool.maxBatches)",
                    ])
            }
        }
        Gauge(label: "virtmon_spool_batches", dimensions: [("publisher", target)]).record(spool.entries.count)
        wake.yield()
    }

    /// Splits a batch until each part fits the transport's size limit.
    private func fitting(_ batch: Batch) -> [Batch] {
        guard let limit = transport.maxBodyBytes else { return [batch] }
        let size = batch.encoded().count + 100
        if size <= limit || batch.samples.count <= 1 { return [batch] }
        let half = batch.samples.count / 2
        var first = batch
        first.samples = Array(batch.samples[..<half])
        var second = batch
        second.samples = Array(batch.samples[half...])
        second.events = []
        return fitting(first) + fitting(second)
    }

    public func run() async throws {
        // Shutdown wakes an idle loop and ends a backoff wait, but never cancels a send under way: a cancelled
        // request may already have been stored, and sending its batch again in the flush would duplicate it.
        let wake = self.wake
        await withGracefulShutdownHandler {
            await self.deliverUntilShutdown()
        } onGracefulShutdown: {
            wake.yield()
        }
        await flush()
        await transport.shutdown()
    }

    private func deliverUntilShutdown() async {
        var iterator = wakeups.makeAsyncIterator()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            if spool.isEmpty {
                guard await iterator.next() != nil else { return }
                continue
            }
            if await sendOldest(timeout: attemptTimeout) {
                continue
            }
            let delay = retry.delay(afterFailures: consecutiveFailures)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
        }
    }

    /// Sends what the spool holds, oldest first, until it is empty, a send fails, or `flushTimeout` passes.
    public func flush() async {
        let deadline = ContinuousClock.now.advanced(by: flushTimeout)
        while !spool.isEmpty, ContinuousClock.now < deadline {
            guard await sendOldest(timeout: min(attemptTimeout, deadline - ContinuousClock.now)) else { break }
        }
        if !spool.isEmpty {
            logger.notice("batches left in the spool; they are sent on the next start",
                          metadata: ["batches": "\(spool.entries.count)", "samples": "\(spool.sampleCount)",
                                     "directory": "\(spool.directory)"])
        }
    }

    /// One attempt at the oldest batch. True when it was accepted (or could not be read back and was
    /// discarded, which is logged).
    private func sendOldest(timeout: Duration) async -> Bool {
        guard let entry = spool.oldest else { return true }
        var batch: Batch
        do {
            batch = try Batch.decode(try spool.read(entry))
        } catch {
            logger.error("spooled batch cannot be read back; discarded",
                         metadata: ["sequence": "\(entry.sequence)", "error": "\(error)"])
            spool.remove(entry)
            return true
        }
        batch.sentAt = wallClock()
        do {
            let (body, signed) = try transport.body(for: batch, signature: signature)
            try await transport.send(body: body, signature: signed, timeout: timeout)
        } catch DeliveryError.rejected(let status, let answer) {
            // Final: the same request would be refused again. Dropped, counted and said, never retried.
            rejected.batches += 1
            rejected.samples += entry.sampleCount
            Counter(label: "virtmon_publisher_rejected_samples_total", dimensions: [("publisher", target)])
                .increment(by: entry.sampleCount)
            if rejected.batches == 1 || rejected.batches % 100 == 0 {
                logger.error("destination rejected a batch for good; it is dropped, not retried",
                             metadata: ["status": "\(status)", "answer": "\(answer)", "samples": "\(entry.sampleCount)",
                                        "rejected_batches_total": "\(rejected.batches)"])
            }
            consecutiveFailures = 0
            lastFailure = nil
            spool.remove(entry)
            return true
        } catch {
            consecutiveFailures += 1
            delivered.failedAttempts += 1
            lastFailure = (error as? DeliveryError)?.description ?? "the batch could not be encoded: \(error)"
            // The first failure and then every tenth are logged, so an outage of hours does not flood the log.
            if consecutiveFailures == 1 || consecutiveFailures % 10 == 0 {
                logger.warning("destination did not accept a batch; it stays spooled",
                               metadata: ["error": "\(error)", "attempts": "\(consecutiveFailures)",
                                          "spooled_batches": "\(spool.entries.count)"])
            }
            return false
        }
        if consecutiveFailures > 0 {
            logger.notice("destination is back", metadata: ["failed_attempts": "\(consecutiveFailures)"])
        }
        consecutiveFailures = 0
        lastFailure = nil
        spool.remove(entry)
        delivered.batches += 1
        delivered.samples += entry.sampleCount
        Counter(label: "virtmon_published_samples_total", dimensions: [("publisher", target)])
            .increment(by: entry.sampleCount)
        return true
    }
}
