import Foundation
import Synchronization
import Testing
import VirtmonAgent
import VirtmonLibvirt
import VirtmonModel
@testable import VirtmonPollsters

/// A stats source that returns what the test sets, or fails.
final class FakeDomains: DomainStatsSource {
    let target = "fake:///"
    let next = Mutex<Result<DomainCycle, LibvirtError>>(.success(DomainCycle(domains: [])))
    func set(_ domains: [DomainStats]) { next.withLock { $0 = .success(DomainCycle(domains: domains)) } }
    func fail() { next.withLock { $0 = .failure(LibvirtError(call: "virConnectOpenReadOnly", message: "daemon gone")) } }
    func collect() throws -> DomainCycle { try next.withLock { try $0.get() } }
}

@Suite("VM meters from domain stats")
struct DomainPollsterTests {
    static func context(at seconds: Double) -> PollContext {
        let wall = Date(timeIntervalSince1970: 1_795_132_800 + seconds), monotonic = 1000 + seconds
        return PollContext(host: "compute-1", timestamp: wall, monotonicTime: monotonic, clock: { (wall, monotonic) })
    }

    static func domain(cpu: UInt64, vcpus: Int = 4, state: DomainState = .running) -> DomainStats {
        DomainStats(
            uuid: "uuid-1", name: "instance-00000001", state: state, vcpus: vcpus, maxMemoryKiB: 2_097_152, cpuTimeNs: cpu,
            balloon: .init(currentKiB: 2_097_152, availableKiB: 2_000_000, unusedKiB: 1_488_000, usableKiB: 1_400_000, rssKiB: 600_000,
                           swapInKiB: 2048, swapOutKiB: 0),
            interfaces: [.init(name: "vnet0", mac: "52:54:00:aa:bb:cc", rxBytes: 1000, rxPackets: 10, txBytes: 2000, txPackets: 20, txDrops: 1)],
            disks: [.init(name: "vda", readBytes: 4096, readRequests: 1, readTimeNs: 500, writeBytes: 8192, writeRequests: 2,
                          capacity: 10 << 30, allocation: 1 << 30, physical: 1 << 30)],
            nova: NovaMetadata(instanceName: "web-1", flavorName: "m1.small", projectID: "proj-1", userID: "user-1"))
    }

    func value(_ samples: [Sample], _ name: String, resource: String = "uuid-1") -> Double? {
        samples.first { $0.name == name && $0.resourceID == resource }?.volume
    }

    @Test("cpu_util is CPU time over wall time per vCPU: one busy vCPU of four is 25 %")
    func cpuUtilPerVCPU() async throws {
        let source = FakeDomains()
        let pollster = DomainPollster(source: source)
        source.set([Self.domain(cpu: 5_000_000_000)])
        let first = try await pollster.poll(Self.context(at: 0))
        #expect(value(first, "cpu_util") == nil)  // needs a previous read
        #expect(value(first, "cpu") == 5_000_000_000)
        source.set([Self.domain(cpu: 7_500_000_000)])  // +2.5 s of CPU in 10 s on 4 vCPUs
        let second = try await pollster.poll(Self.context(at: 10))
        #expect(abs(value(second, "cpu_util")! - 6.25) < 1e-9)
        source.set([Self.domain(cpu: 7_500_000_000 + 60_000_000_000)])  // more than the vCPUs can do: capped
        #expect(value(try await pollster.poll(Self.context(at: 20)), "cpu_util") == 100)
        source.set([Self.domain(cpu: 1_000)])  // restarted guest: the counter went back; no figure this cycle
        #expect(value(try await pollster.poll(Self.context(at: 30)), "cpu_util") == nil)
    }

    @Test("memory usage from the balloon, not the maximum; ids and metadata from nova; devices named UUID-DEVICE")
    func memoryAndDevices() async throws {
        let source = FakeDomains()
        source.set([Self.domain(cpu: 1)])
        let samples = try await DomainPollster(source: source).poll(Self.context(at: 0))
        #expect(value(samples, "memory") == 2048)
        #expect(value(samples, "memory.usage") == 500.0)  // (2,000,000 − 1,488,000) KiB
        #expect(value(samples, "memory.resident") == 600_000.0 / 1024)
        #expect(value(samples, "memory.swap.in") == 2)
        #expect(value(samples, "vcpus") == 4)
        #expect(value(samples, "power.state") == 1)
        #expect(value(samples, "disk.device.read.bytes", resource: "uuid-1-vda") == 4096)
        #expect(value(samples, "disk.device.capacity", resource: "uuid-1-vda") == Double(10 << 30))
        #expect(value(samples, "disk.device.read.latency", resource: "uuid-1-vda") == 500)
        #expect(value(samples, "network.outgoing.packets.drop", resource: "uuid-1-vnet0") == 1)
        let cpu = samples.first { $0.name == "cpu" }!
        #expect(cpu.projectID == "proj-1" && cpu.userID == "user-1")
        #expect(cpu.resourceMetadata["name"] == "web-1" && cpu.resourceMetadata["flavor_name"] == "m1.small")
        #expect(cpu.resourceMetadata["instance_name"] == "instance-00000001")
        let vnic = samples.first { $0.resourceID == "uuid-1-vnet0" }!
        #expect(vnic.resourceMetadata["mac"] == "52:54:00:aa:bb:cc" && vnic.resourceMetadata["instance_id"] == "uuid-1")
        #expect(Set(samples.map(\.name)).isSubset(of: Set(DomainMeters.all.map(\.name))))
    }

    @Test("a domain whose statistics could not all be read says so in virtmon.domain.read, and keeps what was read")
    func partlyRead() async throws {
        let source = FakeDomains()
        let pollster = DomainPollster(source: source)
        var locked = Self.domain(cpu: 1_000)
        locked.uuid = "uuid-2"
        locked.unread = ["virDomainBlockStats(instance-00000001, vda): Timed out during operation: cannot acquire state change lock"]
        source.set([Self.domain(cpu: 1_000), locked])
        let samples = try await pollster.poll(Self.context(at: 0))
        let flags = samples.filter { $0.name == "virtmon.domain.read" }.map(\.volume)
        #expect(flags == [1, 0])
        #expect(samples.filter { $0.name == "disk.device.read.bytes" }.count == 2)
    }

    @Test("a shut-off domain reports state, vCPUs and memory only; a failing source is a failed poll the scheduler counts, then meters resume")
    func inactiveAndFailing() async throws {
        let source = FakeDomains()
        let pollster = DomainPollster(source: source)
        source.set([Self.domain(cpu: 0, state: .shutoff)])
        let off = try await pollster.poll(Self.context(at: 0))
        #expect(Set(off.map(\.name)) == ["power.state", "vcpus", "memory", "virtmon.domain.read"])
        #expect(value(off, "power.state") == 5)
        source.fail()
        await #expect(throws: SourceUnavailable.self) { try await pollster.poll(Self.context(at: 10)) }
        await #expect(throws: SourceUnavailable.self) { try await pollster.poll(Self.context(at: 15)) }
        source.set([Self.domain(cpu: 1)])
        #expect(!(try await pollster.poll(Self.context(at: 20))).isEmpty)
    }

    @Test("balloon usage falls back to available − usable, and is absent without balloon stats")
    func balloonFormula() {
        #expect(DomainStats.Balloon(availableKiB: 1000, unusedKiB: 400).usedKiB == 600)
        #expect(DomainStats.Balloon(availableKiB: 1000, usableKiB: 300).usedKiB == 700)
        #expect(DomainStats.Balloon(currentKiB: 1000).usedKiB == nil)
    }
}
