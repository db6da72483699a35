import Foundation
import Synchronization

/// A read-only connection to libvirt that reads every domain once per cycle: one bulk stats call (with NOWAIT,
/// so a domain whose job lock is held — migrating, shutting down — is skipped rather than waited for), and
/// per-domain calls only for groups the bulk call did not report (the test driver reports only state).
/// Reconnects with backoff when the daemon goes away. Calls block: run `collect` on a thread that may block
/// (the agent's pollsters run on their own threads).
public final class LibvirtConnection: DomainStatsSource {
    public let target: String
    private let library: LibvirtLibrary
    private let state = Mutex(State())

    struct State: ~Copyable {
        /// virConnectPtr; only touched with the mutex held.
        var handle: UInt = 0
        var failures = 0
        var retryAt = ContinuousClock.now
        var triedOnce = false
        /// Facts from each domain's XML and the cycle they were read in: the XML is one RPC per domain on a real
        /// daemon and rarely changes, so it is read again only every `xmlRefreshCycles` cycles or on a state change.
        var xml: [String: (facts: XMLFacts, cycle: Int, state: DomainState)] = [:]
        var cycle = 0
    }

    struct XMLFacts {
        var nova: NovaMetadata?
        var disks: [String]
        var interfaces: [(target: String, mac: String?)]
    }

    /// How many cycles XML-derived facts (nova metadata, device targets, MACs) are reused.
    static let xmlRefreshCycles = 30

    // Bulk stats groups and flags (libvirt-domain.h).
    static let statsGroups: UInt32 = 1 | 2 | 4 | 8 | 16 | 32  // STATE CPU_TOTAL BALLOON VCPU INTERFACE BLOCK
    static let noWait: UInt32 = 1 << 29

    public init(uri: String, library: LibvirtLibrary) {
        target = uri
        self.library = library
    }

    deinit {
        let handle = state.withLock { $0.handle }
        if handle != 0 { _ = library.call("virConnectClose", as: LibvirtLibrary.ConnectClose.self)(OpaquePointer(bitPattern: handle)) }
    }

    /// Opens the connection now (the agent does this at start so that a bad URI is reported at once).
    public func connect() throws(LibvirtError) {
        try state.withLock { (state: inout State) throws(LibvirtError) in _ = try open(&state) }
    }

    public func collect() throws -> DomainCycle {
        try state.withLock { (state: inout State) throws -> DomainCycle in
            let connection = try open(&state)
            do {
                state.cycle += 1
                return try read(connection, &state)
            } catch let error as LibvirtError {
                // A dead connection fails every call; drop it so the next cycle reconnects.
                if library.call("virConnectIsAlive", as: LibvirtLibrary.ConnectIsAlive.self)(connection) != 1 {
                    close(&state)
                }
                throw error
            }
        }
    }

    private func open(_ state: inout State) throws(LibvirtError) -> OpaquePointer {
        if state.handle != 0, let existing = OpaquePointer(bitPattern: state.handle) {
            if library.call("virConnectIsAlive", as: LibvirtLibrary.ConnectIsAlive.self)(existing) == 1 { return existing }
            close(&state)
        }
        let now = ContinuousClock.now
        if state.triedOnce && now < state.retryAt {
            throw LibvirtError(call: "virConnectOpenReadOnly(\(target))", message: "not connected; next attempt in \(Int((state.retryAt - now).inSecondsRounded)) s")
        }
        state.triedOnce = true
        guard let connection = library.call("virConnectOpenReadOnly", as: LibvirtLibrary.OpenReadOnly.self)(target) else {
            state.failures += 1
            // 1 s, doubling to a minute between attempts while the daemon is away.
            state.retryAt = now + .seconds(min(60, 1 << min(state.failures - 1, 6)))
            throw LibvirtError(call: "virConnectOpenReadOnly(\(target))", message: library.lastErrorMessage())
        }
        state.failures = 0
        state.handle = UInt(bitPattern: connection)
        return connection
    }

    private func close(_ state: inout State) {
        if let handle = OpaquePointer(bitPattern: state.handle) {
            _ = library.call("virConnectClose", as: LibvirtLibrary.ConnectClose.self)(handle)
        }
        state.handle = 0
    }

