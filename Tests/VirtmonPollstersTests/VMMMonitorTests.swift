import Foundation
import Testing
import VirtmonAgent
import VirtmonModel
@testable import VirtmonPollsters

/// The hypervisor checks against real child processes.
@Suite(.serialized, .enabled(if: StandIn.binary != nil, "vmm-stand-in is not built; swift build builds it"))
struct VMMMonitorTests {
    func context(libvirtRunDir: String = "/nonexistent") -> MonitorContext {
        MonitorContext(host: "node1", libvirtRunDir: libvirtRunDir)
    }

    func process(_ pid: Int32, libvirtRunDir: String = "/nonexistent") throws -> VMMProcess {
        try #require(VMMDiscovery.find(libvirtRunDir: libvirtRunDir, explicitPIDs: [pid], scanByName: false).first)
    }

    /// pmap's sum of RSS over mappings smaller than `limitKiB`: what Hydropper computed.
    func pmapOverhead(_ pid: Int32, limitKiB: UInt64) async throws -> UInt64 {
        let text = try await Command.output("/usr/bin/pmap", ["-xq", "\(pid)"])
        var sum: UInt64 = 0
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count >= 3, let size = UInt64(fields[1]), let rss = UInt64(fields[2]) else { continue }
            if size < limitKiB { sum += rss }
        }
        return sum
    }

    @Test func overheadEqualsPmapToTheKiB() async throws {
        let standIn = try await StandIn(guestMiB: 256, touchMiB: 32)
        defer { Task { await standIn.kill() } }
        try await standIn.send("grow 3000")
        let vmm = try process(standIn.pid)
        let (memory, limit) = try vmm.memory(procRoot: "/proc", defaultLimitKiB: 128 * 1024)
        #expect(limit == 128 * 1024)
        let pmap = try await pmapOverhead(standIn.pid, limitKiB: 128 * 1024)
        print("stand-in: overhead \(memory.overheadKiB) KiB (pmap \(pmap) KiB), guest RAM resident \(memory.guestResidentKiB) KiB")
        #expect(memory.overheadKiB == pmap)
        #expect(memory.guestResidentKiB >= 32 * 1024 && memory.guestResidentKiB < 33 * 1024,
                "the touched 32 MiB of guest RAM are left out")
        #expect(memory.overheadKiB >= 3000, "the grown heap is overhead")
        // With the guest's exact size as the limit, its mapping (as large as the limit) is still left out.
        let exact = MemoryOverhead(mappings: MemoryMapping.parse(smaps: try FileSnapshot.readFile("/proc/\(standIn.pid)/smaps")),
                                   limitKiB: 256 * 1024)
        #expect(exact.guestResidentKiB >= 32 * 1024)
    }

    @Test func theEventFiresAtTheThresholdAndNotBelow() async throws {
        let standIn = try await StandIn(guestMiB: 200, touchMiB: 8)
        defer { Task { await standIn.kill() } }
        let watch = VMMWatchList(pids: [standIn.pid], scanByName: false)
        let measure = await VMMMemoryMonitor(watch: watch, maxOverheadKiB: .max).check(context())
        let sample = try #require(measure.samples.first { $0.resourceMetadata["pid"] == .number(Double(standIn.pid)) })
        #expect(sample.name == "vmm.memory.overhead" && sample.unit == "KB" && measure.events.isEmpty)
        let overhead = UInt64(sample.volume)

        let below = await VMMMemoryMonitor(watch: watch, maxOverheadKiB: overhead + 1024).check(context())
        #expect(below.events.isEmpty, "1 MiB under the limit: no event")
        try await standIn.send("grow 2048")
        let above = await VMMMemoryMonitor(watch: watch, maxOverheadKiB: overhead + 1024).check(context())
        let event = try #require(above.events.first)
        #expect(event.level == .error && event.type == "memory_usage")
        #expect(event.message.contains("pid \(standIn.pid)") && event.message.contains("\(overhead + 1024) KiB"))
        let now = UInt64(try #require(above.samples.first).volume)
        let atLimit = await VMMMemoryMonitor(watch: watch, maxOverheadKiB: now).check(context())
        #expect(atLimit.events.count == 1, "at the limit counts")
        let justUnder = await VMMMemoryMonitor(watch: watch, maxOverheadKiB: now + 1).check(context())
        #expect(justUnder.events.isEmpty, "one KiB under the limit does not")
    }

    @Test func killingTheProcessIsFatal() async throws {
        let standIn = try await StandIn(guestMiB: 64, touchMiB: 1)
        let monitor = VMMLivenessMonitor(watch: VMMWatchList(pids: [standIn.pid], scanByName: false))
        #expect(await monitor.check(context()).events.isEmpty)
        await standIn.kill()
        let outcome = await monitor.check(context())
        let event = try #require(outcome.events.first)
        #expect(event.level == .fatal && event.type == "liveness" && event.message.contains("pid \(standIn.pid)"))
        #expect(await monitor.check(context()).events.isEmpty, "reported once")
    }

    @Test func libvirtPidFilesNameTheDomainAndTellACrashFromAStop() async throws {
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-libvirt-\(UUID())").path
        try FileManager.default.createDirectory(atPath: run + "/qemu", withIntermediateDirectories: true)
        let crashed = try await StandIn(guestMiB: 64, touchMiB: 1)
        let stopped = try await StandIn(guestMiB: 64, touchMiB: 1)
        try "\(crashed.pid)\n".write(toFile: run + "/qemu/web.pid", atomically: true, encoding: .utf8)
        try "\(stopped.pid)\n".write(toFile: run + "/qemu/db.pid", atomically: true, encoding: .utf8)
        let found = VMMDiscovery.find(libvirtRunDir: run, scanByName: false)
        #expect(Set(found.map(\.domain)) == ["web", "db"] && found.allSatisfy { $0.origin == .libvirt })

        let monitor = VMMLivenessMonitor(watch: VMMWatchList(scanByName: false))
        #expect(await monitor.check(context(libvirtRunDir: run)).events.isEmpty)
        await crashed.kill()  // its pid file stays: libvirt did not stop it
        try FileManager.default.removeItem(atPath: run + "/qemu/db.pid")
        await stopped.kill()  // libvirt removed the pid file first: a stop
        let events = await monitor.check(context(libvirtRunDir: run)).events
        #expect(events.first { $0.message.contains("domain web") }?.level == .fatal)
        #expect(events.first { $0.message.contains("domain db") }?.level == .info)
    }

    @Test func cpuOutsideVCPUThreadsIsSeparatedFromVCPUTime() async throws {
        let standIn = try await StandIn(guestMiB: 64, touchMiB: 1)
        defer { Task { await standIn.kill() } }
        let vmm = try process(standIn.pid)
        let t0 = try vmm.cpuTimes(procRoot: "/proc")
        #expect(t0.vcpuThreads == 1)
        try await standIn.send("vcpu 400")
        let t1 = try vmm.cpuTimes(procRoot: "/proc")
        try await standIn.send("spin 400")
        let t2 = try vmm.cpuTimes(procRoot: "/proc")
        // Signed: the process's total and its vCPU thread are read one after the other, so "outside" (their
        // difference) can be a tick lower in a later read while the vCPU thread runs (seen in CI: an overflow).
        let vcpu = (Int(t1.vcpuTicks) - Int(t0.vcpuTicks), Int(t2.vcpuTicks) - Int(t1.vcpuTicks))
        let outside = (Int(t1.outsideVCPUTicks) - Int(t0.outsideVCPUTicks), Int(t2.outsideVCPUTicks) - Int(t1.outsideVCPUTicks))
        print("stand-in ticks: vCPU +\(vcpu.0) then +\(vcpu.1); outside +\(outside.0) then +\(outside.1)")
        #expect(vcpu.0 >= 35, "400 ms on the vCPU thread")
        #expect(outside.0 <= 5)
        #expect(outside.1 >= 35, "400 ms on the main thread")
        #expect(vcpu.1 <= 5)

        // 600 ms of CPU outside the vCPU thread: a percentage of however long that took in wall time, which a
        // loaded machine stretches, so the bound is loose.
        let monitor = VMMCPUMonitor(watch: VMMWatchList(pids: [standIn.pid], scanByName: false), maxPercent: 10)
        _ = await monitor.check(context())
        try await standIn.send("spin 600")
        let outcome = await monitor.check(context())
        let sample = try #require(outcome.samples.first)
        #expect(sample.name == "vmm.cpu.overhead" && sample.volume > 10)
        #expect(outcome.events.first?.type == "cpu_usage")
    }

    @Test func hypervisorsAreFoundByProgramName() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-name-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let link = directory + "/qemu-system-x86_64"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: StandIn.binary!)
        let standIn = try await StandIn(guestMiB: 64, touchMiB: 1, executable: link)
        defer { Task { await standIn.kill() } }
        let found = VMMDiscovery.find(libvirtRunDir: "/nonexistent")
        let match = try #require(found.first { $0.pid == standIn.pid })
        #expect(match.program == "qemu-system-x86_64" && match.origin == .name)
    }

    @Test func hostMemoryPressure() async throws {
        let relaxed = await HostMemoryMonitor(minimumAvailableShare: 0.0001).check(context())
        #expect(relaxed.passed)
        let strict = await HostMemoryMonitor(minimumAvailableShare: 0.9999).check(context())
        #expect(strict.events.first?.type == "host_memory" && strict.events.first?.level == .error)
        let broken = await HostMemoryMonitor().check(MonitorContext(host: "h", procRoot: "/nonexistent"))
        #expect(broken.failure?.contains("/nonexistent/meminfo") == true)
    }
}

