import Synchronization

/// Failed authentications per client address in a sliding window: past `limit` in `window`, the address is
/// refused every token check (right or wrong) until its oldest failure leaves the window, so that guessing
/// tokens costs a minute per `limit` guesses. Agents are unaffected: they sign batches and send no token.
public final class AuthFailureLimiter: Sendable {
    public let limit: Int
    public let window: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let failures = Mutex<[String: [ContinuousClock.Instant]]>([:])

    /// - Parameter now: the clock (injected by tests).
    public init(limit: Int = 20, window: Duration = .seconds(60), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.limit = limit
        self.window = window
        self.now = now
    }

    /// How long `address` must wait before its next token is checked, or nil when it may go on.
    public func blocked(_ address: String) -> Duration? {
        let instant = now()
        return failures.withLock { table -> Duration? in
            guard var times = table[address] else { return nil }
            times.removeAll { instant - $0 >= window }
            table[address] = times.isEmpty ? nil : times
            guard times.count >= limit, let oldest = times.first else { return nil }
            return window - (instant - oldest)
        }
    }

    /// Records a failed check from `address`.
    public func failed(_ address: String) {
        let instant = now()
        failures.withLock { table in
            // Bounded memory under a spray of addresses: drop those whose failures have all left the window,
            // and if that is not enough, start over (a spray that large is limited by the connection caps anyway).
            if table.count >= 100_000 {
                table = table.filter { !$0.value.isEmpty && instant - $0.value.last! < window }
                if table.count >= 100_000 { table.removeAll() }
            }
            var times = table[address, default: []]
            times.removeAll { instant - $0 >= window }
            times.append(instant)
            if times.count > limit { times.removeFirst(times.count - limit) }
            table[address] = times
        }
    }
}
