import Foundation
import VirtmonTestSupport
import Testing
import VirtmonAgent
import VirtmonModel
@testable import VirtmonPollsters

/// A real QEMU guest (firmware only, 128 MiB), started with the -name and -uuid options libvirt gives it.
/// scripts/test.sh installs qemu-system-x86 from Debian; KVM is used where /dev/kvm exists, else TCG.
@Suite(.serialized) struct QEMUProcessTests {
    static let qemu = Command.find(["/usr/bin/qemu-system-x86_64"])
    static let uuid = "6f1e2d3c-0000-4000-8000-00000000abcd"

    static var virtmon: String? { BuiltExecutable.path("virtmon") }

    func startQEMU() throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: QEMUProcessTests.qemu!)
        process.arguments = [
            "-machine", "q35,accel=kvm:tcg", "-m", "128", "-smp", "2", "-display", "none", "-nodefaults",
            "-no-user-config", "-serial", "none", "-monitor", "none",
            "-name", "guest=virtmon-lab,debug-threads=on", "-uuid", QEMUProcessTests.uuid,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test(.enabled(if: qemu != nil, "qemu-system-x86_64 is not installed; scripts/test.sh installs qemu-system-x86"))
    func guestRAMIsLeftOutOfARealQEMUsOverhead() async throws {
        let qemu = try startQEMU()
        defer {
            // SIGKILL, not terminate(): Foundation starts children with the spawning thread's signal mask, in
            // which SIGTERM is blocked, so QEMU would never see it.
            kill(qemu.processIdentifier, SIGKILL)
            _ = ProcessRunner.reap(qemu)
        }
        // Let the firmware run and the vCPU threads get their names.
        try await Task.sleep(for: .seconds(2))
        #expect(qemu.isRunning)
        let found = try #require(VMMDiscovery.find(libvirtRunDir: "/nonexistent").first { $0.pid == qemu.processIdentifier })
        #expect(found.program == "qemu-system-x86_64" && found.origin == .name)
        #expect(found.domain == "virtmon-lab" && found.uuid == QEMUProcessTests.uuid && found.guestMemoryKiB == 131_072)

        let smaps = try FileSnapshot.readFile("/proc/\(qemu.processIdentifier)/smaps")
        let mappings = MemoryMapping.parse(smaps: smaps)
        let guestMapping = try #require(mappings.max { $0.sizeKiB < $1.sizeKiB })
        #expect(guestMapping.sizeKiB >= 131_072, "QEMU maps guest RAM as one region of the guest's size")
        let (memory, limit) = try found.memory(procRoot: "/proc", defaultLimitKiB: 128 * 1024)
        #expect(limit == 131_072, "the guest's own size from -m, not the default")
        #expect(memory.guestResidentKiB >= guestMapping.rssKiB, "the guest-RAM mapping is left out")
        let pmap = try await Command.output("/usr/bin/pmap", ["-xq", "\(qemu.processIdentifier)"])
        let pmapOverhead = pmap.split(separator: "\n").dropFirst().reduce(UInt64(0)) { sum, line in
            let fields = line.split(separator: " ")
            guard fields.count >= 3, let size = UInt64(fields[1]), let rss = UInt64(fields[2]), size < limit else { return sum }
            return sum + rss
        }
        print("qemu: RSS \(memory.rssKiB) KiB, guest RAM resident \(memory.guestResidentKiB) KiB, overhead "
              + "\(memory.overheadKiB) KiB (pmap \(pmapOverhead) KiB)")
        // A running guest moves between reads: virtmon reads again after pmap, and pmap's figure must lie
        // within 1 % of the range the two reads span.
        let (after, _) = try found.memory(procRoot: "/proc", defaultLimitKiB: 128 * 1024)
        let low = Double(min(memory.overheadKiB, after.overheadKiB)), high = Double(max(memory.overheadKiB, after.overheadKiB))
        #expect(Double(pmapOverhead) >= low * 0.99 && Double(pmapOverhead) <= high * 1.01,
                "pmap \(pmapOverhead) KiB against virtmon's \(memory.overheadKiB) and \(after.overheadKiB) KiB around it")

        let cpu = try found.cpuTimes(procRoot: "/proc")
        #expect(cpu.vcpuThreads == 2, "-smp 2 gives two threads named CPU n/KVM or CPU n/TCG")

        let outcome = await VMMMemoryMonitor(watch: VMMWatchList(scanByName: true)).check(MonitorContext(host: "lab"))
        let sample = try #require(outcome.samples.first { $0.resourceID == QEMUProcessTests.uuid + "-vmm" })
        #expect(sample.name == "vmm.memory.overhead" && sample.resourceMetadata["domain"] == "virtmon-lab")
        #expect(sample.resourceMetadata["instance_id"] == .string(QEMUProcessTests.uuid), "the process names the instance it runs")

        if let virtmon = QEMUProcessTests.virtmon {
            let output = try await Command.output(virtmon, ["check", "vmm", "--json"])
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]])
            let row = try #require(rows.first { ($0["pid"] as? Int) == Int(qemu.processIdentifier) })
            #expect(row["domain"] as? String == "virtmon-lab")
            #expect((row["guest_ram_kib"] as? Int ?? 0) > 0 && (row["overhead_kib"] as? Int ?? 0) > 0)
            #expect(row["cpu_outside_vcpus_percent"] is Double, "two named vCPU threads: CPU outside them is known")
            let table = try await Command.output(virtmon, ["check", "vmm"])
            print(table)
            // Other VMMs may run on the host (the libvirt lab's guests do, under the same test command): judge
            // this QEMU's own line.
            let line = table.split(separator: "\n").first { $0.contains("virtmon-lab") }
            #expect(line != nil && line?.contains("n/a") == false, "\(line ?? "no line")")
        }
    }
}
