import Foundation
import Logging
import Synchronization
import Testing
import VirtmonModel
@testable import VirtmonAgent

/// A threshold check whose breached resources the test sets before each run.
final class ThresholdMonitor: Monitor {
    let type = "threshold"
    let cycle = Duration.seconds(10)
    let level = EventLevel.error
    let breached = Mutex<[String]>([])
    let failing = Mutex(false)

    func check(_ context: MonitorContext) async -> MonitorOutcome {
        if failing.withLock({ $0 }) { return MonitorOutcome(failure: "cannot read /proc/meminfo") }
        return MonitorOutcome(events: breached.withLock { $0 }.map {
            Event(time: context.time, type: type, level: level, host: context.host, resource: $0, message: "\($0) over the limit")
        })
    }
}

@Suite struct ConditionTrackerTests {
    let start = ContinuousClock.now
    let startTime = Date(timeIntervalSince1970: 1_800_000_000)

    func outcome(_ resources: [String], at seconds: Int) -> MonitorOutcome {
        MonitorOutcome(events: resources.map {
            Event(time: startTime + TimeInterval(seconds), type: "t", level: .error, host: "h", resource: $0, message: "\($0) high")
        })
    }

    func changes(_ tracker: inout ConditionTracker, _ outcome: MonitorOutcome, at seconds: Int) -> [Event] {
        tracker.changes(outcome, type: "t", host: "h", time: startTime + TimeInterval(seconds), now: start + .seconds(seconds))
    }

    @Test func aLastingBreachIsRaisedOnceAndItsEndOnce() {
        var tracker = ConditionTracker(reraiseEvery: nil)
        var raised: [Event] = []
        for second in stride(from: 0, to: 50, by: 10) { raised += changes(&tracker, outcome(["vm1"], at: second), at: second) }
        #expect(raised.count == 1 && raised[0].level == .error && raised[0].message == "vm1 high")
        let recovered = changes(&tracker, outcome([], at: 50), at: 50)
        #expect(recovered.count == 1)
        #expect(recovered.first?.level == .info && recovered.first?.resource == "vm1")
        #expect(recovered.first?.message == "t recovered on vm1 after 50 s")
        #expect(recovered.first?.details["breached_seconds"] == .number(50) && recovered.first?.details["recovered"] == .bool(true))
        #expect(changes(&tracker, outcome([], at: 60), at: 60).isEmpty, "recovered once")
        #expect(changes(&tracker, outcome(["vm1"], at: 70), at: 70).count == 1, "a new breach is raised again")
    }

    @Test func reRaisedEveryIntervalWhileItLasts() {
        var tracker = ConditionTracker(reraiseEvery: .seconds(30))
        let times = [0, 10, 20, 30, 40, 59, 60]
        let raised = times.map { changes(&tracker, outcome(["vm1"], at: $0), at: $0).count }
        #expect(raised == [1, 0, 0, 1, 0, 0, 1])
        let again = changes(&tracker, outcome(["vm1"], at: 90), at: 90)
        #expect(again.first?.message.hasSuffix("(still, since \(WireTimestamp.format(startTime)))") == true, "\(again)")
        #expect(again.first?.details["breached_since"] == .string(WireTimestamp.format(startTime)))
    }

    @Test func resourcesAreTrackedApartAndAFailedCheckChangesNothing() {
        var tracker = ConditionTracker(reraiseEvery: nil)
        #expect(changes(&tracker, outcome(["a", "b"], at: 0), at: 0).map(\.resource) == ["a", "b"])
        #expect(changes(&tracker, MonitorOutcome(failure: "no /proc"), at: 10).isEmpty, "no recovery from a check that did not run")
        #expect(tracker.breached == ["a", "b"])
        let changed = changes(&tracker, outcome(["b", "c"], at: 20), at: 20)
        #expect(changed.map(\.resource) == ["c", "a"] && changed.map(\.level) == [.error, .info])
    }

    @Test func theSupervisorRaisesChangesOfConditionsAndEveryOccurrence() async throws {
        let threshold = ThresholdMonitor()
        let occurrences = NoisyMonitor(type: "noisy")
        let clock = Mutex(start)
        let queue = EventQueue(capacity: 100)
        // Checks are run by hand, not on their cycles, and the queue is read directly: no timing involved.
        let supervisor = MonitorSupervisor(
            monitors: [threshold, occurrences], handlers: [:], queue: queue, sampleSink: nil,
            context: { MonitorContext(host: "h") }, logger: Logger(label: "test"), reraiseEvery: .seconds(60),
            now: { clock.withLock { $0 } })
        threshold.breached.withLock { $0 = ["vm1"] }
        for _ in 0..<4 {
            await supervisor.runCheck(threshold)
            await supervisor.runCheck(occurrences)
            clock.withLock { $0 += .seconds(20) }
        }
        await supervisor.runCheck(threshold)  // 80 s after the breach began: raised again
        threshold.failing.withLock { $0 = true }
        await supervisor.runCheck(threshold)
        threshold.failing.withLock { $0 = false }
        threshold.breached.withLock { $0 = [] }
        await supervisor.runCheck(threshold)
        queue.close()
        var events: [Event] = []
        for await event in queue.events { events.append(event) }
        let conditions = events.filter { $0.type == "threshold" }
        #expect(conditions.map(\.level) == [.error, .error, .info], "\(conditions.map(\.message))")
        #expect(conditions[safe: 1]?.message.contains("(still, since") == true)
        #expect(events.filter { $0.type == "noisy" }.count == 4, "occurrences are all raised")
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
