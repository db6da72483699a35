import Foundation

/// The kernel's count of datagrams dropped on a UDP socket because its receive buffer was full: the last
/// column ("drops") of the socket's line in /proc/net/udp and /proc/net/udp6, found by local port.
public enum UDPSocketDrops {
    /// Drops on sockets bound to `port`, or nil where /proc does not say (not Linux, or no such socket).
    public static func count(port: Int, procRoot: String = "/proc") -> Int? {
        var total: Int?
        let wanted = String(format: ":%04X", port)
        for file in ["net/udp", "net/udp6"] {
            guard let text = try? String(contentsOfFile: "\(procRoot)/\(file)", encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count >= 13, fields[1].hasSuffix(wanted), let drops = Int(fields[fields.count - 1]) else { continue }
                total = (total ?? 0) + drops
            }
        }
        return total
    }
}
