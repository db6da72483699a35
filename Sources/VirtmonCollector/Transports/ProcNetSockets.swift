import Foundation

/// The kernel's socket tables, /proc/net/{tcp,tcp6,udp,udp6}: one row of whitespace-separated fields per
/// socket (1: local address:port in hex, 3: state, 9: inode, last for UDP: drops).
public enum ProcNetSockets {
    /// Rows of sockets whose local port is `port`, from `tcp` or `udp` (both IPv4 and IPv6 tables).
    public static func rows(port: Int, udp: Bool, procRoot: String = "/proc") -> [[Substring]] {
        let wanted = String(format: ":%04X", port)
        var rows: [[Substring]] = []
        for file in udp ? ["net/udp", "net/udp6"] : ["net/tcp", "net/tcp6"] {
            guard let text = try? String(contentsOfFile: "\(procRoot)/\(file)", encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                if fields.count > 9, fields[1].hasSuffix(wanted) { rows.append(fields) }
            }
        }
        return rows
    }
}