    private func read(_ connection: OpaquePointer, _ state: inout State) throws(LibvirtError) -> DomainCycle {
        var problems: [String] = []
        // Every domain, active and inactive.
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = library.call("virConnectListAllDomains", as: LibvirtLibrary.ListAllDomains.self)(connection, &list, 0)
        guard count >= 0, let list else {
            throw LibvirtError(call: "virConnectListAllDomains", message: library.lastErrorMessage())
        }
        defer {
            for index in 0..<Int(count) { _ = library.call("virDomainFree", as: LibvirtLibrary.DomainFree.self)(list[index]) }
            free(list)
        }
        var domains: [String: DomainStats] = [:]
        var order: [String] = []
        var pointers: [String: OpaquePointer] = [:]
        var xmlFacts: [String: XMLFacts] = [:]
        for index in 0..<Int(count) {
            guard let domain = list[index] else { continue }
            do {
                let (stats, facts) = try describe(domain, &state)
                domains[stats.uuid] = stats
                order.append(stats.uuid)
                pointers[stats.uuid] = domain
                xmlFacts[stats.uuid] = facts
            } catch {
                // Undefined or destroyed between the listing and now: it simply is not part of this cycle.
                problems.append("\(error)")
            }
        }

        var bulk: [String: [String: TypedValue]] = [:]
        do {
            bulk = try bulkStats(connection)
        } catch {
            problems.append("\(error)")
        }

        for uuid in order {
            guard var stats = domains[uuid], let domain = pointers[uuid] else { continue }
            let values = bulk[uuid] ?? [:]
            if let cpu = BulkStats.cpuTime(values) { stats.cpuTimeNs = cpu }
            guard stats.state.isActive else {
                domains[uuid] = stats
                continue
            }
            stats.balloon = BulkStats.balloon(values) ?? memoryStats(domain, &problems, name: stats.name)
            let targets = xmlFacts[uuid] ?? XMLFacts(nova: nil, disks: [], interfaces: [])
            if var interfaces = BulkStats.interfaces(values) {
                for (position, interface) in interfaces.enumerated() {
                    interfaces[position].mac = targets.interfaces.first { $0.target == interface.name }?.mac
                }
                stats.interfaces = interfaces
            } else {
                stats.interfaces = targets.interfaces.compactMap { interfaceStats(domain, $0.target, mac: $0.mac, &problems, name: stats.name) }
            }
            stats.disks = BulkStats.disks(values) ?? targets.disks.compactMap { blockStats(domain, $0, &problems, name: stats.name) }
            domains[uuid] = stats
        }
        let present = Set(order)
        state.xml = state.xml.filter { present.contains($0.key) }
        return DomainCycle(domains: order.compactMap { domains[$0] }, problems: problems)
    }

    /// UUID, name, info and XML-derived facts of one domain.
    private func describe(_ domain: OpaquePointer, _ cache: inout State) throws(LibvirtError) -> (DomainStats, XMLFacts) {
        var uuidBuffer = [CChar](repeating: 0, count: 40)
        guard library.call("virDomainGetUUIDString", as: LibvirtLibrary.DomainGetUUIDString.self)(domain, &uuidBuffer) == 0 else {
            throw LibvirtError(call: "virDomainGetUUIDString", message: library.lastErrorMessage())
        }
        let uuid = String(cString: uuidBuffer)
        let name = library.call("virDomainGetName", as: LibvirtLibrary.DomainGetName.self)(domain).map { String(cString: $0) } ?? uuid
        // virDomainInfo: unsigned char state; unsigned long maxMem; unsigned long memory; unsigned short nrVirtCpu;
        // unsigned long long cpuTime — 40 bytes on LP64.
        var info = [UInt8](repeating: 0, count: 40)
        let status = info.withUnsafeMutableBytes {
            library.call("virDomainGetInfo", as: LibvirtLibrary.DomainGetInfo.self)(domain, $0.baseAddress)
        }
        guard status == 0 else { throw LibvirtError(call: "virDomainGetInfo(\(name))", message: library.lastErrorMessage()) }
        let (rawState, maxMem, vcpus, cpuTime) = info.withUnsafeBytes {
            ($0.load(as: UInt8.self), $0.load(fromByteOffset: 8, as: UInt64.self), $0.load(fromByteOffset: 24, as: UInt16.self),
             $0.load(fromByteOffset: 32, as: UInt64.self))
        }
        let state = DomainState(rawValue: Int(rawState)) ?? .noState
        var stats = DomainStats(uuid: uuid, name: name, state: state, vcpus: Int(vcpus), maxMemoryKiB: maxMem,
                                cpuTimeNs: state.isActive ? cpuTime : nil)
        if let cached = cache.xml[uuid], cached.state == state, cache.cycle - cached.cycle < LibvirtConnection.xmlRefreshCycles {
            stats.nova = cached.facts.nova
            return (stats, cached.facts)
        }
        var facts = XMLFacts(nova: nil, disks: [], interfaces: [])
        if let xmlPointer = library.call("virDomainGetXMLDesc", as: LibvirtLibrary.DomainGetXMLDesc.self)(domain, 0) {
            let xml = String(cString: xmlPointer)
            free(xmlPointer)
            facts = XMLFacts(nova: DomainXML.nova(xml), disks: DomainXML.diskTargets(xml), interfaces: DomainXML.interfaces(xml))
            cache.xml[uuid] = (facts, cache.cycle, state)
        } else {
            _ = library.lastErrorMessage()
        }
        stats.nova = facts.nova
        return (stats, facts)
    }

