import Synchronization

/// Whether PostgreSQL is known to be away, so that statements fail at once instead of each waiting out the
/// statement timeout: the writer runs commits one after another, and with the server gone every queued POST
/// would otherwise wait its turn times 5 s before hearing 503, long past the agent's own request timeout.
/// While the server is away one statement at a time is let through as a probe, at most once per
/// `probeInterval`; the first that succeeds ends the outage.
final class PostgresOutage: Sendable {
    struct State {
        var since: ContinuousClock.Instant
        var reason: String
        var nextProbe: ContinuousClock.Instant
    }

    /// True inside a statement that was admitted, for the statements it runs in turn.
    @TaskLocal static var inside = false

    /// How often a statement is let through to find out whether the server is back.
    let probeInterval: Duration
    private let state = Mutex<State?>(nil)

    init(probeInterval: Duration = .milliseconds(500)) {
        self.probeInterval = probeInterval
    }

    /// Nil when a statement may go to the server (no outage, or this one is the probe); otherwise why not,
    /// for the refusal.
    func admit(now: ContinuousClock.Instant = .now) -> String? {
        state.withLock { state in
            guard var current = state else { return nil }
            if now >= current.nextProbe {
                current.nextProbe = now + probeInterval
                state = current
                return nil
            }
            let away = now - current.since
            return "unreachable for \(away.components.seconds) s (\(current.reason)); refused without waiting, the next try is within \(probeInterval)"
        }
    }

    /// Records a statement that failed because the server was away; true when this began the outage.
    @discardableResult
    func failed(_ reason: String, now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { state in
            if var current = state {
                current.reason = reason
                state = current
                return false
            }
            state = State(since: now, reason: reason, nextProbe: now + probeInterval)
            return true
        }
    }

    /// Records a statement that reached the server; how long the outage lasted when this ended one.
    func succeeded(now: ContinuousClock.Instant = .now) -> Duration? {
        state.withLock { state in
            guard let current = state else { return nil }
            state = nil
            return now - current.since
        }
    }
}
