/// One durable record of appended samples: (series, time, value, received) for every sample of a batch, or,
/// at a checkpoint, the whole head of each series whose oldest records are being dropped. Samples are written
/// raw (about 20 bytes each); a record lives until every series it holds samples of has sealed past it.
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
    /// A checkpoint record: for each series it names, its entries are that series' whole head when it was
    /// written, so replay replaces what earlier records put in the head instead of adding to it.
    public var replacesHeads: Bool

    public init(entries: [Entry], replacesHeads: Bool = false) {
        self.entries = entries
        self.replacesHeads = replacesHeads
    }

    /// Version 2 adds a CRC-32 of everything after the check; version 3 is version 2's layout for a checkpoint
    /// record (`replacesHeads`). Version 1 records (written before the check) are still read.
    static let version: UInt8 = 2
    static let checkpointVersion: UInt8 = 3

    /// Version byte, CRC-32 (4 bytes, little-endian) of the rest, entry count, then per entry: series (varint),
    /// time and receivedAt (zigzag varints, the latter relative to the time), value (8 bytes).
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [replacesHeads ? WALRecord.checkpointVersion : WALRecord.version, 0, 0, 0, 0]
        bytes.reserveCapacity(entries.count * 20 + 12)
        Varint.put(UInt64(entries.count), into: &bytes)
        for entry in entries {
            Varint.put(UInt64(bitPattern: entry.series), into: &bytes)
            Varint.put(WALRecord.zigzag(entry.time), into: &bytes)
            Varint.put(WALRecord.zigzag(entry.receivedAt &- entry.time), into: &bytes)
            var bits = entry.value.bitPattern.littleEndian
            withUnsafeBytes(of: &bits) { bytes.append(contentsOf: $0) }
        }
        let crc = CRC32.checksum(bytes[5...])
        for index in 0..<4 { bytes[1 + index] = UInt8(truncatingIfNeeded: crc >> UInt32(8 * index)) }
        return bytes
    }

    public init(decoding bytes: [UInt8]) throws(ChunkFormatError) {
        var offset: Int
        switch bytes.first {
        case 1:
            offset = 1
        case WALRecord.version, WALRecord.checkpointVersion:
            guard bytes.count >= 5 else { throw ChunkFormatError("write-ahead record is cut short: \(bytes.count) bytes") }
            var stored: UInt32 = 0
            for index in 0..<4 { stored |= UInt32(bytes[1 + index]) << UInt32(8 * index) }
            let computed = CRC32.checksum(bytes[5...])
            guard stored == computed else {
                throw ChunkFormatError("write-ahead record fails its check (CRC-32 stored \(Self.hex(stored)), computed \(Self.hex(computed)) over \(bytes.count - 5) bytes)")
            }
            offset = 5
        default:
            throw ChunkFormatError("write-ahead record has version \(bytes.first.map(String.init) ?? "(empty)"), expected 1, \(WALRecord.version) or \(WALRecord.checkpointVersion)")
        }
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
        guard offset == bytes.count else {
            throw ChunkFormatError("write-ahead record has \(bytes.count - offset) bytes after its \(count) entries")
        }
        self.entries = entries
        self.replacesHeads = bytes.first == WALRecord.checkpointVersion
    }

    private static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }

    static func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
    static func unzigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
}
