import Foundation
import Logging
import Synchronization
import Testing
import VirtmonCollector
import VirtmonModel
import VirtmonStorage

/// Aodh's decision table on fixed values, and the evaluator on fixed samples with an injected clock.
@Suite("Alarm decisions")
struct ThresholdDecisionTests {
    static let rule = ThresholdRule(meterName: "cpu_util", threshold: 90, comparison: .gt, statistic: .avg, period: 60, evaluationPeriods: 3)

    func decide(_ values: [Double], from state: AlarmState, repeat repeating: Bool = false, rule: ThresholdRule = rule) -> ThresholdDecision? {
        ThresholdDecision.decide(rule, values: values, current: state, repeatActions: repeating)
    }

    @Test func theDecisionTable() {
        let breach = [91.0, 95, 93.5], clear = [10.0, 20, 30], mixedUp = [10.0, 20, 93.5], mixedDown = [95.0, 92, 30]
        // All N periods breach: alarm, from wherever; already in alarm, nothing (or a repeat).
        for from in [AlarmState.insufficientData, .ok] {
            let decision = decide(breach, from: from)
            #expect(decision?.state == .alarm && decision?.changed == true && decision?.notify == true)
            #expect(decision?.reason == "Transition to alarm due to 3 samples outside threshold, most recent: 93.5")
            #expect(decision?.reasonData == .object(["type": "threshold", "disposition": "outside", "count": 3, "most_recent": 93.5]))
        }
        #expect(decide(breach, from: .alarm) == nil)
        #expect(decide(breach, from: .alarm, repeat: true)?.reason == "Remaining as alarm due to 3 samples outside threshold, most recent: 93.5")
        #expect(decide(breach, from: .alarm, repeat: true)?.changed == false)
        // None breach: ok.
        #expect(decide(clear, from: .alarm)?.reason == "Transition to ok due to 3 samples inside threshold, most recent: 30.0")
        #expect(decide(clear, from: .insufficientData)?.state == .ok)
        #expect(decide(clear, from: .ok) == nil)
        // Mixed: out of insufficient data it follows the newest value; a settled state stays.
        #expect(decide(mixedUp, from: .insufficientData)?.state == .alarm)
        #expect(decide(mixedUp, from: .insufficientData)?.reason == "Transition to alarm due to 1 samples outside threshold, most recent: 93.5")
        #expect(decide(mixedDown, from: .insufficientData)?.state == .ok)
        #expect(decide(mixedUp, from: .ok) == nil && decide(mixedDown, from: .alarm) == nil)
        #expect(decide(mixedDown, from: .alarm, repeat: true)?.state == .alarm)
        // Fewer than N periods: insufficient data, once.
        let short = decide([95, 96], from: .alarm)
        #expect(short?.state == .insufficientData && short?.reason == "1 datapoints are unknown")
        #expect(short?.reasonData == .object(["type": "threshold", "disposition": "unknown", "count": 1, "most_recent": .null]))
        #expect(decide([], from: .ok)?.reason == "3 datapoints are unknown")
        #expect(decide([95], from: .insufficientData) == nil)
        // Only the newest N count.
        #expect(decide([10, 10, 95, 96, 97], from: .ok)?.state == .alarm)
    }

    @Test func outliersAreLeftOutWhenAsked() {
        var rule = Self.rule
        rule.evaluationPeriods = 5
        rule.excludeOutliers = true
        let values = [10.0, 11, 9, 10, 12, 10, 1000]
        #expect(decide(values, from: .insufficientData, rule: rule)?.state == .ok, "1000 is an outlier, the rest is inside")
        rule.excludeOutliers = false
        #expect(decide(values, from: .insufficientData, rule: rule)?.state == .alarm, "counted, the newest breaches")
    }

    @Test func timeConstraintsAndCron() throws {
        let nights = AlarmTimeConstraint(name: "nights", start: "0 23 * * *", duration: 3 * 3600, timezone: "UTC")
        let day = { (hour: Int, minute: Int) in Date(timeIntervalSince1970: 1_800_000_000 - 1_800_000_000.truncatingRemainder(dividingBy: 86_400) + Double(hour * 3600 + minute * 60)) }
        #expect(nights.contains(day(23, 30)) && nights.contains(day(1, 59)) && !nights.contains(day(2, 0)) && !nights.contains(day(22, 59)))
        let paris = AlarmTimeConstraint(name: "p", start: "0 9 * * 1-5", duration: 3600, timezone: "Europe/Paris")
        // 1_800_000_000 falls on a Friday in January, when Paris is UTC+1: 08:30 UTC is 09:30 there.
        #expect(paris.contains(day(8, 30)) && !paris.contains(day(7, 30)))
        #expect(CronExpression("*/15 0-6,22 1 * *") != nil && CronExpression("61 * * * *") == nil && CronExpression("* * *") == nil)
    }

    @Test("the evaluator on stored samples: periods, insufficient data, transitions once, disabled untouched")
    func evaluatorOnSamples() async throws {
        let storage = MemoryStorage()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        func post(_ values: [Double], from minute: Int) async throws {
            let samples = values.enumerated().map { index, value in
                Sample(name: "cpu_util", type: .gauge, unit: "%", volume: value, resourceID: "vm-1",
                       timestamp: start.addingTimeInterval(Double((minute + index) * 60 + 30)))
            }
            _ = try await storage.commit(IngestBatch(samples: samples, receivedAt: start))
        }
        let clock = ClockBox(start)
        let notifier = AlarmNotifier(logger: Logger(label: "test"))
        let evaluator = AlarmEvaluator(storage: storage, notifier: notifier, now: { clock.now }, logger: Logger(label: "test"))
        let alarm = Alarm(id: "hot", name: "hot", rule: .threshold(Self.rule), alarmActions: ["log://"], stateTimestamp: start, timestamp: start)
        try await storage.saveAlarm(alarm, changes: [])
        var disabled = alarm
        disabled.id = "off"
        disabled.enabled = false
        try await storage.saveAlarm(disabled, changes: [])
        func evaluate(at minute: Int) async throws -> Alarm {
            clock.now = start.addingTimeInterval(Double(minute * 60))
            for alarm in try await storage.alarms(project: nil) { await evaluator.evaluate(alarm) }
            return try #require(try await storage.alarm(id: "hot"))
        }
        try await post([95, 96], from: 0)
        #expect(try await evaluate(at: 2).state == .insufficientData, "two periods of three")
        try await post([97], from: 2)
        let hot = try await evaluate(at: 3)
        #expect(hot.state == .alarm && hot.stateReason == "Transition to alarm due to 3 samples outside threshold, most recent: 97.0", "\(hot.stateReason)")
        #expect(try await evaluate(at: 3).stateTimestamp == hot.stateTimestamp, "no second transition")
        try await post([10, 11, 12], from: 3)
        #expect(try await evaluate(at: 6).state == .ok)
        #expect(try await evaluate(at: 20).state == .insufficientData, "the data stopped: the window is empty")
        let history = try await storage.alarmHistory(alarmID: "hot", project: nil, limit: 10).map(\.detail)
        #expect(history.count == 3 && history[0].contains("insufficient data") && history[1].contains("\"ok\"") && history[2].contains("\"alarm\""))
        #expect(try await storage.alarm(id: "off")?.state == .insufficientData, "a disabled alarm is not evaluated")
        #expect(await notifier.pending == 1, "log:// on the alarm transition only: the ok and insufficient-data lists are empty")
    }
}

/// A settable clock for the evaluator.
final class ClockBox: Sendable {
    private let value: Mutex<Date>
    init(_ date: Date) { value = Mutex(date) }
    var now: Date {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
