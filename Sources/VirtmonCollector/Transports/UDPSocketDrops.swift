import Foundation

/// The kernel's count of datagrams dropped on a UDP socket because its receive buffer was full: the last
/// column ("drops") of the socket's line in /proc/net/udp and /proc/net/udp6, found by local port.
public enum UDPSocketDrops {
    /// Drops on sockets bound to `port`, or nil where /proc does not say (not Linux, or no such socket).
    public static func count(port: Int, procRoot: String = "/proc") -> Int? {
        let drops = ProcNetSockets.rows(port: port, udp: true, procRoot: procRoot).compactMap { $0.count >= 13 ? Int($0[$0.count - 1]) : nil }
        return drops.isEmpty ? nil : drops.reduce(0, +)
    }
}
