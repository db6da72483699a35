import Foundation
import Synchronization

/// A read-only connection to libvirt that reads every domain once per cycle: one bulk stats call (with NOWAIT,
/// so a domain whose job lock is held — migrating, shutting down — is skipped rather than waited for), and
/// per-domain calls only for groups the bulk call did not report (the test driver reports only state).
/// Reconnects with backoff when the daemon goes away. Calls block: run `collect` on a thread that may block
/// (the agent's pollsters run on their own threads).
public final class LibvirtConnection: DomainStatsSource {
    public let target: String
    let library: LibvirtLibrary
    private let state = Mutex(State())

    struct State: ~Copyable {
        /// virConnectPtr; only touched with the mutex held.
        var handle: UInt = 0
        var failures = 0
        var retryAt = ContinuousClock.now
        var triedOnce = false
        /// Why the last attempt to open failed: repeated while waiting for the next, so the cause stays visible.
        var lastOpenError: LibvirtError?
        /// Facts from each domain's XML and the cycle they were read in: the XML is one RPC per domain on a real
        /// daemon and rarely changes, so it is read again only every `xmlRefreshCycles` cycles or on a state change.
        var xml: [String: (facts: XMLFacts, cycle: Int, state: DomainState)] = [:]
        var cycle = 0
    }

    struct XMLFacts {
        var nova: NovaMetadata?
        var disks: [String]
        var interfaces: [(target: String, mac: String?)]
    }

    /// How many cycles XML-derived facts (nova metadata, device targets, MACs) are reused.
    static let xmlRefreshCycles = 30

    // Bulk stats groups and flags (libvirt-domain.h).
    static let statsGroups: UInt32 = 1 | 2 | 4 | 8 | 16 | 32  // STATE CPU_TOTAL BALLOON VCPU INTERFACE BLOCK
    static let noWait: UInt32 = 1 << 29

    public init(uri: String, library: LibvirtLibrary) {
        target = uri
        self.library = library
    }

    deinit {
        let handle = state.withLock { $0.handle }
        if handle != 0 { _ = library.call("virConnectClose", as: LibvirtLibrary.ConnectClose.self)(OpaquePointer(bitPattern: handle)) }
    }

    /// Opens the connection now (the agent does this at start so that a bad URI is reported at once).
    public func connect() throws(LibvirtError) {
        try state.withLock { (state: inout State) throws(LibvirtError) in _ = try open(&state) }
    }

    public func collect() throws -> DomainCycle {
        try state.withLock { (state: inout State) throws -> DomainCycle in
            let connection = try open(&state)
            do {
                state.cycle += 1
                return try read(connection, &state)
            } catch let error as LibvirtError {
                // A dead connection fails every call; drop it so the next cycle reconnects.
                if library.call("virConnectIsAlive", as: LibvirtLibrary.ConnectIsAlive.self)(connection) != 1 {
                    close(&state)
                }
                throw error
            }
        }
    }

    private func open(_ state: inout State) throws(LibvirtError) -> OpaquePointer {
        if state.handle != 0, let existing = OpaquePointer(bitPattern: state.handle) {
            if library.call("virConnectIsAlive", as: LibvirtLibrary.ConnectIsAlive.self)(existing) == 1 { return existing }
            close(&state)
        }
        let now = ContinuousClock.now
        if state.triedOnce && now < state.retryAt {
            let wait = "next attempt in \(Int((state.retryAt - now).inSecondsRounded)) s"
            throw LibvirtError(call: "virConnectOpenReadOnly(\(target))",
                               message: state.lastOpenError.map { "\($0.message) (\(wait))" } ?? "not connected; \(wait)")
        }
        state.triedOnce = true
        guard let connection = library.call("virConnectOpenReadOnly", as: LibvirtLibrary.OpenReadOnly.self)(target) else {
            state.failures += 1
            // 1 s, doubling to a minute between attempts while the daemon is away.
            state.retryAt = now + .seconds(min(60, 1 << min(state.failures - 1, 6)))
            let error = LibvirtError(call: "virConnectOpenReadOnly(\(target))", message: library.lastErrorMessage())
            state.lastOpenError = error
            throw error
        }
        state.failures = 0
        state.lastOpenError = nil
        state.handle = UInt(bitPattern: connection)
        return connection
    }

    private func close(_ state: inout State) {
        if let handle = OpaquePointer(bitPattern: state.handle) {
            _ = library.call("virConnectClose", as: LibvirtLibrary.ConnectClose.self)(handle)
        }
        state.handle = 0
    }
}

extension Duration {
    var inSecondsRounded: Double {
        let (seconds, attoseconds) = components
        return (Double(seconds) + Double(attoseconds) / 1e18).rounded(.up)
    }
}