@Suite struct VMMParsingTests {
    @Test func smapsParse() {
        let text = """
            00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/qemu-system-x86_64
            Size:                328 kB
            Rss:                 300 kB
            Pss:                 300 kB
            7f0000000000-7f0010000000 rw-p 00000000 00:00 0
            Size:             262144 kB
            Rss:               65536 kB
            VmFlags: rd wr mr mw me ac
            """
        let mappings = MemoryMapping.parse(smaps: text)
        #expect(mappings.count == 2)
        #expect(mappings[0].name == "/usr/bin/qemu-system-x86_64" && mappings[0].sizeKiB == 328 && mappings[0].rssKiB == 300)
        #expect(mappings[1].name == "" && mappings[1].sizeKiB == 262144 && mappings[1].rssKiB == 65536)
        let split = MemoryOverhead(mappings: mappings, limitKiB: 131072)
        #expect(split.overheadKiB == 300 && split.guestResidentKiB == 65536 && split.rssKiB == 65836)
    }

    @Test func statTicksSurviveStrangeCommandNames() {
        let line = "4242 (CPU 0/KVM) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 3 0 100 0 0"
        #expect(ProcessCPUTimes.ticks(stat: line) == 1801)
        #expect(ProcessCPUTimes.ticks(stat: "1 (a) b) R 0 0 0 0 0 0 0 0 0 0 7 8 0 0") == 15)
        #expect(ProcessCPUTimes.ticks(stat: "garbage") == nil)
        #expect(ProcessCPUTimes.isVCPUThread("CPU 0/KVM\n") && ProcessCPUTimes.isVCPUThread("CPU 12/TCG"))
        #expect(ProcessCPUTimes.isVCPUThread("fc_vcpu 3") && ProcessCPUTimes.isVCPUThread("vcpu11"))
        #expect(!ProcessCPUTimes.isVCPUThread("IO mon_iothread") && !ProcessCPUTimes.isVCPUThread("CPU x/KVM"))
        #expect(!ProcessCPUTimes.isVCPUThread("vcpu") && !ProcessCPUTimes.isVCPUThread("qemu-system-x86"))
        let unnamed = ProcessCPUTimes(totalTicks: 100, vcpuTicks: 0, vcpuThreads: 0)
        #expect(ProcessCPUTimes.outsidePercent(from: unnamed, to: unnamed, seconds: 1, ticksPerSecond: 100) == nil,
                "without named vCPU threads guest time cannot be told apart")
    }

    @Test func commandLinesGiveGuestMemoryNameAndUUID() {
        func line(_ args: String...) -> VMMCommandLine { VMMCommandLine(arguments: args) }
        #expect(line("/usr/bin/qemu-system-x86_64", "-m", "256").guestMemoryKiB == 262144)
        #expect(line("qemu-kvm", "-m", "size=262144k,slots=16,maxmem=1G").guestMemoryKiB == 262144)
        #expect(line("stratovirt", "-m", "2G").guestMemoryKiB == 2 * 1024 * 1024)
        #expect(line("cloud-hypervisor", "--memory", "size=512M").guestMemoryKiB == 512 * 1024)
        #expect(line("qemu-system-x86_64").guestMemoryKiB == nil)
        let libvirt = line("/usr/bin/qemu-system-x86_64", "-name", "guest=web,debug-threads=on", "-uuid",
                           "8F2C7E1A-0000-4000-8000-000000000001")
        #expect(libvirt.guestName == "web" && libvirt.uuid == "8f2c7e1a-0000-4000-8000-000000000001")
        #expect(line("/usr/bin/qemu-system-aarch64").isHypervisor && line("firecracker").isHypervisor)
        #expect(!line("/usr/bin/qemu-img").isHypervisor && !line("bash").isHypervisor)
        #expect(VMMCommandLine(cmdline: "qemu-system-x86_64\0-m\0128\0").guestMemoryKiB == 131072)
    }
}
