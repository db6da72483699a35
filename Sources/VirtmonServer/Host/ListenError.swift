import Foundation
import NIOCore
import VirtmonCollector

/// A listener that could not bind, with the address and, where /proc tells, the process holding it — in place
/// of NIO's `bind(descriptor:ptr:bytes:): Address already in use (errno: 98)`.
public struct ListenError: Error, CustomStringConvertible {
    public var description: String

    /// The error a failed service group ended with, named for `address` when it is a bind failure.
    static func describe(_ error: any Error, listen: CollectorConfig.Endpoint, udp: CollectorConfig.Endpoint?) -> any Error {
        guard let io = error as? IOError, io.errnoCode == EADDRINUSE || io.errnoCode == EACCES || io.errnoCode == EADDRNOTAVAIL else { return error }
        // NIO's error does not say which listener failed: the HTTP port when another process holds it, else UDP's.
        let httpHolder = ListenError.inUse(port: listen.port, udp: false)
        let (address, holder): (CollectorConfig.Endpoint, String?) =
            httpHolder == nil && udp != nil ? (udp!, ListenError.inUse(port: udp!.port, udp: true)) : (listen, httpHolder)
        switch io.errnoCode {
        case EADDRINUSE:
            let holder = holder.map { " by \($0)" } ?? ""
            return ListenError(description: "cannot listen on \(address): the address is in use\(holder); stop that process or choose another address (--listen / collector.listen)")
        case EACCES:
            return ListenError(description: "cannot listen on \(address): permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)")
        default:
            return ListenError(description: "cannot listen on \(address): no interface of this host has that address")
        }
    }

    /// The other process listening on `port`, as "pid 4242 (virtmon up)", found through /proc/net and the
    /// processes' open sockets; nil when none is found (this process, another user's, not Linux).
    static func inUse(port: Int, udp: Bool) -> String? {
        // A TCP listener is in state 0A (LISTEN); a UDP socket bound to the port is its holder.
        let inodes = Set(ProcNetSockets.rows(port: port, udp: udp).filter { udp || $0[3] == "0A" }.map { "socket:[\($0[9])]" })
        guard !inodes.isEmpty, let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for pid in pids where pid.allSatisfy(\.isNumber) && pid != "\(getpid())" {
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { continue }
            for fd in fds {
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"), inodes.contains(target) else { continue }
                let command = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")))
                    .map { String(decoding: $0.prefix(200).map { $0 == 0 ? 32 : $0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces) } ?? ""
                return "pid \(pid)" + (command.isEmpty ? "" : " (\(command))")
            }
        }
        return nil
    }
}
