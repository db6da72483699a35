import Foundation
import Testing
import VirtmonAgent
import VirtmonLibvirt
import VirtmonModel
import VirtmonPollsters
import VirtmonTestSupport

/// libvirt's test driver (in-process, no daemon) with generated node XML. scripts/test.sh installs libvirt0.
@Suite("libvirt test driver")
struct LibvirtTestDriverTests {
    static var library: LibvirtLibrary? {
        do {
            return try LibvirtLibrary()
        } catch {
            print("⚠️  SKIPPING libvirt test-driver tests: \(error) (bash scripts/test.sh installs it)")
            return nil
        }
    }

    @Test("3 domains: every running one reported whole, the shut-off one by state; metadata from nova",
          .enabled(if: LibvirtTestDriverTests.library != nil))
    func threeDomains() throws {
        let node = try TestNode.write(domains: 3)
        defer { try? FileManager.default.removeItem(at: node) }
        let connection = LibvirtConnection(uri: "test://\(node.path)", library: LibvirtTestDriverTests.library!)
        let cycle = try connection.collect()
        #expect(Set(cycle.domains.map(\.uuid)) == Set((0..<3).map(TestNode.uuid)))
        let byUUID = Dictionary(uniqueKeysWithValues: cycle.domains.map { ($0.uuid, $0) })
        let running = byUUID[TestNode.uuid(0)]!
        #expect(running.state == .running && running.vcpus == 1 && running.maxMemoryKiB == 1_048_576)
        #expect(running.cpuTimeNs != nil)
        #expect(running.nova?.projectID == "project-0" && running.nova?.flavorName == "m1.small" && running.nova?.instanceName == "server-0")
        #expect(running.disks.map(\.name) == ["vda"] && running.disks[0].readBytes > 0 && running.disks[0].capacity != nil)
        #expect(running.interfaces.count == 1 && running.interfaces[0].rxBytes > 0)
        #expect(running.balloon?.usedKiB != nil)  // virtio balloon on even domains
        #expect(byUUID[TestNode.uuid(1)]!.balloon?.usedKiB == nil)
        let off = byUUID[TestNode.uuid(2)]!
        #expect(off.state == .shutoff && off.cpuTimeNs == nil && off.disks.isEmpty)
        #expect(cycle.problems.isEmpty, "\(cycle.problems)")
    }

    @Test("200 domains in one cycle, then a second cycle gives cpu_util for every running one",
          .enabled(if: LibvirtTestDriverTests.library != nil))
    func twoHundredDomains() async throws {
        let node = try TestNode.write(domains: 200)
        defer { try? FileManager.default.removeItem(at: node) }
        let pollster = DomainPollster(source: LibvirtConnection(uri: "test://\(node.path)", library: LibvirtTestDriverTests.library!))
        let started = ContinuousClock.now
        let first = try await pollster.poll(PollContext(host: "h"))
        let elapsed = ContinuousClock.now - started
        #expect(Set(first.filter { $0.name == "power.state" }.map(\.resourceID)).count == 200)
        try await Task.sleep(for: .milliseconds(200))
        let second = try await pollster.poll(PollContext(host: "h"))
        let running = (0..<200).filter { $0 % 3 != 2 }.count
        let utils = second.filter { $0.name == "cpu_util" }
        #expect(utils.count == running)
        #expect(utils.allSatisfy { (0...100).contains($0.volume) })
        #expect(second.filter { $0.name == "disk.device.read.bytes" }.count == running)
        print("libvirt test driver: 200 domains (\(running) running) read in \(elapsed) → \(first.count) samples")
    }

    @Test("a URI that cannot be opened is an error with libvirt's message, and nothing is printed by libvirt",
          .enabled(if: LibvirtTestDriverTests.library != nil))
    func badURI() {
        let connection = LibvirtConnection(uri: "test:///nonexistent/node.xml", library: LibvirtTestDriverTests.library!)
        #expect(throws: LibvirtError.self) { try connection.collect() }
        do {
            _ = try connection.collect()
        } catch {
            // The second attempt waits for the backoff instead of hammering the daemon.
            #expect("\(error)".contains("next attempt"))
        }
    }

    @Test("without libvirt the library says so clearly")
    func missingLibrary() {
        #expect(throws: LibvirtUnavailable.self) { try LibvirtLibrary(path: "libvirt-absent.so.0") }
        do {
            _ = try LibvirtLibrary(path: "libvirt-absent.so.0")
        } catch {
            #expect(error.description.contains("libvirt is not installed"))
        }
    }
}
