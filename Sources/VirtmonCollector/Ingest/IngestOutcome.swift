/// What happened to an accepted batch.
public enum IngestOutcome: Sendable, Equatable {
    /// Committed durably.
    case stored(samples: Int, events: Int)
    /// This (agent, seq) was stored before: a retry or a replay; nothing written again.
    case duplicate
}
