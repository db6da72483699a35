/// Reads what `BitWriter` wrote; reading past the end throws rather than inventing zeros.
struct BitReader {
    private let bytes: [UInt8]
    private var position = 0  // in bits

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var bitsLeft: Int { bytes.count * 8 - position }

    mutating func read(bits count: Int) throws(ChunkFormatError) -> UInt64 {
        guard count > 0 else { return 0 }
        guard count <= bitsLeft else { throw ChunkFormatError("chunk ends \(count - bitsLeft) bits early") }
        let byteIndex = position >> 3
        if byteIndex + 9 <= bytes.count {
            // Away from the end: the 64 bits from `position` out of nine bytes in one load, not byte by byte
            // (a query's decoding spent most of its time here).
            let offset = UInt64(position & 7)
            let window = bytes.withUnsafeBytes { raw in
                (raw.loadUnaligned(fromByteOffset: byteIndex, as: UInt64.self).bigEndian &<< offset)
                    | (UInt64(raw[byteIndex + 8]) &>> (8 &- offset))
            }
            position += count
            return window &>> UInt64(64 - count)
        }
        var result: UInt64 = 0
        var needed = count
        while needed > 0 {
            let byte = UInt64(bytes[position >> 3])
            let offset = position & 7
            let available = 8 - offset
            let take = min(available, needed)
            let bits = (byte >> UInt64(available - take)) & ((1 << UInt64(take)) - 1)
            result = (result << UInt64(take)) | bits
            needed -= take
            position += take
        }
        return result
    }

    mutating func readBit() throws(ChunkFormatError) -> Bool {
        guard bitsLeft > 0 else { throw ChunkFormatError("chunk ends early") }
        let bit = (bytes[position >> 3] >> UInt8(7 - (position & 7))) & 1
        position += 1
        return bit == 1
    }
}

/// A chunk that cannot be decoded: storage was damaged or written by something else.
public struct ChunkFormatError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
