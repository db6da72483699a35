import Foundation
import Logging
import Testing
import VirtmonAgent
import VirtmonLibvirt
import VirtmonModel
import VirtmonPollsters
import VirtmonTestSupport

/// A real libvirtd and real QEMU guests (scripts/libvirt-lab.sh, started by scripts/test.sh, which names its
/// directory in VIRTMON_LIBVIRT_LAB): a firmware-only KVM domain, and a TCG Linux guest whose init busy-loops
/// for 25 s, fills 64 MiB of tmpfs, reads its 32 MiB disk and sends DHCP requests.
@Suite("libvirt lab: real daemon, real guests", .serialized)
struct LibvirtLabTests {
    static var lab: String? {
        guard let directory = LibvirtLab.directory else {
            print("⚠️  SKIPPING the libvirt lab tests: VIRTMON_LIBVIRT_LAB does not name a started lab (bash scripts/test.sh starts one as root)")
            return nil
        }
        return directory
    }

    /// A transient domain from XML; destroyed by the returned closure.
    static func create(_ xml: String, in directory: URL, name: String) async throws {
        let file = directory.appendingPathComponent("\(name).xml")
        try xml.write(to: file, atomically: true, encoding: .utf8)
        let result = try await LibvirtLab.virsh("create", file.path)
        guard result.status == 0 else { throw LibvirtError(call: "virsh create \(name)", message: result.stderr) }
    }

    /// Waits for the guest to announce `phase` on its console; returns the guest's uptime then.
    static func waitFor(_ phase: String, console: URL, timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: console, encoding: .isoLatin1), text.contains("virtmon-guest: \(phase)") { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw LibvirtError(call: "guest", message: "no '\(phase)' on \(console.path) within \(timeout)")
    }

