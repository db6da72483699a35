import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import VirtmonAMQP
import VirtmonModel
import VirtmonTelemetry

/// Consumes samples from RabbitMQ: virtmon agents' signed frames and Ceilometer's notifications, from the
/// queues `AMQPIngestSettings` names.
///
/// A message is acknowledged only after what it carries is committed (or recognised as stored before). When
/// the store fails it goes back to the queue — as Ceilometer's collector requeues on a dispatcher error — and
/// consumption slows down while the store stays down. A message nobody could ever store (not a frame nor a
/// notification, a forged virtmon frame, a refused batch) goes to the dead-letter queue at once with the
/// reason in a header; one that keeps failing to store while other messages are stored goes there after
/// `maxDeliveries` attempts instead of looping.
public struct AMQPIngestService: Service {
    private let consumer: AMQPConsumer
    private let settings: AMQPIngestSettings
    private let ingestor: Ingestor
    private let ceilometer: CeilometerIngest
    private let logger: Logger
    private let connected: Gauge
    private let failures: Counter
    private let metrics: SelfMetrics

    public init(settings: AMQPIngestSettings, ingestor: Ingestor, ceilometer: CeilometerIngest, logger: Logger) {
        self.settings = settings
        self.ingestor = ingestor
        self.ceilometer = ceilometer
        self.logger = logger
        consumer = AMQPConsumer(address: settings.address, queues: settings.queues, prefetch: settings.prefetch,
                                deadLetterQueue: settings.deadLetterQueue)
        metrics = ingestor.counters.metrics
        connected = Gauge(label: "virtmon_collector_amqp_connected", factory: metrics.factory)
        failures = Counter(label: "virtmon_collector_amqp_connection_failures_total", factory: metrics.factory)
        connected.record(0)
        for outcome in Outcome.allCases { _ = counter(outcome) }
    }

    enum Outcome: String, CaseIterable {
        case stored, duplicate, requeued
        case deadLettered = "dead_lettered"
    }

    private func counter(_ outcome: Outcome) -> Counter {
        Counter(label: "virtmon_collector_amqp_messages_total", dimensions: [("outcome", outcome.rawValue)], factory: metrics.factory)
    }

    /// What to do with a delivery.
    enum Verdict: Equatable {
        case ack(Outcome)
        case requeue(String)
        case deadLetter(String)
    }

    public func run() async throws {
        let stopping = StopFlag()
        try await withGracefulShutdownHandler {
            try await consume(until: stopping)
        } onGracefulShutdown: {
            stopping.stop()
        }
        await consumer.disconnect()
        connected.record(0)
    }

