import Foundation

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
        for line in text.split(separator: "\n") {
            guard let colon = line.lastIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let numbers = line[line.index(after: colon)...].split(separator: " ").compactMap { UInt64($0) }
            guard !name.isEmpty, numbers.count >= 16 else { continue }
            result.append(
                InterfaceCounters(
                    name: name, receiveBytes: numbers[0], receivePackets: numbers[1], receiveErrors: numbers[2],
                    receiveDrops: numbers[3], transmitBytes: numbers[8], transmitPackets: numbers[9],
                    transmitErrors: numbers[10], transmitDrops: numbers[11]))
        }
        return result
    }
}
