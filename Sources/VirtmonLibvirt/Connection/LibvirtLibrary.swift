import Foundation

/// libvirt's C API, bound at run time with dlopen so that virtmon builds and runs where libvirt is absent.
/// Symbol addresses are kept as integers (Sendable) and turned into typed C function pointers per call.
public final class LibvirtLibrary: Sendable {
    // C function types of the calls virtmon makes (libvirt 1.2.8 or later; Debian 12 has 9.0).
    typealias OpenReadOnly = @convention(c) (UnsafePointer<CChar>?) -> OpaquePointer?
    typealias ConnectClose = @convention(c) (OpaquePointer?) -> Int32
    typealias ConnectIsAlive = @convention(c) (OpaquePointer?) -> Int32
    typealias ListAllDomains = @convention(c) (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<OpaquePointer?>?>?, UInt32) -> Int32
    typealias GetAllDomainStats = @convention(c) (OpaquePointer?, UInt32, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutableRawPointer?>?>?, UInt32) -> Int32
    typealias StatsRecordListFree = @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Void
    typealias DomainFree = @convention(c) (OpaquePointer?) -> Int32
    typealias DomainGetUUIDString = @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?) -> Int32
    typealias DomainGetName = @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
    typealias DomainGetInfo = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32
    typealias DomainGetXMLDesc = @convention(c) (OpaquePointer?, UInt32) -> UnsafeMutablePointer<CChar>?
    typealias DomainInterfaceStats = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?, Int) -> Int32
    typealias DomainBlockStats = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?, Int) -> Int32
    typealias DomainGetBlockInfo = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?, UInt32) -> Int32
    typealias DomainMemoryStats = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UInt32, UInt32) -> Int32
    typealias ErrorHandler = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Void
    typealias SetErrorFunc = @convention(c) (UnsafeMutableRawPointer?, ErrorHandler?) -> Void
    typealias GetLastErrorMessage = @convention(c) () -> UnsafePointer<CChar>?
    typealias ResetLastError = @convention(c) () -> Void
    typealias Initialize = @convention(c) () -> Int32

    private let symbols: [String: UInt]
    /// Where the library was found.
    public let path: String

    /// Loads libvirt.so.0 (or `path`; VIRTMON_LIBVIRT_LIBRARY overrides), resolves every call, and silences
    /// libvirt's own printing to stderr:
    /// its errors reach virtmon's log through `lastErrorMessage` instead.
    public init(path: String = ProcessInfo.processInfo.environment["VIRTMON_LIBVIRT_LIBRARY"] ?? "libvirt.so.0") throws(LibvirtUnavailable) {
        // libvirt's client writes to its daemon's socket with plain write(2): when libvirtd restarts, the next
        // call on the old connection raised SIGPIPE and killed the whole agent (seen in LibvirtLabTests run
        // alone). libvirt asks its applications to ignore the signal; the write then fails with EPIPE and the
        // connection reconnects. Nothing in virtmon relies on SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            throw LibvirtUnavailable("libvirt is not installed (\(reason)); install libvirt0 for VM metering")
        }
        var resolved: [String: UInt] = [:]
        let names = [
            "virInitialize", "virConnectOpenReadOnly", "virConnectClose", "virConnectIsAlive", "virConnectListAllDomains",
            "virConnectGetAllDomainStats", "virDomainStatsRecordListFree", "virDomainFree", "virDomainGetUUIDString",
            "virDomainGetName", "virDomainGetInfo", "virDomainGetXMLDesc", "virDomainInterfaceStats", "virDomainBlockStats",
            "virDomainGetBlockInfo", "virDomainMemoryStats", "virSetErrorFunc", "virGetLastErrorMessage", "virResetLastError",
        ]
        for name in names {
            guard let symbol = dlsym(handle, name) else {
                throw LibvirtUnavailable("\(path) lacks \(name); libvirt 1.2.8 or later is needed")
            }
            resolved[name] = UInt(bitPattern: symbol)
        }
        symbols = resolved
        self.path = path
        // The handle stays open for the life of the process: the function addresses point into it.
        _ = call("virInitialize", as: Initialize.self)()
        call("virSetErrorFunc", as: SetErrorFunc.self)(nil, { _, _ in })
    }

    func call<F>(_ name: String, as type: F.Type) -> F {
        unsafeBitCast(UnsafeRawPointer(bitPattern: symbols[name]!)!, to: F.self)
    }

    /// The message of libvirt's last error on this thread, then cleared.
    func lastErrorMessage() -> String {
        let text = call("virGetLastErrorMessage", as: GetLastErrorMessage.self)().map { String(cString: $0) } ?? "unknown libvirt error"
        call("virResetLastError", as: ResetLastError.self)()
        return text
    }
}
