import Foundation
import VirtmonModel
import VirtmonThreads

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends each batch as one datagram (`virtmon/1 SIGNATURE\n` + body) on a connected UDP socket.
///
/// A connected socket gets the ICMP "port unreachable" a closed port answers with as a pending socket error;
/// on loopback and near hosts it is there within milliseconds, so after each send the transport waits briefly
/// for one, and a batch to a receiver that is down stays in the spool. UDP gives no acknowledgement beyond
/// that: it is the best-effort path, HTTP the reliable one.
public actor UDPTransport: BatchTransport {
    /// Name lookups and sends block: this actor runs on a thread of its own, never on the cooperative pool.
    private let executor = SerialThreadExecutor(name: "vm-udp")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    public nonisolated let target: String
    /// The largest UDP payload over IPv4, less room for the frame's header line.
    public nonisolated let maxBodyBytes: Int? = 65_507 - 80
    private let host: String
    private let port: UInt16
    private let errorWait: Int32
    private var socketFD: Int32 = -1

    /// - Parameter errorWaitMilliseconds: how long to wait after a send for an ICMP error.
    public init(host: String, port: UInt16, errorWaitMilliseconds: Int32 = 20) {
        self.host = host
        self.port = port
        self.errorWait = errorWaitMilliseconds
        self.target = "udp://\(host):\(port)"
    }

    private func connectedSocket() throws(DeliveryError) -> Int32 {
        if socketFD >= 0 { return socketFD }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw .unreachable("cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue),
                        first.pointee.ai_protocol)
        guard fd >= 0 else { throw .unreachable("socket: \(String(cString: strerror(errno)))") }
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .unreachable("connect \(target): \(reason)")
        }
        socketFD = fd
        return fd
    }

    private func dropSocket() {
        if socketFD >= 0 { close(socketFD) }
        socketFD = -1
    }

    public func send(body: Data, signature: String?, timeout: Duration) async throws(DeliveryError) {
        let datagram = SignedFrame(signature: signature, body: body).encoded()
        let fd = try connectedSocket()
        // An error left from an earlier datagram is not about this one; clear it first.
        _ = pendingError(fd)
        let sent = datagram.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == datagram.count else {
            let reason = String(cString: strerror(errno))
            dropSocket()
            throw .unreachable("send to \(target): \(reason)")
        }
        var descriptor = pollfd(fd: fd, events: 0, revents: 0)
        _ = poll(&descriptor, 1, errorWait)
        if let error = pendingError(fd) {
            throw .unreachable("\(target): \(String(cString: strerror(error)))")
        }
    }

    private func pendingError(_ fd: Int32) -> Int32? {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error != 0 else { return nil }
        return error
    }

    public func shutdown() async {
        dropSocket()
    }
}
