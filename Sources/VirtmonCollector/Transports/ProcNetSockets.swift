import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The kernel's socket tables, /proc/net/{tcp,tcp6,udp,udp6}: one row of whitespace-separated fields per
/// socket (1: local address:port in hex, 3: state, 9: inode, last for UDP: drops).
public enum ProcNetSockets {
    /// Rows of sockets whose local port is `port`, from `tcp` or `udp` (both IPv4 and IPv6 tables).
    ///
    /// The kernel walks these tables by position between reads, so a socket closed elsewhere while the file is
    /// read a page at a time shifts the rest and a row can be skipped (seen on a busy CI machine: a bound
    /// socket missing from the table). Each table is therefore read in one large read, and read again, up to
    /// three times, while the port is not found.
    public static func rows(port: Int, udp: Bool, procRoot: String = "/proc") -> [[Substring]] {
        let wanted = String(format: ":%04X", port)
        for _ in 0..<3 {
            var rows: [[Substring]] = []
            for file in udp ? ["net/udp", "net/udp6"] : ["net/tcp", "net/tcp6"] {
                guard let text = readWhole("\(procRoot)/\(file)") else { continue }
                for line in text.split(separator: "\n").dropFirst() {
                    let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                    if fields.count > 9, fields[1].hasSuffix(wanted) { rows.append(fields) }
                }
            }
            if !rows.isEmpty { return rows }
        }
        return []
    }

    /// The file's text, read in 1 MiB read(2) calls (one, for any socket table a host has) until its end.
    static func readWhole(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 { if errno == EINTR { continue }; return nil }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
