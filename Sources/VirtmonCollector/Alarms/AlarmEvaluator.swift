import Foundation
import Logging
import Metrics
import ServiceLifecycle
import VirtmonModel
import VirtmonStorage
import VirtmonTelemetry

/// Evaluates alarms as samples arrive: a committed batch that touches an alarm's meter gets the alarm
/// evaluated at once (coalesced: at most once a second per alarm), and every `interval` all enabled alarms
/// are evaluated for the transitions no sample brings (data that stopped coming, a time constraint's window).
/// Event alarms fire as a matching event is committed. Runs on the store directly, not over HTTP.
///
/// Transitions are written with their history row; notifications go to `AlarmNotifier`.
public actor AlarmEvaluator: Service {
    /// What a commit hands over: the meters it touched (with the resources they were of) and the events it stored.
    public struct Trigger: Sendable {
        public var meters: [String: Set<String>]
        public var events: [Event]
        /// An alarm was created, changed or deleted through the API: read them again.
        public var alarmsChanged = false
    }

    private let storage: any Storage
    private let notifier: AlarmNotifier
    private let interval: Duration
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let metrics: SelfMetrics
    private let triggers: AsyncStream<Trigger>
    private let continuation: AsyncStream<Trigger>.Continuation
    /// Meters (and their resources) touched since the last pass.
    private var pending: [String: Set<String>] = [:]
    private var lastEvaluated: [String: ContinuousClock.Instant] = [:]
    private var evaluations = 0
    /// The alarms as last read from the store: read again when the API changes one, and on every timer pass
    /// (for changes another collector made), so a batch does not decode every alarm.
    private var cache: [Alarm]?
    /// Whether this collector runs the timed passes: in a fleet on one database only the member holding the
    /// housekeeping duty does, so that a pass runs once across the fleet (a batch's alarms are evaluated by
    /// the collector that stored it).
    private let onDuty: @Sendable () -> Bool

    public init(storage: any Storage, notifier: AlarmNotifier, interval: Duration = .seconds(10),
                now: @escaping @Sendable () -> Date = { Date() }, metrics: SelfMetrics = SelfMetrics(), logger: Logger,
                onDuty: @escaping @Sendable () -> Bool = { true }) {
        self.onDuty = onDuty
        self.metrics = metrics
        self.storage = storage
        self.notifier = notifier
        self.interval = interval
        self.now = now
        self.logger = logger
        (triggers, continuation) = AsyncStream.makeStream(of: Trigger.self, bufferingPolicy: .bufferingNewest(10_000))
    }

    /// Called by the ingest path after a commit; returns at once.
    public nonisolated func committed(_ samples: [Sample], events: [Event]) {
        guard !samples.isEmpty || !events.isEmpty else { return }
        var meters: [String: Set<String>] = [:]
        for sample in samples { meters[sample.name, default: []].insert(sample.resourceID) }
        continuation.yield(Trigger(meters: meters, events: events))
    }

    /// Called by the API after it created, changed or deleted an alarm; returns at once.
    public nonisolated func alarmsChanged() {
        continuation.yield(Trigger(meters: [:], events: [], alarmsChanged: true))
    }

    private func alarms(fresh: Bool = false) async throws -> [Alarm] {
        if !fresh, let cache { return cache }
        let alarms = try await storage.alarms(project: nil)
        cache = alarms
        return alarms
    }

    /// Evaluations run so far (for tests and benchmarks).
    public var evaluationCount: Int { evaluations }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await trigger in self.triggers { await self.accept(trigger) }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(200))
                        await self.evaluatePending()
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        if self.onDuty() { await self.evaluateAll() } else { await self.forgetAlarms() }
                        try? await Task.sleep(for: self.interval)
                    }
                }
            }
        }
    }

    /// Off duty the timer still drops the cached alarms, so that edits made through another collector apply here.
    private func forgetAlarms() {
        cache = nil
    }

    private func accept(_ trigger: Trigger) async {
        if trigger.alarmsChanged { cache = nil }
        pending.merge(trigger.meters) { $0.union($1) }
        if !trigger.events.isEmpty { await eventsArrived(trigger.events) }
        await evaluatePending()
    }

    /// Threshold and composite alarms whose series the batches since touched (their meter, and their
    /// resource when the rule names one), except those evaluated less than a second ago: what touched them
    /// stays pending for the next pass.
    private func evaluatePending() async {
        guard !pending.isEmpty else { return }
        let touched = pending
        pending = [:]
        let alarms: [Alarm]
        do {
            alarms = try await self.alarms()
        } catch {
            logger.error("alarm evaluation cannot read the alarms", metadata: ["error": "\(StorageFailureText.describe(error))"])
            pending.merge(touched) { $0.union($1) }
            return
        }
        let clock = ContinuousClock.now
        for alarm in alarms where alarm.enabled {
            let hits = AlarmEvaluator.series(of: alarm.rule).filter { meter, resource in
                guard let resources = touched[meter] else { return false }
                return resource.map(resources.contains) ?? true
            }
            guard !hits.isEmpty else { continue }
            if let last = lastEvaluated[alarm.id], clock - last < .seconds(1) {
                for (meter, resource) in hits { pending[meter, default: []].formUnion(resource.map { [$0] } ?? touched[meter] ?? []) }
                continue
            }
            await evaluate(alarm)
        }
    }

    /// The series a rule reads: each threshold's meter, with the resource when its query fixes one.
    static func series(of rule: AlarmRule) -> [(meter: String, resource: String?)] {
        let thresholds: [ThresholdRule] = switch rule {
        case .threshold(let threshold): [threshold]
        case .composite(let tree): tree.thresholds
        case .event: []
        }
        return thresholds.map { rule in (rule.meterName, rule.query.first { $0.field == "resource_id" && $0.op == "eq" }?.value) }
    }

    /// Every enabled alarm: the timer's pass.
    public func evaluateAll() async {
        do {
            for alarm in try await alarms(fresh: true) where alarm.enabled { await evaluate(alarm) }
        } catch {
            logger.error("alarm evaluation cannot read the alarms", metadata: ["error": "\(StorageFailureText.describe(error))"])
        }
    }

    /// One alarm now: its rule decides, a change is written, a notification queued.
    public func evaluate(_ alarm: Alarm) async {
        guard alarm.enabled else { return }
        lastEvaluated[alarm.id] = ContinuousClock.now
        evaluations += 1
        Counter(label: "virtmon_alarm_evaluations_total", factory: metrics.factory).increment()
        let time = now()
        // Outside every window of its time constraints an alarm is left as it is (Aodh skips it).
        if !alarm.timeConstraints.isEmpty, !alarm.timeConstraints.contains(where: { $0.contains(time) }) { return }
        do {
            switch alarm.rule {
            case .threshold(let rule):
                let values = try await self.values(rule, at: time)
                guard let decision = ThresholdDecision.decide(rule, values: values, current: alarm.state, repeatActions: alarm.repeatActions)
                else { return }
                await apply(decision.state, reason: decision.reason, reasonData: decision.reasonData, changed: decision.changed, to: alarm, at: time)
            case .composite(let tree):
                let (state, detail) = try await composite(tree, at: time)
                guard state != alarm.state || alarm.repeatActions else { return }
                let verb = state != alarm.state ? "Transition to" : "Remaining as"
                await apply(state, reason: "\(verb) \(state.rawValue) due to composite rule: \(detail)",
                            reasonData: .object(["type": "composite", "composition_form": .string(detail)]),
                            changed: state != alarm.state, to: alarm, at: time)
            case .event:
                return  // events move it, as they are committed
            }
        } catch {
            logger.warning("alarm not evaluated", metadata: ["alarm": "\(alarm.name)", "error": "\(StorageFailureText.describe(error))"])
        }
    }

    /// The statistic of each non-empty period in the window Aodh uses: `period × (evaluation_periods + 1)` back
    /// from now, oldest first.
    func values(_ rule: ThresholdRule, at time: Date) async throws -> [Double] {
        let window = TimeInterval(rule.period * (rule.evaluationPeriods + 1))
        var filters = [
            QueryFilter(.timestamp, .ge, .date(time.addingTimeInterval(-window))), QueryFilter(.timestamp, .lt, .date(time)),
        ]
        for filter in rule.query {
            let field = try QueryField(parsing: filter.field)
            guard let op = QueryOperator(rawValue: filter.op) else { continue }
            filters.append(QueryFilter(field, op, try QueryValue.parse(filter.value, type: filter.type.isEmpty ? nil : filter.type, for: field)))
        }
        let rows = try await storage.statistics(StatisticsQuery(meter: rule.meterName, filters: filters, period: Int64(rule.period)))
        return rows.filter { $0.count > 0 }.sorted { $0.periodStart < $1.periodStart }
            .map { ThresholdDecision.value(of: $0, rule.statistic, period: rule.period) }
    }

    /// A composite tree's state: each threshold leaf as Aodh decides it from insufficient data, then `and`
    /// is alarm when all are and ok when any is ok, `or` the dual; anything else is insufficient data.
    func composite(_ tree: CompositeRule, at time: Date) async throws -> (AlarmState, String) {
        switch tree {
        case .rule(let rule):
            let values = try await self.values(rule, at: time)
            let state = ThresholdDecision.decide(rule, values: values, current: .insufficientData, repeatActions: true)?.state ?? .insufficientData
            return (state, "\(rule.statistic.rawValue)(\(rule.meterName)) \(rule.comparison.symbol) \(ThresholdDecision.format(rule.threshold)) is \(state.rawValue)")
        case .and(let parts), .or(let parts):
            var states: [AlarmState] = []
            var details: [String] = []
            for part in parts {
                let (state, detail) = try await composite(part, at: time)
                states.append(state)
                details.append(detail)
            }
            let isAnd: Bool = if case .and = tree { true } else { false }
            let state: AlarmState
            if isAnd {
                state = states.allSatisfy { $0 == .alarm } ? .alarm : states.contains(.ok) ? .ok : .insufficientData
            } else {
                state = states.contains(.alarm) ? .alarm : states.allSatisfy { $0 == .ok } ? .ok : .insufficientData
            }
            return (state, "(" + details.joined(separator: isAnd ? " and " : " or ") + ")")
        }
    }

    /// Event alarms whose type glob and query match a committed event go to alarm (they never leave it by
    /// themselves).
    private func eventsArrived(_ events: [Event]) async {
        guard let alarms = try? await self.alarms() else { return }
        let time = now()
        for alarm in alarms where alarm.enabled {
            guard case .event(let rule) = alarm.rule else { continue }
            guard let event = events.first(where: { AlarmEvaluator.matches(rule, $0) }) else { continue }
            guard alarm.state != .alarm || alarm.repeatActions else { continue }
            await apply(.alarm, reason: "Event <id=\(event.id),event_type=\(event.type)> hits the query <\(AlarmEvaluator.describe(rule))>.",
                        reasonData: .object(["type": "event", "event": .object([
                            "message_id": .string(event.id), "event_type": .string(event.type), "host": .string(event.host),
                            "resource": .string(event.resource), "level": .string(event.level.rawValue), "message": .string(event.message),
                        ])]),
                        changed: alarm.state != .alarm, to: alarm, at: time)
        }
    }

    static func matches(_ rule: EventRule, _ event: Event) -> Bool {
        guard fnmatch(rule.eventType, event.type, 0) == 0 else { return false }
        return rule.query.allSatisfy { filter in
            let value: String? = switch filter.field {
            case "event_type": event.type
            case "message_id": event.id
            case "host", "traits.host": event.host
            case "resource", "traits.resource": event.resource
            case "level", "traits.level": event.level.rawValue
            default: event.details[filter.field.hasPrefix("traits.") ? String(filter.field.dropFirst(7)) : filter.field].map { value in
                if case .string(let text) = value { return text }
                return String(decoding: WireJSON.encode(value), as: UTF8.self)
            }
            }
            guard let value else { return false }
            return filter.op == "ne" ? value != filter.value : value == filter.value
        }
    }

    static func describe(_ rule: EventRule) -> String {
        rule.query.map { "\($0.field) \($0.op) \($0.value)" }.joined(separator: ", ")
    }

    /// Writes a change (re-reading the alarm so that an edit made meanwhile is kept) together with the
    /// notifications of the state's actions in the store's outbox, then hands those to the notifier.
    private func apply(_ state: AlarmState, reason: String, reasonData: JSONValue, changed: Bool, to alarm: Alarm, at time: Date) async {
        do {
            guard let read = try await storage.alarm(id: alarm.id), read.state == alarm.state, read.enabled else { return }
            var latest = read
            var changes: [AlarmChange] = []
            if changed {
                latest.state = state
                latest.stateTimestamp = time
                latest.stateReason = reason
                let detail: JSONValue = .object([
                    "state": .string(state.rawValue), "transition_reason": .string(reason), "reason_data": reasonData,
                ])
                changes.append(AlarmChange(
                    alarmID: latest.id, kind: .stateTransition, detail: String(decoding: WireJSON.encode(detail), as: UTF8.self),
                    timestamp: time, projectID: latest.projectID, userID: latest.userID, onBehalfOf: latest.projectID))
            }
            let notifications = latest.actions(for: state).map {
                AlarmNotification(alarm: latest, previous: alarm.state, reason: reason, reasonData: reasonData, action: $0, time: time)
            }
            guard !changes.isEmpty || !notifications.isEmpty else { return }
            guard try await storage.saveAlarm(latest, ifStill: read, changes: changes, outbox: notifications.map(\.outboxEntry)) else {
                // Another collector of the fleet (or an edit) changed the alarm since it was read: its write stands,
                // and the next batch or timed pass evaluates the alarm as it is now.
                logger.debug("alarm changed meanwhile; this evaluation is dropped", metadata: ["alarm": "\(alarm.name)"])
                return
            }
            if let index = cache?.firstIndex(where: { $0.id == latest.id }) { cache?[index] = latest }
            if changed {
                Counter(label: "virtmon_alarm_transitions_total", dimensions: [("state", state.rawValue)], factory: metrics.factory).increment()
                logger.info("alarm transition", metadata: ["alarm": "\(latest.name)", "from": "\(alarm.state.rawValue)", "to": "\(state.rawValue)", "reason": "\(reason)"])
            }
            if !notifications.isEmpty { await notifier.enqueue(notifications) }
        } catch {
            logger.error("alarm transition not stored", metadata: ["alarm": "\(alarm.name)", "error": "\(StorageFailureText.describe(error))"])
        }
    }
}
