import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import ServiceLifecycle
import VirtmonModel
import VirtmonNetwork
import VirtmonStorage
import VirtmonTelemetry

/// Delivers alarm notifications to their actions: `http(s)://` (Aodh's webhook body and
/// `x-openstack-request-id` header), `log://`, and `alertmanager://HOST:PORT` (Prometheus Alertmanager's
/// `/api/v2/alerts`). A failed delivery is retried with backoff (1 s doubling to 60 s, `maxAttempts` tries),
/// which Aodh does not do; the queue is bounded, the oldest dropped (and counted, and logged) past it. Each
/// notification has a row in the store's outbox, written with its transition and removed once delivered, so
/// what a restart interrupted is sent when the notifier starts again.
public actor AlarmNotifier: Service {
    private var ready: [AlarmNotification] = []
    private var waiting: [(due: ContinuousClock.Instant, notification: AlarmNotification)] = []
    private let capacity: Int
    private let maxAttempts: Int
    private let timeout: Duration
    private let logger: Logger
    private let metrics: SelfMetrics
    private let store: (any AlarmStore)?
    /// Outbox rows queued here, so that loading the outbox at start does not queue one twice.
    private var known: Set<String> = []
    private var delivered = 0
    /// The run loop waiting for work, and a wake-up that came while it was not waiting.
    private var waiter: CheckedContinuation<Void, Never>?
    private var woken = false

    public init(store: (any AlarmStore)? = nil, capacity: Int = 10_000, maxAttempts: Int = 10, timeout: Duration = .seconds(10),
                metrics: SelfMetrics = SelfMetrics(), logger: Logger) {
        self.store = store
        self.metrics = metrics
        self.capacity = capacity
        self.maxAttempts = maxAttempts
        self.timeout = timeout
        self.logger = logger
    }

    /// Notifications delivered so far (for tests and /metrics).
    public var deliveredCount: Int { delivered }
    /// Notifications waiting, ready or for a retry.
    public var pending: Int { ready.count + waiting.count }

    public func enqueue(_ notifications: [AlarmNotification]) {
        let fresh = notifications.filter { known.insert($0.outboxID).inserted }
        ready += fresh
        wake()
        let excess = ready.count + waiting.count - capacity
        if excess > 0 {
            let dropped = ready.prefix(excess)
            ready.removeFirst(min(excess, ready.count))
            for notification in dropped { finished(notification) }
            Counter(label: "virtmon_alarm_notifications_dropped_total", factory: metrics.factory).increment(by: dropped.count)
            logger.error("alarm notification queue full: oldest dropped", metadata: ["dropped": "\(dropped.count)", "capacity": "\(capacity)"])
        }
    }

    public func run() async throws {
        await loadOutbox()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await deliverDue()
            // Until new work arrives or the next retry is due (at most a second, to notice a shutdown).
            let now = ContinuousClock.now
            let next = waiting.map(\.due).min().map { max(.zero, $0 - now) } ?? .seconds(1)
            await sleep(atMost: min(next, .seconds(1)))
        }
    }

    private func sleep(atMost wait: Duration) async {
        if woken {
            woken = false
            return
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: wait)
            await self?.wake()
        }
        await withCheckedContinuation { waiter = $0 }
        timer.cancel()
    }

    private func wake() {
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            woken = true
        }
    }

    /// What a previous run left undelivered.
    private func loadOutbox() async {
        guard let store else { return }
        do {
            let entries = try await store.outbox(limit: capacity)
            let waiting = try entries.map { try AlarmCoding.decode(AlarmNotification.self, $0.body, what: "alarm notification") }
            if !waiting.isEmpty { logger.notice("alarm notifications left from the last run are sent now", metadata: ["count": "\(waiting.count)"]) }
            enqueue(waiting)
        } catch {
            logger.error("the alarm outbox cannot be read; its notifications wait for the next start", metadata: ["error": "\(error)"])
        }
    }

    /// Delivered or given up on: its outbox row goes.
    private func finished(_ notification: AlarmNotification) {
        known.remove(notification.outboxID)
        guard let store else { return }
        let id = notification.outboxID
        let logger = logger
        Task {
            do {
                try await store.removeFromOutbox(id: id)
            } catch {
                logger.warning("a delivered alarm notification stays in the outbox and may be sent again after a restart", metadata: ["error": "\(error)"])
            }
        }
    }

    private func deliverDue() async {
        let now = ContinuousClock.now
        let due = waiting.filter { $0.due <= now }.map(\.notification)
        waiting.removeAll { $0.due <= now }
        let batch = ready + due
        ready.removeAll()
        guard !batch.isEmpty else { return }
        let timeout = timeout
        let logger = logger
        // Sent concurrently (one slow receiver does not hold the others up); outcomes come back here.
        let results = await withTaskGroup(of: (AlarmNotification, String?).self) { group in
            for notification in batch {
                group.addTask { (notification, await AlarmNotifier.send(notification, timeout: timeout, logger: logger)) }
            }
            var results: [(AlarmNotification, String?)] = []
            for await result in group { results.append(result) }
            return results
        }
        for (var notification, failure) in results {
            notification.attempts += 1
            guard let failure else {
                delivered += 1
                finished(notification)
                Counter(label: "virtmon_alarm_notifications_total", dimensions: [("outcome", "delivered")], factory: metrics.factory).increment()
                continue
            }
            Counter(label: "virtmon_alarm_notifications_total", dimensions: [("outcome", "failed")], factory: metrics.factory).increment()
            guard notification.attempts < maxAttempts else {
                finished(notification)
                logger.error("alarm notification abandoned", metadata: [
                    "alarm": "\(notification.alarmName)", "action": "\(notification.action)", "attempts": "\(notification.attempts)",
                    "error": "\(failure)"])
                continue
            }
            let delay = Duration.seconds(min(60, 1 << min(notification.attempts - 1, 6)))
            logger.warning("alarm notification failed; retrying", metadata: [
                "alarm": "\(notification.alarmName)", "action": "\(notification.action)", "attempt": "\(notification.attempts)",
                "retry_in": "\(delay)", "error": "\(failure)"])
            waiting.append((ContinuousClock.now + delay, notification))
        }
    }

    /// One send; nil on success, else why it failed.
    static func send(_ notification: AlarmNotification, timeout: Duration, logger: Logger) async -> String? {
        guard let components = URLComponents(string: notification.action), let scheme = components.scheme?.lowercased() else {
            return "not a URL: \(notification.action)"
        }
        switch scheme {
        case "log":
            logger.notice("alarm \(notification.alarmName) is \(notification.current.rawValue)", metadata: [
                "alarm_id": "\(notification.alarmID)", "previous": "\(notification.previous.rawValue)", "reason": "\(notification.reason)",
                "severity": "\(notification.severity.rawValue)"])
            return nil
        case "http", "https":
            return await post(notification.webhookBody, to: notification.action, timeout: timeout,
                              headers: [("x-openstack-request-id", "req-\(UUID().uuidString.lowercased())")])
        case "alertmanager":
            guard let host = components.host else { return "alertmanager action needs alertmanager://HOST:PORT" }
            let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(components.port ?? 9093)/api/v2/alerts"
            return await post(notification.alertmanagerBody, to: url, timeout: timeout, headers: [])
        default:
            return "unknown action scheme \(scheme) (use http, https, log or alertmanager)"
        }
    }

    static func post(_ body: JSONValue, to url: String, timeout: Duration, headers: [(String, String)]) async -> String? {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "virtmon-alarms")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: WireJSON.encode(body)))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
            let answer = try await response.body.collect(upTo: 64 * 1024)
            guard (200..<300).contains(Int(response.status.code)) else {
                return "\(url) answered \(response.status.code): \(String(buffer: answer).prefix(200))"
            }
            return nil
        } catch {
            return NetworkErrorWords.describe(error, target: NetworkErrorWords.target(of: url))
        }
    }
}
