import Foundation
import Synchronization
import Testing
import VirtmonLibvirt
import VirtmonTestSupport

/// The default connection on a host without a libvirt daemon: libvirt is not loaded until a daemon's socket
/// appears, then it is loaded once and read through like any connection.
@Suite("libvirt loaded when a daemon appears")
struct DeferredLibvirtConnectionTests {
    static func sockets() -> (directory: URL, paths: [String]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-sockets-\(UUID().uuidString)")
        return (directory, [directory.appendingPathComponent("libvirt-sock-ro").path, directory.appendingPathComponent("virtqemud-sock-ro").path])
    }

    @Test("no socket: a daemon-down failure naming the socket and nothing loaded; once one appears: loaded once, domains read",
          .enabled(if: LibvirtTestDriverTests.library != nil))
    func loadsWhenASocketAppears() throws {
        let (directory, paths) = Self.sockets()
        defer { try? FileManager.default.removeItem(at: directory) }
        let loads = Mutex(0)
        let source = DeferredLibvirtConnection(uri: "test:///default", sockets: paths, load: { () throws(LibvirtUnavailable) in
            loads.withLock { $0 += 1 }
            return try LibvirtLibrary()
        })
        for _ in 0..<3 {
            #expect {
                try source.collect()
            } throws: { error in
                guard let failure = error as? LibvirtError else { return false }
                return failure.kind == .daemonDown(socket: paths[0]) && failure.message.contains(paths[1])
            }
        }
        #expect(loads.withLock { $0 } == 0 && !source.isLoaded)

        // The modular daemon's socket is enough; a plain file stands in for it (only its presence is looked at).
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: paths[1], contents: nil))
        let first = try source.collect()
        let second = try source.collect()
        #expect(first.domains.count == 1 && second.domains.map(\.name) == ["test"])
        #expect(loads.withLock { $0 } == 1 && source.isLoaded)
    }

    @Test("a socket but no client library: one failure that says libvirt is not installed, not retried every cycle")
    func socketWithoutLibrary() throws {
        let (directory, paths) = Self.sockets()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: paths[0], contents: nil))
        let loads = Mutex(0)
        let source = DeferredLibvirtConnection(uri: "qemu:///system", sockets: paths, load: { () throws(LibvirtUnavailable) in
            loads.withLock { $0 += 1 }
            return try LibvirtLibrary(path: "libvirt-not-installed.so.0")
        })
        for _ in 0..<2 {
            #expect {
                try source.collect()
            } throws: { error in
                guard let failure = error as? LibvirtError else { return false }
                return failure.message.contains("libvirt is not installed") && failure.call == "loading libvirt for qemu:///system"
            }
        }
        #expect(loads.withLock { $0 } == 1 && !source.isLoaded)
    }
}
