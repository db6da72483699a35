import Foundation
import Logging
import VirtmonAgent
import VirtmonLibvirt
import VirtmonModel
import VirtmonThreads

/// Every VM meter from one read of every domain per cycle (a bulk stats call underneath): CPU time and
/// utilisation per vCPU, vCPUs, allocated and used memory (balloon), QEMU's resident memory, swap, per-disk and
/// per-vNIC counters, power state. Resources are domain UUIDs, devices `UUID-DEVICE` as Ceilometer names them;
/// nova metadata supplies project and user ids.
public actor DomainPollster: Pollster {
    public nonisolated let name = "libvirt"
    public nonisolated var needsPreviousRead: Bool { true }
    private let source: any DomainStatsSource
    private let logger: Logger
    /// Previous cumulative CPU time and when it was read, per domain, for cpu_util.
    private var previousCPU: [String: (ns: UInt64, at: Double)] = [:]
    /// The kind of the outage under way, nil while libvirt answers: each kind is said once, when it begins.
    private var outage: LibvirtError.Kind?

    public init(source: any DomainStatsSource, logger: Logger = Logger(label: "virtmon.libvirt")) {
        self.source = source
        self.logger = logger
    }

    public nonisolated var meters: [MeterDefinition] { DomainMeters.all }

    public func poll(_ context: PollContext) async throws -> [Sample] {
        let cycle: DomainCycle
        let read: PollContext
        do {
            // Stamped and timed when libvirt is asked, not when the cycle began: on a loaded host the call can
            // wait seconds for a thread, and a counter stamped with the cycle's start would then be a rate over
            // a window it was not read in (cpu_util and any scraper's rate() would disagree, both wrong).
            (cycle, read) = try await Blocking.run { [source] in
                let asked = context.restamped()
                return (try source.collect(), asked)
            }
        } catch {
            // Said once per kind of outage, not every cycle; the connection retries with backoff underneath.
            let failure = error as? LibvirtError ?? LibvirtError(call: "collect", message: "\(error)")
            if outage != failure.kind { report(failure) }
            outage = failure.kind
            throw SourceUnavailable("libvirt at \(source.target): \(failure)")
        }
        if outage != nil { logger.notice("libvirt reachable again, VM meters resume", metadata: ["uri": "\(source.target)"]) }
        outage = nil
        for problem in cycle.problems { logger.warning("libvirt: \(problem)", metadata: ["uri": "\(source.target)"]) }
        var samples: [Sample] = []
        var seen: Set<String> = []
        for domain in cycle.domains {
            seen.insert(domain.uuid)
            samples += self.samples(for: domain, read)
        }
        // Domains that disappeared: forget them, so a recreated domain starts over.
        previousCPU = previousCPU.filter { seen.contains($0.key) }
        return samples
    }

    /// One line per kind of outage, at the level it deserves: a daemon that is not running is normal on a
    /// host without VMs (notice); a refused user needs fixing (warning); anything else is an error.
    private func report(_ failure: LibvirtError) {
        let metadata: Logger.Metadata = ["uri": "\(source.target)"]
        switch failure.kind {
        case .daemonDown(let socket):
            logger.notice("libvirt's daemon is not running (nothing listens on \(socket ?? "its socket")); VM meters start when it does, host metering continues", metadata: metadata)
        case .permissionDenied(let socket):
            logger.warning("libvirt refused this agent (permission denied on \(socket ?? "its socket")): run it as root or as a member of the libvirt group; VM meters are paused", metadata: metadata)
        case .missingFile(let path):
            logger.error("libvirt cannot read \(path ?? "the test driver's file"): give --libvirt-uri test:///ABSOLUTE/PATH/node.xml of a file that exists", metadata: metadata)
        case .other:
            logger.error("libvirt unavailable, VM meters paused: \(failure)", metadata: metadata)
        }
    }

    func samples(for domain: DomainStats, _ context: PollContext) -> [Sample] {
        var domainMetadata: [String: JSONValue] = [
            "name": .string(domain.nova?.instanceName ?? domain.name), "instance_name": .string(domain.name),
            "vcpus": .number(Double(domain.vcpus)), "memory_mb": .number(Double(domain.maxMemoryKiB / 1024)),
            "state": .string(domain.state.name), "resource_type": "instance",
        ]
        if let flavor = domain.nova?.flavorName { domainMetadata["flavor_name"] = .string(flavor) }
        if let project = domain.nova?.projectName { domainMetadata["project_name"] = .string(project) }
        if let user = domain.nova?.userName { domainMetadata["user_name"] = .string(user) }
        func sample(_ meter: MeterDefinition, _ volume: Double, resource: String? = nil, metadata: [String: JSONValue]? = nil) -> Sample {
            var sample = context.sample(meter, volume: volume, resourceID: resource ?? domain.uuid, metadata: metadata ?? domainMetadata)
            sample.projectID = domain.nova?.projectID
            sample.userID = domain.nova?.userID
            return sample
        }
        var result: [Sample] = [
            sample(DomainMeters.powerState, Double(domain.state.rawValue)),
            sample(DomainMeters.vcpus, Double(domain.vcpus)),
            sample(DomainMeters.memory, Double(domain.maxMemoryKiB) / 1024),
            sample(DomainMeters.readComplete, domain.unread.isEmpty ? 1 : 0),
        ]
        guard domain.state.isActive else {
            previousCPU[domain.uuid] = nil
            return result
        }
        if let cpu = domain.cpuTimeNs {
            result.append(sample(DomainMeters.cpu, Double(cpu)))
            if let previous = previousCPU[domain.uuid], cpu >= previous.ns, context.monotonicTime > previous.at, domain.vcpus > 0 {
                // Per vCPU, as Ceilometer and unlike kanyun: a 4-vCPU guest with one busy vCPU is at 25 %.
                let elapsedNs = (context.monotonicTime - previous.at) * 1e9
                let utilisation = Double(cpu - previous.ns) / (elapsedNs * Double(domain.vcpus)) * 100
                result.append(sample(DomainMeters.cpuUtil, min(100, max(0, utilisation))))
            }
            previousCPU[domain.uuid] = (cpu, context.monotonicTime)
        }
        if let balloon = domain.balloon {
            if let used = balloon.usedKiB { result.append(sample(DomainMeters.memoryUsage, Double(used) / 1024)) }
            if let rss = balloon.rssKiB { result.append(sample(DomainMeters.memoryResident, Double(rss) / 1024)) }
            if let swapIn = balloon.swapInKiB { result.append(sample(DomainMeters.swapIn, Double(swapIn) / 1024)) }
            if let swapOut = balloon.swapOutKiB { result.append(sample(DomainMeters.swapOut, Double(swapOut) / 1024)) }
        }
        for disk in domain.disks {
            let resource = "\(domain.uuid)-\(disk.name)"
            // Merged once per device, not once per sample.
            let deviceMetadata = domainMetadata.merging(
                ["disk_name": .string(disk.name), "instance_id": .string(domain.uuid), "resource_type": "disk"]) { $1 }
            var values: [(MeterDefinition, Double)] = [
                (DomainMeters.diskReadBytes, Double(disk.readBytes)), (DomainMeters.diskWriteBytes, Double(disk.writeBytes)),
                (DomainMeters.diskReadRequests, Double(disk.readRequests)), (DomainMeters.diskWriteRequests, Double(disk.writeRequests)),
            ]
            if let time = disk.readTimeNs { values.append((DomainMeters.diskReadLatency, Double(time))) }
            if let time = disk.writeTimeNs { values.append((DomainMeters.diskWriteLatency, Double(time))) }
            if let capacity = disk.capacity { values.append((DomainMeters.diskCapacity, Double(capacity))) }
            if let allocation = disk.allocation { values.append((DomainMeters.diskAllocation, Double(allocation))) }
            if let physical = disk.physical { values.append((DomainMeters.diskUsage, Double(physical))) }
            result += values.map { sample($0.0, $0.1, resource: resource, metadata: deviceMetadata) }
        }
        for interface in domain.interfaces {
            let resource = "\(domain.uuid)-\(interface.name)"
            var extra: [String: JSONValue] = ["vnic_name": .string(interface.name), "instance_id": .string(domain.uuid), "resource_type": "vnic"]
            if let mac = interface.mac { extra["mac"] = .string(mac) }
            let deviceMetadata = domainMetadata.merging(extra) { $1 }
            let values: [(MeterDefinition, UInt64)] = [
                (DomainMeters.netInBytes, interface.rxBytes), (DomainMeters.netOutBytes, interface.txBytes),
                (DomainMeters.netInPackets, interface.rxPackets), (DomainMeters.netOutPackets, interface.txPackets),
                (DomainMeters.netInDrops, interface.rxDrops), (DomainMeters.netOutDrops, interface.txDrops),
                (DomainMeters.netInErrors, interface.rxErrors), (DomainMeters.netOutErrors, interface.txErrors),
            ]
            result += values.map { sample($0.0, Double($0.1), resource: resource, metadata: deviceMetadata) }
        }
        return result
    }
}

/// The VM meters, with Ceilometer's names and units (REFERENCE §2).
public enum DomainMeters {
    static func meter(_ name: String, _ type: SampleType, _ unit: String, _ help: String) -> MeterDefinition {
        MeterDefinition(name: name, type: type, unit: unit, summary: help, origin: "libvirt bulk domain stats")
    }

    static let cpu = meter("cpu", .cumulative, "ns", "CPU time used by the domain")
    static let cpuUtil = meter("cpu_util", .gauge, "%", "CPU time over wall time per vCPU (at most 100)")
    static let vcpus = meter("vcpus", .gauge, "vcpu", "virtual CPUs")
    static let memory = meter("memory", .gauge, "MB", "memory allocated to the domain (its maximum)")
    static let memoryUsage = meter("memory.usage", .gauge, "MB", "memory used inside the guest: balloon available − unused")
    static let memoryResident = meter("memory.resident", .gauge, "MB", "resident memory of the QEMU process (balloon rss)")
    static let swapIn = meter("memory.swap.in", .cumulative, "MB", "memory the guest swapped in")
    static let swapOut = meter("memory.swap.out", .cumulative, "MB", "memory the guest swapped out")
    static let diskReadBytes = meter("disk.device.read.bytes", .cumulative, "B", "bytes read, per disk")
    static let diskWriteBytes = meter("disk.device.write.bytes", .cumulative, "B", "bytes written, per disk")
    static let diskReadRequests = meter("disk.device.read.requests", .cumulative, "request", "read requests, per disk")
    static let diskWriteRequests = meter("disk.device.write.requests", .cumulative, "request", "write requests, per disk")
    static let diskReadLatency = meter("disk.device.read.latency", .cumulative, "ns", "time spent reading, per disk")
    static let diskWriteLatency = meter("disk.device.write.latency", .cumulative, "ns", "time spent writing, per disk")
    static let diskCapacity = meter("disk.device.capacity", .gauge, "B", "disk size seen by the guest")
    static let diskAllocation = meter("disk.device.allocation", .gauge, "B", "host storage allocated to the disk")
    static let diskUsage = meter("disk.device.usage", .gauge, "B", "physical size of the disk's image on the host")
    static let netInBytes = meter("network.incoming.bytes", .cumulative, "B", "bytes received, per vNIC")
    static let netOutBytes = meter("network.outgoing.bytes", .cumulative, "B", "bytes sent, per vNIC")
    static let netInPackets = meter("network.incoming.packets", .cumulative, "packet", "packets received, per vNIC")
    static let netOutPackets = meter("network.outgoing.packets", .cumulative, "packet", "packets sent, per vNIC")
    static let netInDrops = meter("network.incoming.packets.drop", .cumulative, "packet", "received packets dropped, per vNIC")
    static let netOutDrops = meter("network.outgoing.packets.drop", .cumulative, "packet", "sent packets dropped, per vNIC")
    static let netInErrors = meter("network.incoming.packets.error", .cumulative, "packet", "receive errors, per vNIC")
    static let netOutErrors = meter("network.outgoing.packets.error", .cumulative, "packet", "send errors, per vNIC")
    static let powerState = meter("power.state", .gauge, "state", "libvirt domain state (1 running, 3 paused, 5 shut off, …)")
    static let readComplete = meter("virtmon.domain.read", .gauge, "bool", "1 when every statistic of the domain was read this cycle, 0 when some could not be (a domain locked by a migration or job, or vanishing mid-read)")

    public static let all: [MeterDefinition] = [
        cpu, cpuUtil, vcpus, memory, memoryUsage, memoryResident, swapIn, swapOut, diskReadBytes, diskWriteBytes,
        diskReadRequests, diskWriteRequests, diskReadLatency, diskWriteLatency, diskCapacity, diskAllocation, diskUsage,
        netInBytes, netOutBytes, netInPackets, netOutPackets, netInDrops, netOutDrops, netInErrors, netOutErrors, powerState,
        readComplete,
    ]
}
