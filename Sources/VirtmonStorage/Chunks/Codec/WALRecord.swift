/// One durable record of appended samples: (series, time, value, received) for every sample of a batch, or
/// for every open head at a checkpoint. Samples are written raw (about 20 bytes each); they live only until
/// their series seal and a checkpoint drops the record.
public struct WALRecord: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var series: Int64
        public var time: Int64
        public var value: Double
        public var receivedAt: Int64

        public init(series: Int64, time: Int64, value: Double, receivedAt: Int64) {
            self.series = series
            self.time = time
            self.value = value
            self.receivedAt = receivedAt
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    static let version: UInt8 = 1

    /// Version byte, entry count, then per entry: series (varint), time and receivedAt (zigzag varints, the
    /// latter relative to the time), value (8 bytes).
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [WALRecord.version]
        bytes.reserveCapacity(entries.count * 20 + 8)
        Varint.put(UInt64(entries.count), into: &bytes)
        for entry in entries {
            Varint.put(UInt64(bitPattern: entry.series), into: &bytes)
            Varint.put(WALRecord.zigzag(entry.time), into: &bytes)
            Varint.put(WALRecord.zigzag(entry.receivedAt &- entry.time), into: &bytes)
            var bits = entry.value.bitPattern.littleEndian
            withUnsafeBytes(of: &bits) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    public init(decoding bytes: [UInt8]) throws(ChunkFormatError) {
        guard bytes.first == WALRecord.version else {
            throw ChunkFormatError("write-ahead record has version \(bytes.first.map(String.init) ?? "(empty)"), expected \(WALRecord.version)")
        }
        var offset = 1
        let count = try Varint.read(bytes, &offset, in: "write-ahead record")
        guard count <= UInt64(bytes.count) else { throw ChunkFormatError("write-ahead record claims \(count) entries in \(bytes.count) bytes") }
        var entries: [Entry] = []
        entries.reserveCapacity(Int(count))
        for _ in 0..<count {
            let series = Int64(bitPattern: try Varint.read(bytes, &offset, in: "write-ahead record"))
            let time = WALRecord.unzigzag(try Varint.read(bytes, &offset, in: "write-ahead record"))
            let received = time &+ WALRecord.unzigzag(try Varint.read(bytes, &offset, in: "write-ahead record"))
            guard offset + 8 <= bytes.count else { throw ChunkFormatError("write-ahead record is cut short") }
            var bits: UInt64 = 0
            for index in 0..<8 { bits |= UInt64(bytes[offset + index]) << UInt64(8 * index) }
            offset += 8
            entries.append(Entry(series: series, time: time, value: Double(bitPattern: bits), receivedAt: received))
        }
        self.entries = entries
    }

    static func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
    static func unzigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
}
