import Synchronization

/// Open connections per client address, and what the guards closed, shared by every connection's
/// `ConnectionGuard` (which run on different event loops, hence the lock).
public final class ConnectionLedger: Sendable {
    public enum Closed: String, Sendable, CaseIterable {
        case perAddress = "per_address_limit"
        case headerTimeout = "header_timeout"
        case idleTimeout = "idle_timeout"
        case bodyTimeout = "body_timeout"
        case writeStall = "write_stall"
    }

    public struct Snapshot: Sendable, Equatable {
        public var open = 0
        public var closed: [Closed: Int] = [:]
    }

    private struct State {
        var byAddress: [String: Int] = [:]
        var snapshot = Snapshot()
    }

    private let state = Mutex(State())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0.snapshot } }

    /// Counts a new connection from `address`; false when that address is at `limit` (nothing counted).
    func open(_ address: String, limit: Int) -> Bool {
        state.withLock { state in
            let held = state.byAddress[address] ?? 0
            guard held < limit else {
                state.snapshot.closed[.perAddress, default: 0] += 1
                return false
            }
            state.byAddress[address] = held + 1
            state.snapshot.open += 1
            return true
        }
    }

    func close(_ address: String) {
        state.withLock { state in
            guard let held = state.byAddress[address] else { return }
            state.byAddress[address] = held > 1 ? held - 1 : nil
            state.snapshot.open -= 1
        }
    }

    func closed(_ why: Closed) {
        state.withLock { $0.snapshot.closed[why, default: 0] += 1 }
    }
}
