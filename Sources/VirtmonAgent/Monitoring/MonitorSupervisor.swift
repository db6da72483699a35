import Foundation
import Logging
import Metrics
import ServiceLifecycle
import VirtmonModel
import VirtmonThreads

/// Runs monitor items on their cycles, queues the events they raise, and hands each event to the handlers
/// registered for its type; an event of a type without handlers is logged when it is an error or fatal.
/// A condition monitor's events are raised when a resource's condition begins and ends (ConditionTracker),
/// not on every check while it lasts.
///
/// A Service: on graceful shutdown the items stop, the queue closes, and the events already queued are
/// still handed out before `run` returns.
public actor MonitorSupervisor: Service {
    private var items: [String: MonitorItem] = [:]
    private var order: [String] = []
    private let handlers: [String: [any EventHandler]]
    private let queue: EventQueue
    private let sampleSink: (any SampleSink)?
    private let makeContext: @Sendable () -> MonitorContext
    private let logger: Logger
    private var lastDropLog: ContinuousClock.Instant?
    private var droppedSinceLog = 0
    private var failures: [String: String] = [:]
    private var trackers: [String: ConditionTracker] = [:]
    private let reraiseEvery: Duration?
    private let now: @Sendable () -> ContinuousClock.Instant

    /// The sample source name monitor samples are handed on under.
    public static let sourceName = "monitors"

    /// - Parameters:
    ///   - handlers: by event type.
    ///   - sampleSink: where measured values go as samples (nil: nowhere).
    ///   - reraiseEvery: how often a lasting condition is raised again (nil: only when it begins and ends).
    ///   - now: the clock re-raising is measured on (tests move it).
    public init(
        monitors: [any Monitor], handlers: [String: [any EventHandler]], queue: EventQueue,
        sampleSink: (any SampleSink)?, context: @escaping @Sendable () -> MonitorContext, logger: Logger,
        reraiseEvery: Duration? = nil, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        for monitor in monitors where items[monitor.type] == nil {
            items[monitor.type] = MonitorItem(monitor)
            order.append(monitor.type)
        }
        self.handlers = handlers
        self.queue = queue
        self.sampleSink = sampleSink
        self.makeContext = context
        self.logger = logger
        self.reraiseEvery = reraiseEvery
        self.now = now
    }

    /// The item registered for `type`, to enable, disable or inspect at run time.
    public func item(_ type: String) -> MonitorItem? { items[type] }

    /// Registered types, in registration order.
    public var types: [String] { order }

    public func run() async throws {
        let items = order.compactMap { self.items[$0] }
        for item in items { try? await item.transition(to: .running) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.dispatchEvents() }
            await withTaskGroup(of: Void.self) { checks in
                for item in items {
                    checks.addTask { await self.checkLoop(item) }
                }
            }
            for item in items { try? await item.transition(to: .stopped) }
            queue.close()
        }
    }

    private func checkLoop(_ item: MonitorItem) async {
        let cycle = item.monitor.cycle
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            if await item.shouldCheck {
                await runCheck(item.monitor)
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: cycle) }
            } catch {
                return
            }
        }
    }

    /// Runs one check now and queues what it raised. Checks read /proc and may block, so they run on the
    /// poll threads rather than the cooperative pool.
    public func runCheck(_ monitor: any Monitor) async {
        let context = makeContext()
        let outcome = await Task(executorPreference: BlockingExecutor.shared) {
            await monitor.check(context)
        }.value
        let events: [Event]
        switch monitor.raises {
        case .occurrences:
            events = outcome.events
        case .conditions:
            var tracker = trackers[monitor.type] ?? ConditionTracker(reraiseEvery: reraiseEvery)
            events = tracker.changes(outcome, type: monitor.type, host: context.host, time: context.time, now: now())
            trackers[monitor.type] = tracker
        }
        for event in events where !queue.put(event) {
            noteDropped(event)
        }
        if !outcome.samples.isEmpty, let sampleSink {
            await sampleSink.accept(outcome.samples, source: MonitorSupervisor.sourceName)
        }
        if let failure = outcome.failure {
            if failures[monitor.type] != failure {
                logger.error("monitor check failed", metadata: ["monitor": "\(monitor.type)", "error": "\(failure)"])
            }
            failures[monitor.type] = failure
        } else {
            failures[monitor.type] = nil
        }
    }

    /// Counts a dropped event and logs at most once every 10 seconds, with how many went since.
    private func noteDropped(_ event: Event) {
        Counter(label: "virtmon_events_dropped_total", dimensions: [("type", event.type)]).increment()
        droppedSinceLog += 1
        let now = ContinuousClock.now
        if let last = lastDropLog, now - last < .seconds(10) { return }
        logger.warning("event queue full: events dropped",
                       metadata: ["dropped": "\(droppedSinceLog)", "dropped_total": "\(queue.dropped)",
                                  "capacity": "\(queue.capacity)", "last_type": "\(event.type)"])
        droppedSinceLog = 0
        lastDropLog = now
    }

    private func dispatchEvents() async {
        for await event in queue.events {
            if let registered = handlers[event.type], !registered.isEmpty {
                for handler in registered { await handler.handle(event) }
            } else if event.level >= .error {
                logger.log(level: event.level == .fatal ? .critical : .error, "\(event.message)",
                           metadata: ["event": "\(event.type)", "level": "\(event.level)",
                                      "resource": "\(event.resource)"])
            }
        }
    }
}
