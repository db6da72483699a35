import Foundation
import Testing
import VirtmonModel
import VirtmonStorage

/// Alarms and their history, the same on every store, and kept across a reopen where the store persists.
@Suite("Alarm store conformance")
struct AlarmStoreConformanceTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000.123456)

    static func alarm(_ id: String, project: String?, state: AlarmState = .insufficientData) -> Alarm {
        Alarm(
            id: id, name: "hot-\(id)", description: "cpu over 90",
            rule: .threshold(ThresholdRule(meterName: "cpu_util", threshold: 90.5, comparison: .gt, statistic: .avg, period: 60,
                                           evaluationPeriods: 3, query: [RuleFilter(field: "resource_id", value: "vm-1")])),
            alarmActions: ["http://127.0.0.1:9/hook"], severity: .critical,
            timeConstraints: [AlarmTimeConstraint(name: "nights", start: "0 23 * * *", duration: 3600, timezone: "Europe/Paris")],
            state: state, stateTimestamp: t0, timestamp: t0, projectID: project, userID: "u1")
    }

    static func change(_ alarm: Alarm, _ kind: AlarmChange.Kind, at seconds: Double) -> AlarmChange {
        AlarmChange(alarmID: alarm.id, kind: kind, detail: "{\"state\": \"alarm\"}", timestamp: t0 + seconds,
                    projectID: alarm.projectID, userID: alarm.userID, onBehalfOf: alarm.projectID)
    }

    @Test("create, replace, list by project, history newest first, delete keeps the history", arguments: StoreKind.available)
    func lifecycle(kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { Task { await cleanup() } }
        let a = Self.alarm("a", project: "p1")
        let b = Self.alarm("b", project: "p2")
        let composite = Alarm(id: "c", name: "both", rule: .composite(.and([.rule(ThresholdRule(meterName: "m", threshold: 1)),
                                                                            .or([.rule(ThresholdRule(meterName: "n", threshold: 2))])])),
                              stateTimestamp: Self.t0, timestamp: Self.t0)
        try await store.saveAlarm(a, changes: [Self.change(a, .creation, at: 0)])
        try await store.saveAlarm(b, changes: [Self.change(b, .creation, at: 1)])
        try await store.saveAlarm(composite, changes: [])
        #expect(try await store.alarms(project: nil).map(\.id) == ["a", "b", "c"])
        #expect(try await store.alarms(project: "p1") == [a])
        #expect(try await store.alarm(id: "c") == composite, "a composite tree comes back as it went in")
        #expect(try await store.alarm(id: "nope") == nil)

        var moved = a
        moved.state = .alarm
        moved.stateReason = "Transition to alarm due to 3 samples outside threshold, most recent: 93.5"
        try await store.saveAlarm(moved, changes: [Self.change(a, .stateTransition, at: 2)])
        #expect(try await store.alarm(id: "a") == moved, "replaced, every field exact (dates included)")

        let history = try await store.alarmHistory(alarmID: "a", project: nil, limit: 100)
        #expect(history.map(\.kind) == [.stateTransition, .creation], "newest first")
        #expect(try await store.alarmHistory(alarmID: nil, project: "p2", limit: 100).map(\.alarmID) == ["b"])
        #expect(try await store.alarmHistory(alarmID: nil, project: nil, limit: 2).count == 2)

        #expect(try await store.deleteAlarm(id: "a", change: Self.change(a, .deletion, at: 3)))
        #expect(try await !store.deleteAlarm(id: "a", change: Self.change(a, .deletion, at: 4)), "a second delete finds nothing")
        #expect(try await store.alarm(id: "a") == nil)
        let after = try await store.alarmHistory(alarmID: "a", project: nil, limit: 100)
        #expect(after.map(\.kind) == [.deletion, .stateTransition, .creation], "one deletion row; history outlives the alarm")
        #expect(after.first?.detail == "{\"state\": \"alarm\"}" && after.first?.timestamp == Self.t0 + 3)
    }

    @Test("notifications wait in the outbox with their transition until removed, oldest first", arguments: StoreKind.available)
    func outbox(kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { Task { await cleanup() } }
        let a = Self.alarm("a", project: nil, state: .alarm)
        let first = OutboxEntry(id: "n1", created: Self.t0, body: "{\"action\": \"http://x\"}")
        let second = OutboxEntry(id: "n2", created: Self.t0 + 1, body: "{}")
        try await store.saveAlarm(a, changes: [Self.change(a, .stateTransition, at: 0)], outbox: [second, first])
        #expect(try await store.outbox(limit: 10) == [first, second])
        #expect(try await store.outbox(limit: 1) == [first])
        try await store.removeFromOutbox(id: "n1")
        try await store.removeFromOutbox(id: "n1")
        #expect(try await store.outbox(limit: 10) == [second])
    }

    @Test("a save that expects the alarm as it was is refused once another writer changed it; of two at once, one wins", arguments: StoreKind.available)
    func conditionalSave(kind: StoreKind) async throws {
        let (store, cleanup) = try await kind.make()
        defer { Task { await cleanup() } }
        let a = Self.alarm("a", project: "p1", state: .ok)
        try await store.saveAlarm(a, changes: [])
        var hot = a
        hot.state = .alarm
        hot.stateTimestamp = Self.t0 + 5
        let firstSaved = try await store.saveAlarm(hot, ifStill: a, changes: [Self.change(a, .stateTransition, at: 5)],
                                                   outbox: [OutboxEntry(id: "n1", created: Self.t0 + 5, body: "{}")])
        #expect(firstSaved)
        // A second evaluator that read the alarm before the first one's write.
        let staleSaved = try await store.saveAlarm(hot, ifStill: a, changes: [Self.change(a, .stateTransition, at: 6)],
                                                   outbox: [OutboxEntry(id: "n2", created: Self.t0 + 6, body: "{}")])
        #expect(!staleSaved, "a save from a stale read was written")
        #expect(try await store.alarm(id: "a") == hot)
        #expect(try await store.alarmHistory(alarmID: "a", project: nil, limit: 10).count == 1)
        #expect(try await store.outbox(limit: 10).map(\.id) == ["n1"])
        // Two collectors of a fleet at the same instant: the database decides (the one-process stores check and
        // save in two steps, which is why they need one writer).
        guard kind == .postgres else { return }
        for round in 0..<5 {
            let from = try #require(try await store.alarm(id: "a"))
            var next = from
            next.state = from.state == .ok ? .alarm : .ok
            next.stateTimestamp = from.stateTimestamp + 10
            let to = next
            async let one = store.saveAlarm(to, ifStill: from, changes: [Self.change(from, .stateTransition, at: Double(20 + round))],
                                            outbox: [OutboxEntry(id: "r\(round)-1", created: Self.t0, body: "{}")])
            async let two = store.saveAlarm(to, ifStill: from, changes: [Self.change(from, .stateTransition, at: Double(20 + round))],
                                            outbox: [OutboxEntry(id: "r\(round)-2", created: Self.t0, body: "{}")])
            let wins = [try await one, try await two].filter { $0 }.count
            #expect(wins == 1, "round \(round): \(wins) of two simultaneous saves from one read were written")
        }
        #expect(try await store.alarmHistory(alarmID: "a", project: nil, limit: 100).count == 6)
        #expect(try await store.outbox(limit: 100).count == 6)
    }

    @Test("alarms survive a reopen", arguments: StoreKind.chunked)
    func survivesReopen(kind: StoreKind) async throws {
        let (store, reopen, cleanup) = try await kind.makeChunked(ChunkStoreOptions())
        defer { Task { await cleanup() } }
        let a = Self.alarm("a", project: nil, state: .ok)
        try await store.saveAlarm(a, changes: [Self.change(a, .creation, at: 0)], outbox: [OutboxEntry(id: "kept", created: Self.t0, body: "{}")])
        await store.close()
        let reopened = try await reopen()
        #expect(try await reopened.alarm(id: "a") == a)
        #expect(try await reopened.alarmHistory(alarmID: "a", project: nil, limit: 10).count == 1)
        #expect(try await reopened.outbox(limit: 10).map(\.id) == ["kept"])
    }
}