    private func consume(until stopping: StopFlag) async throws {
        var lostConnections = 0
        var storeFailures = 0
        var strikes = StrikeBook(limit: settings.maxDeliveries)
        var wasConnected = false
        while !stopping.isStopped {
            let received: AMQPConsumer.Received?
            do {
                received = try await consumer.next(within: 500)
                if !wasConnected {
                    wasConnected = true
                    lostConnections = 0
                    connected.record(1)
                    let node = await consumer.connectedNode
                    logger.info("collector consuming from RabbitMQ", metadata: [
                        "node": "\(node.map(\.description) ?? "?")", "queues": "\(settings.queues.map(\.name).joined(separator: ","))",
                        "prefetch": "\(settings.prefetch)"])
                }
            } catch {
                failures.increment()
                connected.record(0)
                if wasConnected || lostConnections == 0 || lostConnections % 20 == 0 {
                    logger.error("RabbitMQ unavailable; retrying", metadata: [
                        "broker": "\(settings.address)", "error": "\(error)", "attempt": "\(lostConnections + 1)"])
                }
                wasConnected = false
                lostConnections += 1
                try await Task.sleep(for: Self.backoff(lostConnections))
                continue
            }
            guard let received else { continue }
            let verdict = await handle(received.delivery)
            do {
                switch verdict {
                case .ack(let outcome):
                    try await consumer.ack(received)
                    counter(outcome).increment()
                    storeFailures = 0
                    strikes.succeeded()
                case .requeue(let reason):
                    let key = StrikeBook.key(received.delivery)
                    if strikes.failed(key) {
                        try await consumer.deadLetter(received, reason: "kept failing to store after \(settings.maxDeliveries) deliveries: \(reason)")
                        counter(.deadLettered).increment()
                        logger.error("message dead-lettered after repeated storage failures", metadata: ["queue": "\(settings.deadLetterQueue)", "reason": "\(reason)"])
                        strikes.forget(key)
                    } else {
                        try await consumer.requeue(received)
                        counter(.requeued).increment()
                        storeFailures += 1
                        // The store is failing: give it room instead of spinning through the queue.
                        try await Task.sleep(for: Self.backoff(storeFailures, cap: .seconds(5)))
                    }
                case .deadLetter(let reason):
                    try await consumer.deadLetter(received, reason: reason)
                    counter(.deadLettered).increment()
                    logger.warning("message dead-lettered", metadata: [
                        "queue": "\(settings.deadLetterQueue)", "routing_key": "\(received.delivery.routingKey)", "reason": "\(reason)"])
                }
            } catch let error as AMQPError {
                // The broker will deliver the message again; the store recognises it if it was committed.
                failures.increment()
                connected.record(0)
                wasConnected = false
                logger.error("RabbitMQ connection lost while answering a delivery", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Decides a delivery's fate; the commit happens here.
    func handle(_ delivery: AMQPDelivery) async -> Verdict {
        let body = Data(delivery.body)
        let outcome: IngestOutcome
        do {
            if body.starts(with: Array(SignedFrame.magic.utf8)) {
                outcome = try await ingestor.ingest(frame: body, transport: .amqp)
            } else {
                outcome = try await ceilometer.ingest(notification: delivery.body, fallbackID: delivery.messageID, transport: .amqp)
            }
        } catch {
            switch error.reason {
            case .storageFailure: return .requeue(error.detail)
            default: return .deadLetter("\(error.reason.rawValue): \(error.detail)")
            }
        }
        switch outcome {
        case .stored: return .ack(.stored)
        case .duplicate: return .ack(.duplicate)
        }
    }

    /// 0.5 s doubling to `cap`.
    static func backoff(_ attempt: Int, cap: Duration = .seconds(30)) -> Duration {
        let milliseconds = 500 * (1 << min(max(attempt - 1, 0), 10))
        return min(.milliseconds(milliseconds), cap)
    }
}

/// Counts storage failures per message, but only those that happen while other messages are being stored:
/// when the store is down every message fails and none of them is to blame.
struct StrikeBook {
    let limit: Int
    private var strikes: [String: (count: Int, storedSince: Bool)] = [:]

    init(limit: Int) { self.limit = limit }

    static func key(_ delivery: AMQPDelivery) -> String {
        if let id = delivery.messageID { return "id:" + id }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in delivery.body {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return "body:\(delivery.body.count):\(hash)"
    }

    /// Something was stored: every failing message's next failure is its own fault.
    mutating func succeeded() {
        for key in strikes.keys { strikes[key]?.storedSince = true }
    }

    /// Records a failure; true when the message has now failed `limit` times with the store otherwise working.
    mutating func failed(_ key: String) -> Bool {
        var entry = strikes[key] ?? (0, true)
        if entry.storedSince { entry.count += 1 }
        entry.storedSince = false
        strikes[key] = entry
        if strikes.count > 10_000 { strikes.removeAll() }
        return entry.count >= limit
    }

    mutating func forget(_ key: String) { strikes[key] = nil }
}

/// Set once when the service group stops.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isStopped: Bool { flag.withLock { $0 } }
    func stop() { flag.withLock { $0 = true } }
}
