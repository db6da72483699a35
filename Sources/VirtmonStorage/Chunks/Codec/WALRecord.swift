/// One durable record of appended samples: (series, time, value, received) for every sample of a batch, or,
/// at a checkpoint, the whole head of each series whose oldest records are being dropped. A sample takes about
/// 5 to 12 bytes (see `encoded`); a record lives until every series it holds samples of has sealed past it.
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
    /// record (`replacesHeads`). Versions 4 and 5 (plain and checkpoint) write each field as a change from the
    /// entry before, and integral values as integers: a batch's samples share their time and arrival and run
    /// through ascending series, so most of an entry is its value, and counters are whole numbers. Records of
    /// versions 1 to 3 (written by earlier virtmons) are still read.
    static let version: UInt8 = 4
    static let checkpointVersion: UInt8 = 5

    /// Version byte, CRC-32 (4 bytes, little-endian) of the rest, entry count, then per entry: series, time and
    /// receivedAt as zigzag varints of their difference from the previous entry's (the first from 0), and the
    /// value as `Value`.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [replacesHeads ? WALRecord.checkpointVersion : WALRecord.version, 0, 0, 0, 0]
        bytes.reserveCapacity(entries.count * 8 + 24)
        Varint.put(UInt64(entries.count), into: &bytes)
        var previous = Entry(series: 0, time: 0, value: 0, receivedAt: 0)
        for entry in entries {
            Varint.put(WALRecord.zigzag(entry.series &- previous.series), into: &bytes)
            Varint.put(WALRecord.zigzag(entry.time &- previous.time), into: &bytes)
            Varint.put(WALRecord.zigzag(entry.receivedAt &- previous.receivedAt), into: &bytes)
            Value.put(entry.value, into: &bytes)
            previous = entry
        }
        let crc = CRC32.checksum(bytes[5...])
        for index in 0..<4 { bytes[1 + index] = UInt8(truncatingIfNeeded: crc >> UInt32(8 * index)) }
        return bytes
    }

    /// A value in versions 4 and 5: a whole number of magnitude below 2^53 (and not −0) as the varint of its
    /// zigzag shifted left by one, so the low bit is 0; anything else as the single byte 1 and the value's
    /// 8 bytes, little-endian.
    enum Value {
        static func put(_ value: Double, into bytes: inout [UInt8]) {
            if value.magnitude < 9_007_199_254_740_992, let whole = Int64(exactly: value), value.sign == .plus || whole != 0 {
                Varint.put(WALRecord.zigzag(whole) << 1, into: &bytes)
            } else {
                bytes.append(1)
                var bits = value.bitPattern.littleEndian
                withUnsafeBytes(of: &bits) { bytes.append(contentsOf: $0) }
            }
        }

        static func read(_ bytes: [UInt8], _ offset: inout Int) throws(ChunkFormatError) -> Double {
            let tag = try Varint.read(bytes, &offset, in: "write-ahead record")
            if tag & 1 == 0 {
                let whole = WALRecord.unzigzag(tag >> 1)
                guard whole.magnitude < 9_007_199_254_740_992 else {
                    throw ChunkFormatError("write-ahead record holds a whole-number value beyond 2^53 (the record is damaged)")
                }
                return Double(whole)
            }
            guard tag == 1 else { throw ChunkFormatError("write-ahead record has value tag \(tag), expected an even integer or 1") }
            return try raw(bytes, &offset)
        }

        static func raw(_ bytes: [UInt8], _ offset: inout Int) throws(ChunkFormatError) -> Double {
            guard offset + 8 <= bytes.count else { throw ChunkFormatError("write-ahead record is cut short") }
            var bits: UInt64 = 0
            for index in 0..<8 { bits |= UInt64(bytes[offset + index]) << UInt64(8 * index) }
            offset += 8
            return Double(bitPattern: bits)
        }
    }

    public init(decoding bytes: [UInt8]) throws(ChunkFormatError) {
        var offset: Int
        let version = bytes.first
        switch version {
        case 1:
            offset = 1
        case 2, 3, WALRecord.version, WALRecord.checkpointVersion:
            guard bytes.count >= 5 else { throw ChunkFormatError("write-ahead record is cut short: \(bytes.count) bytes") }
            var stored: UInt32 = 0
            for index in 0..<4 { stored |= UInt32(bytes[1 + index]) << UInt32(8 * index) }
            let computed = CRC32.checksum(bytes[5...])
            guard stored == computed else {
                throw ChunkFormatError("write-ahead record fails its check (CRC-32 stored \(Self.hex(stored)), computed \(Self.hex(computed)) over \(bytes.count - 5) bytes)")
            }
            offset = 5
        default:
            throw ChunkFormatError("write-ahead record has version \(version.map(String.init) ?? "(empty)"), expected 1 to \(WALRecord.checkpointVersion)")
        }
        let count = try Varint.read(bytes, &offset, in: "write-ahead record")
        guard count <= UInt64(bytes.count) else { throw ChunkFormatError("write-ahead record claims \(count) entries in \(bytes.count) bytes") }
        let differences = version == WALRecord.version || version == WALRecord.checkpointVersion
        var entries: [Entry] = []
        entries.reserveCapacity(Int(count))
        var previous = Entry(series: 0, time: 0, value: 0, receivedAt: 0)
        for _ in 0..<count {
            let series = try Varint.read(bytes, &offset, in: "write-ahead record")
            let time = WALRecord.unzigzag(try Varint.read(bytes, &offset, in: "write-ahead record"))
            let received = WALRecord.unzigzag(try Varint.read(bytes, &offset, in: "write-ahead record"))
            let entry: Entry
            if differences {
                entry = Entry(
                    series: previous.series &+ WALRecord.unzigzag(series), time: previous.time &+ time,
                    value: try Value.read(bytes, &offset), receivedAt: previous.receivedAt &+ received)
            } else {
                // Versions 1 to 3: the series as a plain varint, the time whole, receivedAt relative to the time.
                entry = Entry(series: Int64(bitPattern: series), time: time, value: try Value.raw(bytes, &offset), receivedAt: time &+ received)
            }
            entries.append(entry)
            previous = entry
        }
        guard offset == bytes.count else {
            throw ChunkFormatError("write-ahead record has \(bytes.count - offset) bytes after its \(count) entries")
        }
        self.entries = entries
        self.replacesHeads = version == 3 || version == WALRecord.checkpointVersion
    }

    private static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }

    static func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
    static func unzigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
}
