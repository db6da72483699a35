import VirtmonAgent

/// One device's line of /proc/diskstats. Sector counts there are always in 512-byte units, whatever the
/// device's own sector size.
public struct BlockDeviceCounters: Sendable, Hashable {
    public var name: String
    public var readsCompleted: UInt64
    public var sectorsRead: UInt64
    public var readMilliseconds: UInt64
    public var writesCompleted: UInt64
    public var sectorsWritten: UInt64
    public var writeMilliseconds: UInt64
    public var ioMilliseconds: UInt64

    public var readBytes: UInt64 { sectorsRead * 512 }
    public var writtenBytes: UInt64 { sectorsWritten * 512 }

    /// Every device line of /proc/diskstats (14 or more fields); malformed lines are skipped.
    public static func parse(_ text: String) -> [BlockDeviceCounters] {
        var result: [BlockDeviceCounters] = []
        var numbers: [UInt64] = []
        numbers.reserveCapacity(11)
        ProcFields.forEachLine(text) { fields in
            guard fields.skip(2), let name = fields.next() else { return }
            numbers.removeAll(keepingCapacity: true)
            while numbers.count < 11, let number = fields.nextUInt64() { numbers.append(number) }
            guard numbers.count == 11 else { return }
            result.append(
                BlockDeviceCounters(
                    name: String(decoding: name, as: UTF8.self), readsCompleted: numbers[0], sectorsRead: numbers[2],
                    readMilliseconds: numbers[3], writesCompleted: numbers[4], sectorsWritten: numbers[6],
                    writeMilliseconds: numbers[7], ioMilliseconds: numbers[9]))
        }
        return result
    }
}