    static func qemuTicks(_ name: String) throws -> Double {
        let pid = try String(contentsOfFile: "/run/libvirt/qemu/\(name).pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        return Double(fields[11])! + Double(fields[12])!  // utime, stime (fields 14 and 15 of the whole line)
    }

    static func value(_ samples: [Sample], _ name: String, _ resource: String) -> Double? {
        samples.first { $0.name == name && $0.resourceID == resource }?.volume
    }

    @Test("TCG Linux guest: cpu_util agrees with QEMU's /proc CPU time, memory.usage follows the balloon and rises by the filled amount, disk and network counters move",
          .enabled(if: LibvirtLabTests.lab != nil))
    func linuxGuest() async throws {
        try await LabGuestTurns.take { try await measureLinuxGuest() }
    }

    func measureLinuxGuest() async throws {
        let lab = LibvirtLabTests.lab!
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-lab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let name = "virtmon-test-linux-\(UInt32.random(in: 0...UInt32.max))"
        let uuid = UUID().uuidString.lowercased()
        let console = work.appendingPathComponent("console.log")
        try FileManager.default.copyItem(atPath: lab + "/guest/disk.img", toPath: work.appendingPathComponent("disk.img").path)
        try await LibvirtLabTests.create(
            LibvirtLab.linuxGuest(name: name, uuid: uuid, lab: lab, disk: work.path + "/disk.img", console: console.path),
            in: work, name: name)
        defer {
            _ = Task { _ = try? await LibvirtLab.virsh("destroy", name); try? FileManager.default.removeItem(at: work) }
        }
        let pollster = DomainPollster(source: LibvirtConnection(uri: "qemu:///system", library: try LibvirtLibrary()))
        func poll() async throws -> (samples: [Sample], ticks: Double, at: Double) {
            let ticks = try LibvirtLabTests.qemuTicks(name)
            let now = PollContext.monotonicNow()
            let samples = try await pollster.poll(PollContext(host: "lab", monotonicTime: now))
            return (samples, ticks, now)
        }
        // The guest's balloon driver reports its statistics on its own schedule, which a loaded machine delays:
        // memory.usage is absent until the first report, so it is polled for rather than read once.
        func pollWithMemoryUsage() async throws -> [Sample] {
            var samples: [Sample] = []
            for _ in 0..<30 {
                samples = try await poll().samples
                if LibvirtLabTests.value(samples, "memory.usage", uuid) != nil { break }
                try await Task.sleep(for: .seconds(1))
            }
            return samples
        }

        // CPU: over 6 s of the busy phase, against QEMU's utime+stime read at the same moments.
        try await LibvirtLabTests.waitFor("busy-start", console: console)
        try await Task.sleep(for: .seconds(2))
        let first = try await poll()
        try await Task.sleep(for: .seconds(6))
        let second = try await poll()
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let procUtil = (second.ticks - first.ticks) / ticksPerSecond / (second.at - first.at) * 100
        let util = try #require(LibvirtLabTests.value(second.samples, "cpu_util", uuid))
        print("lab cpu_util: virtmon \(String(format: "%.2f", util)) %, QEMU /proc utime+stime \(String(format: "%.2f", procUtil)) % (1 vCPU, TCG, guest busy-looping)")
        #expect(abs(util - procUtil) <= 2, "cpu_util \(util) vs /proc \(procUtil)")
        // The guest busy-loops one vCPU, but it gets the share of the two cores the suite leaves it (30 % in a CI run
        // with the dashboard's lab guest and Chromium beside it, 13.7 % once the Prometheus tests' guests joined):
        // the agreement above is the check; this only says the guest was busy at all.
        #expect(util > 5, "the guest busy-loops one vCPU")

        // Memory: balloon before and after filling 64 MiB.
        try await LibvirtLabTests.waitFor("busy-end", console: console)
        try await Task.sleep(for: .seconds(3))
        let before = try #require(LibvirtLabTests.value(try await pollWithMemoryUsage(), "memory.usage", uuid), "no balloon report in 30 s")
        let readBefore = try #require(LibvirtLabTests.value(first.samples, "disk.device.read.bytes", "\(uuid)-vda"))
        try await LibvirtLabTests.waitFor("filled", console: console)
        try await Task.sleep(for: .seconds(3))
        let filled = try await pollWithMemoryUsage()
        let after = try #require(LibvirtLabTests.value(filled, "memory.usage", uuid))
        let balloon = try await LibvirtLab.virsh("domstats", name, "--balloon").stdout
        func stat(_ key: String) -> Double? {
            balloon.split(separator: "\n").first { $0.contains("balloon.\(key)=") }.flatMap { Double($0.split(separator: "=")[1]) }
        }
        let balloonUsed = (try #require(stat("available")) - (try #require(stat("unused")))) / 1024
        print("lab memory.usage: \(String(format: "%.1f", before)) MB before filling, \(String(format: "%.1f", after)) MB after 64 MiB (+\(String(format: "%.1f", after - before))); balloon available − unused \(String(format: "%.1f", balloonUsed)) MB; memory (allocated) \(LibvirtLabTests.value(filled, "memory", uuid) ?? 0) MB")
        #expect(abs(after - balloonUsed) <= 2, "memory.usage \(after) vs balloon \(balloonUsed)")
        #expect((56...72).contains(after - before), "rose by \(after - before) MB for 64 MiB filled")
        #expect(LibvirtLabTests.value(filled, "memory", uuid) == 256)
        #expect(after < 256, "usage is not the maximum")

        // Disk and network.
        try await LibvirtLabTests.waitFor("network-sent", console: console)
        try await Task.sleep(for: .seconds(2))
        let last = try await poll().samples
        let readAfter = try #require(LibvirtLabTests.value(last, "disk.device.read.bytes", "\(uuid)-vda"))
        print("lab disk.device.read.bytes: +\(Int(readAfter - readBefore)) B after reading the 32 MiB disk")
        #expect(readAfter - readBefore >= 32 * 1024 * 1024)
        let vnic = try #require(last.first { $0.name == "network.outgoing.packets" && $0.resourceID.hasPrefix("\(uuid)-") })
        print("lab network: \(last.filter { $0.resourceID == vnic.resourceID && $0.name.hasPrefix("network.") && !$0.name.hasSuffix(".rate") }.map { "\($0.name)=\(Int($0.volume))" }.sorted().joined(separator: " "))")
        #expect(vnic.volume > 0 || (LibvirtLabTests.value(last, "network.incoming.packets", vnic.resourceID) ?? 0) > 0)
        #expect(LibvirtLabTests.value(last, "memory.resident", uuid).map { $0 > 0 } == true)
    }

    @Test("firmware-only KVM domain: real CPU, resident memory and block counters", .enabled(if: LibvirtLabTests.lab != nil))
    func firmwareDomain() async throws {
        guard FileManager.default.isWritableFile(atPath: "/dev/kvm") else {
            print("⚠️  SKIPPING the KVM domain: /dev/kvm is not usable here")
            return
        }
        let lab = LibvirtLabTests.lab!
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-lab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: lab + "/guest/firmware-disk.qcow2", toPath: work.appendingPathComponent("disk.qcow2").path)
        let name = "virtmon-test-kvm-\(UInt32.random(in: 0...UInt32.max))"
        let uuid = UUID().uuidString.lowercased()
        try await LibvirtLabTests.create("""
            <domain type='kvm'>
              <name>\(name)</name><uuid>\(uuid)</uuid><memory unit='MiB'>64</memory><vcpu>2</vcpu>
              <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
              <devices>
                <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
                  <source file='\(work.path)/disk.qcow2'/><target dev='vda' bus='virtio'/></disk>
                <memballoon model='virtio'/>
              </devices>
            </domain>
            """, in: work, name: name)
        defer {
            _ = Task { _ = try? await LibvirtLab.virsh("destroy", name); try? FileManager.default.removeItem(at: work) }
        }
        let pollster = DomainPollster(source: LibvirtConnection(uri: "qemu:///system", library: try LibvirtLibrary()))
        _ = try await pollster.poll(PollContext(host: "lab"))
        // SeaBIOS reads the boot sector after its boot delay, a few seconds in.
        var samples: [Sample] = []
        for _ in 0..<30 {
            try await Task.sleep(for: .seconds(1))
            samples = try await pollster.poll(PollContext(host: "lab"))
            if (LibvirtLabTests.value(samples, "disk.device.read.bytes", "\(uuid)-vda") ?? 0) > 0 { break }
        }
        #expect((LibvirtLabTests.value(samples, "cpu", uuid) ?? 0) > 0)
        #expect(LibvirtLabTests.value(samples, "cpu_util", uuid) != nil)
        #expect((LibvirtLabTests.value(samples, "memory.resident", uuid) ?? 0) > 0)
        #expect(LibvirtLabTests.value(samples, "vcpus", uuid) == 2)
        #expect((LibvirtLabTests.value(samples, "disk.device.read.bytes", "\(uuid)-vda") ?? 0) > 0, "the firmware reads the boot sector")
        #expect(LibvirtLabTests.value(samples, "disk.device.capacity", "\(uuid)-vda") == 16_777_216.0)
    }
}

extension LibvirtLabTests {
    /// A transient 64 MiB firmware-only domain on a copy of the lab's disk, in a directory of its own.
    static func firmwareGuest(_ prefix: String, lab: String) async throws -> (work: URL, name: String, uuid: String) {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-lab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: lab + "/guest/firmware-disk.qcow2", toPath: work.appendingPathComponent("disk.qcow2").path)
        let name = "virtmon-test-\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
        let uuid = UUID().uuidString.lowercased()
        let kvm = FileManager.default.isWritableFile(atPath: "/dev/kvm")
        try await create("""
            <domain type='\(kvm ? "kvm" : "qemu")'>
              <name>\(name)</name><uuid>\(uuid)</uuid><memory unit='MiB'>64</memory><vcpu>1</vcpu>
              <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
              <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
                <source file='\(work.path)/disk.qcow2'/><target dev='vda' bus='virtio'/></disk></devices>
            </domain>
            """, in: work, name: name)
        return (work, name, uuid)
    }

