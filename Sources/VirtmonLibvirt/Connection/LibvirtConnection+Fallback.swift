import Foundation

/// Per-domain calls for the groups a driver's bulk stats call does not report (the test driver reports only
/// state); each failure is a problem of the cycle, not an error of it.
extension LibvirtConnection {
    func memoryStats(_ domain: OpaquePointer, _ problems: inout [String], name: String) -> DomainStats.Balloon? {
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

    func interfaceStats(_ domain: OpaquePointer, _ target: String, mac: String?, _ problems: inout [String], name: String) -> DomainStats.Interface? {
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

    func blockStats(_ domain: OpaquePointer, _ target: String, _ problems: inout [String], name: String) -> DomainStats.Disk? {
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
