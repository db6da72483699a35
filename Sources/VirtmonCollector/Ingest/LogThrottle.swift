import Foundation
import Synchronization

/// Decides whether a repeated message is logged now: at most once per interval per key, counting what it
/// held back so the next line can say how many.
public final class LogThrottle: Sendable {
    private let entries = Mutex([String: (time: Date, suppressed: Int)]())
    private let interval: TimeInterval

    public init(interval: TimeInterval = 10) {
        self.interval = interval
    }

    /// Whether to log `key` now, and how many were held back since it was last logged.
    public func shouldLog(_ key: String, now: Date = Date()) -> (log: Bool, suppressed: Int) {
        entries.withLock { entries in
            if let entry = entries[key], now.timeIntervalSince(entry.time) < interval {
                entries[key] = (entry.time, entry.suppressed + 1)
                return (false, 0)
            }
            let suppressed = entries[key]?.suppressed ?? 0
            entries[key] = (now, 0)
            return (true, suppressed)
        }
    }
}
