import Foundation

/// The cycle read: what one `collect` asks libvirt, in as few calls as the driver allows.
extension LibvirtConnection {
    /// One cycle: list every domain, describe each, one bulk stats call, then the per-domain calls
    /// (LibvirtConnection+Fallback) for groups the bulk call left out.
    func read(_ connection: OpaquePointer, _ state: inout State) throws(LibvirtError) -> DomainCycle {
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
            // Each per-domain call that fails says why in `problems`; those of this domain are its own.
            let problemsBefore = problems.count
            defer { if problems.count > problemsBefore { domains[uuid]?.unread = Array(problems[problemsBefore...]) } }
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
}
