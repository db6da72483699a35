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
    /// the history.
    func saveAlarm(_ alarm: Alarm, changes: [AlarmChange]) async throws
    /// Deletes the alarm and appends `change`; false when there was no such alarm (nothing is appended).
    func deleteAlarm(id: String, change: AlarmChange) async throws -> Bool
    /// History, newest first: of one alarm, of one project's alarms, or all, at most `limit` rows.
    func alarmHistory(alarmID: String?, project: String?, limit: Int) async throws -> [AlarmChange]
}