    /// One bulk call for every domain: uuid → typed parameters.
    private func bulkStats(_ connection: OpaquePointer) throws(LibvirtError) -> [String: [String: TypedValue]] {
        var records: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        let get = library.call("virConnectGetAllDomainStats", as: LibvirtLibrary.GetAllDomainStats.self)
        var count = get(connection, LibvirtConnection.statsGroups, &records, LibvirtConnection.noWait)
        if count < 0 {
            // Drivers that predate NOWAIT refuse the flag; ask again without it.
            _ = library.lastErrorMessage()
            count = get(connection, LibvirtConnection.statsGroups, &records, 0)
        }
        guard count >= 0, let records else {
            throw LibvirtError(call: "virConnectGetAllDomainStats", message: library.lastErrorMessage())
        }
        defer { library.call("virDomainStatsRecordListFree", as: LibvirtLibrary.StatsRecordListFree.self)(records) }
        var result: [String: [String: TypedValue]] = [:]
        for index in 0..<Int(count) {
            // virDomainStatsRecord: virDomainPtr dom; virTypedParameterPtr params; int nparams.
            guard let record = records[index] else { continue }
            let domain = record.load(as: OpaquePointer?.self)
            let params = record.load(fromByteOffset: 8, as: UnsafeRawPointer?.self)
            let nparams = Int(record.load(fromByteOffset: 16, as: Int32.self))
            var uuidBuffer = [CChar](repeating: 0, count: 40)
            guard library.call("virDomainGetUUIDString", as: LibvirtLibrary.DomainGetUUIDString.self)(domain, &uuidBuffer) == 0 else {
                _ = library.lastErrorMessage()
                continue
            }
            result[String(cString: uuidBuffer)] = params.map { TypedParameters.read($0, count: nparams) } ?? [:]
        }
        return result
    }

    private func memoryStats(_ domain: OpaquePointer, _ problems: inout [String], name: String) -> DomainStats.Balloon? {
        // virDomainMemoryStatStruct: int tag; unsigned long long val — 16 bytes.
        var buffer = [UInt8](repeating: 0, count: 16 * 16)
        let count = buffer.withUnsafeMutableBytes {
            library.call("virDomainMemoryStats", as: LibvirtLibrary.DomainMemoryStats.self)(domain, $0.baseAddress, 16, 0)
        }
        guard count > 0 else {
            if count < 0 { problems.append("virDomainMemoryStats(\(name)): \(library.lastErrorMessage())") }
            return nil
        }
        var balloon = DomainStats.Balloon()
        buffer.withUnsafeBytes { raw in
            for index in 0..<Int(count) {
                let tag = raw.load(fromByteOffset: index * 16, as: Int32.self)
                let value = raw.load(fromByteOffset: index * 16 + 8, as: UInt64.self)
                switch tag {
                case 0: balloon.swapInKiB = value
                case 1: balloon.swapOutKiB = value
                case 4: balloon.unusedKiB = value
                case 5: balloon.availableKiB = value
                case 6: balloon.currentKiB = value
                case 7: balloon.rssKiB = value
                case 8: balloon.usableKiB = value
                default: continue
                }
            }
        }
        return balloon
    }

    private func interfaceStats(_ domain: OpaquePointer, _ target: String, mac: String?, _ problems: inout [String], name: String) -> DomainStats.Interface? {
        var values = [Int64](repeating: 0, count: 8)
        let status = values.withUnsafeMutableBytes {
            library.call("virDomainInterfaceStats", as: LibvirtLibrary.DomainInterfaceStats.self)(domain, target, $0.baseAddress, 64)
        }
        guard status == 0 else {
            problems.append("virDomainInterfaceStats(\(name), \(target)): \(library.lastErrorMessage())")
            return nil
        }
        let v = values.map { UInt64(max(0, $0)) }
        return DomainStats.Interface(
            name: target, mac: mac, rxBytes: v[0], rxPackets: v[1], rxErrors: v[2], rxDrops: v[3], txBytes: v[4],
            txPackets: v[5], txErrors: v[6], txDrops: v[7])
    }

    private func blockStats(_ domain: OpaquePointer, _ target: String, _ problems: inout [String], name: String) -> DomainStats.Disk? {
        var values = [Int64](repeating: 0, count: 5)
        let status = values.withUnsafeMutableBytes {
            library.call("virDomainBlockStats", as: LibvirtLibrary.DomainBlockStats.self)(domain, target, $0.baseAddress, 40)
        }
        guard status == 0 else {
            problems.append("virDomainBlockStats(\(name), \(target)): \(library.lastErrorMessage())")
            return nil
        }
        var disk = DomainStats.Disk(
            name: target, readBytes: UInt64(max(0, values[1])), readRequests: UInt64(max(0, values[0])),
            writeBytes: UInt64(max(0, values[3])), writeRequests: UInt64(max(0, values[2])))
        var info = [UInt64](repeating: 0, count: 3)
        let infoStatus = info.withUnsafeMutableBytes {
            library.call("virDomainGetBlockInfo", as: LibvirtLibrary.DomainGetBlockInfo.self)(domain, target, $0.baseAddress, 0)
        }
        if infoStatus == 0 {
            disk.capacity = info[0]
            disk.allocation = info[1]
            disk.physical = info[2]
        } else {
            _ = library.lastErrorMessage()
        }
        return disk
    }
}

extension Duration {
    var inSecondsRounded: Double {
        let (seconds, attoseconds) = components
        return (Double(seconds) + Double(attoseconds) / 1e18).rounded(.up)
    }
}
