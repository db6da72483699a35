import Foundation
import Synchronization

/// The default connection (qemu:///system) on a host where no libvirt daemon's socket exists: libvirt is loaded
/// only once one appears. Loading libvirt maps it and everything it links — libcrypto, gnutls, libxml2, ICU, glib,
/// libstdc++ — about 10 MiB of the agent's resident memory (measured with smaps), paid for nothing on a host that
/// runs no VMs. Until then each cycle costs one `stat` per socket path and fails as a daemon that is not running.
public final class DeferredLibvirtConnection: DomainStatsSource {
    public let target: String
    /// The sockets a read-only connection to `target` uses: the monolithic daemon's and the modular one's.
    public let sockets: [String]
    private let load: @Sendable () throws(LibvirtUnavailable) -> LibvirtLibrary
    private let phase = Mutex(Phase.waiting)

    enum Phase {
        case waiting
        case loaded(LibvirtConnection)
        case failed(LibvirtError)
    }

    /// Where libvirt's read-only sockets for qemu:///system live (libvirtd, or virtqemud on modular daemons).
    public static let systemSockets = ["/run/libvirt/libvirt-sock-ro", "/run/libvirt/virtqemud-sock-ro"]

    /// Whether any of `sockets` exists now: the agent loads libvirt at start when one does.
    public static func anyExists(_ sockets: [String]) -> Bool {
        sockets.contains { FileManager.default.fileExists(atPath: $0) }
    }

    public init(uri: String, sockets: [String] = DeferredLibvirtConnection.systemSockets,
                load: @escaping @Sendable () throws(LibvirtUnavailable) -> LibvirtLibrary = { () throws(LibvirtUnavailable) in try LibvirtLibrary() }) {
        target = uri
        self.sockets = sockets
        self.load = load
    }

    /// Whether libvirt has been loaded (a socket appeared and the library was found).
    public var isLoaded: Bool {
        phase.withLock { if case .loaded = $0 { true } else { false } }
    }

    public func collect() throws -> DomainCycle {
        try connection().collect()
    }

    private func connection() throws(LibvirtError) -> LibvirtConnection {
        try phase.withLock { (phase: inout Phase) throws(LibvirtError) -> LibvirtConnection in
            switch phase {
            case .loaded(let connection):
                return connection
            case .failed(let error):
                throw error
            case .waiting:
                guard DeferredLibvirtConnection.anyExists(sockets) else {
                    throw LibvirtError(call: "virConnectOpenReadOnly(\(target))",
                                       message: "no daemon's socket at \(sockets.joined(separator: " or ")); libvirt is loaded when one appears",
                                       kind: .daemonDown(socket: sockets.first))
                }
                do throws(LibvirtUnavailable) {
                    let connection = LibvirtConnection(uri: target, library: try load())
                    phase = .loaded(connection)
                    return connection
                } catch {
                    // A daemon without a client library to reach it: said once by the pollster, not retried
                    // (installing libvirt0 needs an agent restart, as at start).
                    let failure = LibvirtError(call: "loading libvirt for \(target)", message: error.reason)
                    phase = .failed(failure)
                    throw failure
                }
            }
        }
    }
}
