import Foundation
import VirtmonModel

/// What a monitor's events describe: a condition that lasts while it holds (memory over a limit), reported
/// when it starts and when it ends; or an occurrence (a process exited), reported each time it happens.
public enum MonitorEvents: Sendable {
    case conditions
    case occurrences
}

/// Turns a condition monitor's per-check events into changes: an event when a resource's condition begins
/// (ok → breached), an `info` event when it ends (breached → recovered), and in between nothing, or the
/// event again every `reraiseEvery` when that is set. So a breach that lasts an hour hits a webhook once,
/// not once per cycle.
public struct ConditionTracker: Sendable {
    struct Breach: Sendable {
        var since: ContinuousClock.Instant
        var sinceTime: Date
        var lastRaised: ContinuousClock.Instant
    }

    public let reraiseEvery: Duration?
    private var breaches: [String: Breach] = [:]

    public init(reraiseEvery: Duration?) {
        self.reraiseEvery = reraiseEvery
    }

    /// Resources whose condition holds now.
    public var breached: Set<String> { Set(breaches.keys) }

    /// The events to raise for one check that ran (`outcome.failure == nil`): its events are the resources
    /// in breach now. A check that could not run changes nothing (its resources are neither breached nor
    /// recovered by it).
    public mutating func changes(_ outcome: MonitorOutcome, type: String, host: String, time: Date, now: ContinuousClock.Instant) -> [Event] {
        guard outcome.failure == nil else { return [] }
        var raised: [Event] = []
        var current: Set<String> = []
        for var event in outcome.events where current.insert(event.resource).inserted {
            if var breach = breaches[event.resource] {
                guard let every = reraiseEvery, now - breach.lastRaised >= every else { continue }
                breach.lastRaised = now
                breaches[event.resource] = breach
                event.details["breached_since"] = .string(WireTimestamp.format(breach.sinceTime))
                event.message += " (still, since \(WireTimestamp.format(breach.sinceTime)))"
                raised.append(event)
            } else {
                breaches[event.resource] = Breach(since: now, sinceTime: event.time, lastRaised: now)
                raised.append(event)
            }
        }
        for (resource, breach) in breaches.sorted(by: { $0.key < $1.key }) where !current.contains(resource) {
            breaches[resource] = nil
            let seconds = max(0, time.timeIntervalSince(breach.sinceTime))
            raised.append(Event(
                time: time, type: type, level: .info, host: host, resource: resource,
                message: "\(type) recovered on \(resource) after \(Int(seconds.rounded())) s",
                details: ["recovered": .bool(true), "breached_since": .string(WireTimestamp.format(breach.sinceTime)),
                          "breached_seconds": .number(seconds.rounded())]))
        }
        return raised
    }
}