    @Test("libvirtd restarted under a guest: the connection notices, reconnects, and the guest's meters continue",
          .enabled(if: LibvirtLabTests.lab != nil))
    func daemonRestart() async throws {
        let lab = LibvirtLabTests.lab!
        let (work, name, uuid) = try await LibvirtLabTests.firmwareGuest("restart", lab: lab)
        defer {
            _ = Task { _ = try? await LibvirtLab.virsh("destroy", name); try? FileManager.default.removeItem(at: work) }
        }
        let connection = LibvirtConnection(uri: "qemu:///system", library: try LibvirtLibrary())
        #expect(try connection.collect().domains.contains { $0.uuid == uuid })

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/libvirt-lab.sh").path
        let restarted = try await ProcessRunner.run("/bin/bash", [script, "restart-daemon", lab])
        #expect(restarted.status == 0, "\(restarted.stderr)")

        // The old connection is dead; within a few cycles (backoff starts at 1 s) it is replaced.
        var failures: [String] = []
        var found = false
        let deadline = ContinuousClock.now + .seconds(30)
        while !found && ContinuousClock.now < deadline {
            do {
                found = try connection.collect().domains.contains { $0.uuid == uuid && $0.state == .running }
            } catch {
                failures.append("\(error)")
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        print("lab reconnect: \(failures.count) failed cycle(s) after the restart, then the guest was read again\(failures.first.map { " (first error: \($0))" } ?? "")")
        #expect(found, "after restart: \(failures)")
        #expect(failures.count <= 5)
    }
}

extension LibvirtLabTests {
    /// What each source handed on, with when.
    actor Handed: SampleSink {
        private(set) var cycles: [(source: String, at: ContinuousClock.Instant, samples: [Sample])] = []
        func accept(_ samples: [Sample], source: String) async { cycles.append((source, .now, samples)) }
    }

    @Test("libvirtd frozen (SIGSTOP) mid-run: host cycles go on, the VM pollster misses its deadline each cycle, and the guest's meters resume on SIGCONT",
          .enabled(if: LibvirtLabTests.lab != nil))
    func daemonFrozen() async throws {
        let lab = LibvirtLabTests.lab!
        let (work, name, uuid) = try await LibvirtLabTests.firmwareGuest("frozen", lab: lab)
        let daemon = try #require(Int32(String(contentsOfFile: lab + "/libvirtd.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        defer {
            kill(daemon, SIGCONT)  // whatever happened, never leave the lab's daemon frozen
            _ = Task { _ = try? await LibvirtLab.virsh("destroy", name); try? FileManager.default.removeItem(at: work) }
        }
        let connection = LibvirtConnection(uri: "qemu:///system", library: try LibvirtLibrary())
        let handed = Handed()
        let everything = try MeterSelector(["*"])
        let scheduler = PollScheduler(
            sources: [
                PollSource(name: "host", interval: .milliseconds(500), selector: everything, pollsters: [CPUPollster(), LoadAveragePollster()]),
                PollSource(name: "vm", interval: .seconds(1), selector: everything, pollsters: [DomainPollster(source: connection)],
                           timeout: .milliseconds(800)),
            ],
            sink: handed, host: "lab", logger: Logger(label: "test.frozen"))
        let running = Task { try await scheduler.run() }
        defer { running.cancel() }

        func guestRead(after instant: ContinuousClock.Instant) async -> Bool {
            await handed.cycles.contains { $0.source == "vm" && $0.at > instant && $0.samples.contains { $0.resourceID == uuid && $0.name == "memory" } }
        }
        // The guest is read before the freeze.
        let began = ContinuousClock.now
        while !(await guestRead(after: began)), ContinuousClock.now < began + .seconds(30) { try await Task.sleep(for: .milliseconds(200)) }
        #expect(await guestRead(after: began), "the guest was never read before the freeze")

        #expect(kill(daemon, SIGSTOP) == 0)
        let frozen = ContinuousClock.now
        try await Task.sleep(for: .seconds(6))
        let hostCycles = await handed.cycles.filter { $0.source == "host" && $0.at > frozen && !$0.samples.isEmpty }.count
        let vmCycles = await handed.cycles.filter { $0.source == "vm" && $0.at > frozen }
        let overruns = await scheduler.pollsterStats()["vm/libvirt"]?.overruns ?? 0
        print("libvirtd frozen 6 s: \(hostCycles) host cycles handed on, \(vmCycles.count) VM cycles handed on without the guest, libvirt pollster overruns \(overruns)")
        // Host metering keeps its 0.5 s interval; the VM source still completes its cycles, without the guest.
        #expect(hostCycles >= 9)
        #expect(vmCycles.count >= 4)
        // A cycle whose read finished just before SIGSTOP is handed on just after it (CI of 7738e91 saw one): only
        // cycles handed on later than a whole VM timeout after the freeze must have started frozen.
        #expect(!vmCycles.contains { $0.at > frozen + .seconds(1) && $0.samples.contains { $0.resourceID == uuid } })
        #expect(overruns >= 4)

        #expect(kill(daemon, SIGCONT) == 0)
        let thawed = ContinuousClock.now
        while !(await guestRead(after: thawed)), ContinuousClock.now < thawed + .seconds(30) { try await Task.sleep(for: .milliseconds(200)) }
        let resumedAfter = ContinuousClock.now - thawed
        print("libvirtd resumed: the guest's meters were handed on again \(resumedAfter) after SIGCONT")
        #expect(await guestRead(after: thawed), "the guest was not read again within 30 s of SIGCONT")
    }
}
