import Foundation
import Testing
import VirtmonLibvirt

/// The three states an operator must tell apart, from libvirt's own messages — as unit facts and from the real
/// library (no daemon needed: a socket nobody listens on, a test-driver file that is not there).
@Suite("libvirt failure kinds")
struct LibvirtErrorKindTests {
    static let library = try? LibvirtLibrary()

    @Test func libvirtsMessagesAreClassified() {
        let cases: [(String, LibvirtError.Kind)] = [
            ("Failed to connect socket to '/var/run/libvirt/libvirt-sock-ro': No such file or directory", .daemonDown(socket: "/var/run/libvirt/libvirt-sock-ro")),
            ("Failed to connect socket to '/run/libvirt/virtqemud-sock-ro': Connection refused", .daemonDown(socket: "/run/libvirt/virtqemud-sock-ro")),
            ("Failed to connect socket to '/var/run/libvirt/libvirt-sock-ro': Permission denied", .permissionDenied(socket: "/var/run/libvirt/libvirt-sock-ro")),
            ("authentication unavailable: no polkit agent available to authenticate action 'org.libvirt.unix.manage'", .permissionDenied(socket: "org.libvirt.unix.manage")),
            ("Failed to open file '/tmp/missing.xml': No such file or directory", .missingFile(path: "/tmp/missing.xml")),
            ("XML error: failed to parse xml document '/tmp/missing.xml'", .missingFile(path: "/tmp/missing.xml")),
            ("internal error: unexpected reply", .other),
        ]
        for (message, kind) in cases {
            #expect(LibvirtError(call: "virConnectOpenReadOnly(qemu:///system)", message: message).kind == kind, "\(message)")
        }
    }

    @Test("a socket nobody listens on is a daemon that is down, also while the connection waits to retry",
          .enabled(if: LibvirtErrorKindTests.library != nil))
    func daemonDown() throws {
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-no-daemon-\(UUID().uuidString)/sock").path
        let connection = LibvirtConnection(uri: "qemu+unix:///system?socket=\(socket)", library: LibvirtErrorKindTests.library!)
        for attempt in 0..<2 {
            do {
                _ = try connection.collect()
                Issue.record("collect succeeded without a daemon")
            } catch let error as LibvirtError {
                #expect(error.kind == .daemonDown(socket: socket), "attempt \(attempt): \(error)")
            }
        }
    }

    @Test("the test driver with a file that is not there names the file", .enabled(if: LibvirtErrorKindTests.library != nil))
    func missingTestFile() throws {
        let path = "/nonexistent-\(UUID().uuidString)/node.xml"
        let connection = LibvirtConnection(uri: "test://\(path)", library: LibvirtErrorKindTests.library!)
        do {
            _ = try connection.collect()
            Issue.record("collect succeeded with no file")
        } catch let error as LibvirtError {
            #expect(error.kind == .missingFile(path: path), "\(error)")
        }
    }
}
