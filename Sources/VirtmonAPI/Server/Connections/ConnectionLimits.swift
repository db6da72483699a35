import Foundation

/// Bounds on the collector's HTTP connections, so that clients that connect and never finish (or never
/// read) cannot take the descriptors and memory agents need.
public struct ConnectionLimits: Sendable, Equatable {
    /// Open connections at once; at the bound new ones wait in the kernel's backlog (nothing spins). Lowered
    /// at start to the descriptor limit less a reserve for files and the database.
    public var maxConnections = 4096
    /// Open connections from one client address; beyond it a new one is closed at once. Agents connect from
    /// their own hosts, so one address flooding the collector does not lock them out.
    public var maxPerAddress = 256
    /// From connecting to a complete first request head.
    public var headerTimeout: TimeInterval = 10
    /// A kept-alive connection with no request under way is closed after this long.
    public var idleTimeout: TimeInterval = 120
    /// From a request head to the end of its body.
    public var bodyTimeout: TimeInterval = 60
    /// A response the client does not read for this long is abandoned and the connection closed.
    public var writeStallTimeout: TimeInterval = 30
    /// Longest a query handler may take before the client is answered 503.
    public var requestTimeout: TimeInterval = 60

    public init() {}

    /// Raises the process's soft descriptor limit to its hard limit and fits `maxConnections` under it,
    /// keeping `reserve` descriptors for everything that is not a client connection.
    public mutating func fitDescriptorLimit(reserve: Int = 256) -> (descriptors: Int, connections: Int) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return (0, maxConnections) }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        let descriptors = Int(clamping: limit.rlim_cur)
        maxConnections = max(16, min(maxConnections, descriptors - reserve))
        return (descriptors, maxConnections)
    }
}
