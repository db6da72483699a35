import VirtmonAgent

/// One interface's line of /proc/net/dev.
public struct InterfaceCounters: Sendable, Hashable {
    public var name: String
    public var receiveBytes: UInt64
    public var receivePackets: UInt64
    public var receiveErrors: UInt64
    public var receiveDrops: UInt64
    public var transmitBytes: UInt64
    public var transmitPackets: UInt64
    public var transmitErrors: UInt64
    public var transmitDrops: UInt64

    /// Every interface in /proc/net/dev, in file order. The two header lines and anything not shaped like an
    /// interface line are skipped.
    public static func parse(_ text: String) -> [InterfaceCounters] {
        var result: [InterfaceCounters] = []
        var numbers: [UInt64] = []
        numbers.reserveCapacity(16)
        ProcFields.forEachLine(text) { fields in
            guard let colon = fields.line.lastIndex(of: UInt8(ascii: ":")) else { return }
            var name = ProcFields(fields.line[..<colon])
            guard let device = name.nextString(), name.next() == nil else { return }
            var counters = ProcFields(fields.line[(colon + 1)...])
            numbers.removeAll(keepingCapacity: true)
            while numbers.count < 16, let field = counters.next() {
                if let number = ProcFields.decimal(field) { numbers.append(number) }
            }
            guard numbers.count == 16 else { return }
            result.append(
                InterfaceCounters(
                    name: device, receiveBytes: numbers[0], receivePackets: numbers[1], receiveErrors: numbers[2],
                    receiveDrops: numbers[3], transmitBytes: numbers[8], transmitPackets: numbers[9],
                    transmitErrors: numbers[10], transmitDrops: numbers[11]))
        }
        return result
    }
}
