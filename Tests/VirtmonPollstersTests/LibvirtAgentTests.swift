import Foundation
import Testing
import VirtmonLibvirt
import VirtmonModel
import VirtmonTestSupport

/// The agent binary as a user runs it, with VM metering through libvirt's test driver, and without libvirt.
@Suite("virtmon agent with libvirt")
struct LibvirtAgentTests {
    static func samples(_ path: String) throws -> [Sample] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap {
            try? JSONDecoder().decode(Sample.self, from: Data($0.utf8))
        }
    }

    @Test("--once --libvirt-uri test:///node.xml writes cpu, cpu_util, vcpus, memory, disk and network samples per running domain",
          .enabled(if: BuiltExecutable.path("virtmon") != nil && LibvirtTestDriverTests.library != nil))
    func testDriver() async throws {
        let node = try TestNode.write(domains: 3)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-vm-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: node)
            try? FileManager.default.removeItem(at: directory)
        }
        let output = directory.appendingPathComponent("vm.jsonl").path
        let result = try await ProcessRunner.run(BuiltExecutable.path("virtmon")!, [
            "agent", "--once", "--interval", "1", "--libvirt-uri", "test://\(node.path)", "--publisher", "file://\(output)",
            "--data-dir", directory.appendingPathComponent("data").path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let samples = try LibvirtAgentTests.samples(output)
        for index in [0, 1] {  // the running ones; vm-2 is shut off
            let uuid = TestNode.uuid(index)
            let names = Set(samples.filter { $0.resourceID == uuid }.map(\.name))
            #expect(names.isSuperset(of: ["cpu", "cpu_util", "vcpus", "memory", "power.state"]), "\(uuid): \(names)")
            #expect(samples.contains { $0.resourceID == "\(uuid)-vda" && $0.name == "disk.device.read.bytes" })
            #expect(samples.contains { $0.resourceID.hasPrefix("\(uuid)-") && $0.name == "network.incoming.bytes" })
            let cpu = samples.first { $0.resourceID == uuid && $0.name == "cpu" }!
            #expect(cpu.resourceMetadata["vcpus"] == .number(Double(1 + index % 4)))
            #expect(cpu.resourceMetadata["memory_mb"] == 1024 && cpu.resourceMetadata["state"] == "running")
        }
        let novaCPU = samples.first { $0.resourceID == TestNode.uuid(0) && $0.name == "cpu" }!
        #expect(novaCPU.projectID == "project-0" && novaCPU.userID == "user-0")
        #expect(novaCPU.resourceMetadata["name"] == "server-0" && novaCPU.resourceMetadata["flavor_name"] == "m1.small")
        #expect(samples.contains { $0.resourceID == TestNode.uuid(0) && $0.name == "memory.usage" })
        let off = Set(samples.filter { $0.resourceID == TestNode.uuid(2) }.map(\.name))
        #expect(off == ["power.state", "vcpus", "memory", "virtmon.domain.read"])
        #expect(samples.contains { $0.name == "hardware.cpu.util" })
    }

    @Test("without libvirt: host samples still, and one clear line that VM metering is off; an explicit URI is an error",
          .enabled(if: BuiltExecutable.path("virtmon") != nil))
    func withoutLibvirt() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-novm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("host.jsonl").path
        let virtmon = BuiltExecutable.path("virtmon")!
        let missing = ["VIRTMON_LIBVIRT_LIBRARY": "libvirt-not-installed.so.0"]
        let result = try await ProcessRunner.run(virtmon, [
            "agent", "--once", "--interval", "1", "--publisher", "file://\(output)", "--data-dir", directory.appendingPathComponent("data").path,
        ], environment: missing)
        #expect(result.status == 0, "\(result.stderr)")
        if DeferredLibvirtConnection.anyExists(DeferredLibvirtConnection.systemSockets) {
            // A daemon's socket (the suite's libvirt lab): libvirt is loaded at start, and its absence said once.
            let lines = result.stderr.split(separator: "\n").filter { $0.contains("VM metering is off") }
            #expect(lines.count == 1, "\(result.stderr)")
            #expect(lines.first?.contains("libvirt is not installed") == true)
        } else {
            // No daemon: libvirt is not loaded at all, and the VM pollster says once that no daemon runs.
            let lines = result.stderr.split(separator: "\n").filter { $0.contains("libvirt's daemon is not running") }
            #expect(lines.count == 1, "\(result.stderr)")
            #expect(!result.stderr.contains("VM metering is off"), "\(result.stderr)")
        }
        #expect(try LibvirtAgentTests.samples(output).contains { $0.name == "hardware.memory.total" })

        let explicit = try await ProcessRunner.run(virtmon, [
            "agent", "--once", "--libvirt-uri", "qemu:///system", "--publisher", "file://\(output)",
            "--data-dir", directory.appendingPathComponent("data").path,
        ], environment: missing)
        #expect(explicit.status == 2)
        #expect(explicit.stderr.contains("--libvirt-uri qemu:///system: libvirt is not installed"))
    }
}
