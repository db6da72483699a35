import Foundation
import VirtmonModel

/// Where alarms and their history are kept, so that they survive restarts. Every store implements it: the
/// chunk backends in tables of their own (`AlarmSQL`), the in-memory stores in memory.
///
/// Implementation requirements: `saveAlarm` and `deleteAlarm` change the alarm and append the history row in
/// one transaction (a history without its change, or the reverse, must not be seen after a crash); history
/// answers newest first and outlives the alarm it describes.
public protocol AlarmStore: Sendable {
    /// Every alarm, or those of one project, ordered by id.
    func alarms(project: String?) async throws -> [Alarm]
    func alarm(id: String) async throws -> Alarm?
    /// Creates or replaces the alarm, appending `changes` (none, or a rule change and a state transition) to
    /// the history and `outbox` to the notifications waiting for delivery, all in one transaction: a
    /// transition is never stored without its notifications, nor the reverse.
    func saveAlarm(_ alarm: Alarm, changes: [AlarmChange], outbox: [OutboxEntry]) async throws
    /// Saves as `saveAlarm` does only while the stored alarm still equals `expected`, checked and written in one
    /// transaction; false, with nothing written, when another writer changed it first. Collectors of a fleet
    /// each evaluate an alarm on the batches they stored: this is how only one of them records a transition
    /// (and notifies). Stores with one writer process may check and save in two steps (the default).
    func saveAlarm(_ alarm: Alarm, ifStill expected: Alarm, changes: [AlarmChange], outbox: [OutboxEntry]) async throws -> Bool
    /// Deletes the alarm and appends `change`; false when there was no such alarm (nothing is appended).
    func deleteAlarm(id: String, change: AlarmChange) async throws -> Bool
    /// History, newest first: of one alarm, of one project's alarms, or all, at most `limit` rows.
    func alarmHistory(alarmID: String?, project: String?, limit: Int) async throws -> [AlarmChange]
    /// Notifications not yet delivered, oldest first.
    func outbox(limit: Int) async throws -> [OutboxEntry]
    /// Removes a delivered (or abandoned) notification.
    func removeFromOutbox(id: String) async throws
}

extension AlarmStore {
    /// A save that queues no notification.
    public func saveAlarm(_ alarm: Alarm, changes: [AlarmChange]) async throws {
        try await saveAlarm(alarm, changes: changes, outbox: [])
    }

    /// The check and the save as two steps: enough where one process writes alarms and its evaluator is an actor.
    public func saveAlarm(_ alarm: Alarm, ifStill expected: Alarm, changes: [AlarmChange], outbox: [OutboxEntry]) async throws -> Bool {
        guard try await self.alarm(id: expected.id) == expected else { return false }
        try await saveAlarm(alarm, changes: changes, outbox: outbox)
        return true
    }
}

/// A notification kept until it is delivered, so that a restart between a transition and its delivery
/// loses nothing. `body` is the notifier's own JSON of it.
public struct OutboxEntry: Sendable, Equatable {
    public var id: String
    public var created: Date
    public var body: String

    public init(id: String = UUID().uuidString.lowercased(), created: Date, body: String) {
        self.id = id
        self.created = created
        self.body = body
    }
}
