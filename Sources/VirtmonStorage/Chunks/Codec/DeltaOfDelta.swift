/// Integers one at a time as delta-of-delta in variable-width buckets: the first raw (64 bits), then per
/// value '0' when the delta repeats, else a prefix and the difference in 8, 14, 22, 32 or 64 bits. Chunks
/// (`ChunkCodec`) and open heads (`HeadBuffer`) share it, so the two can hold the same stream.
struct DeltaOfDeltaEncoder: Sendable {
    /// Bucket widths after the '0' (zero) case: prefix '10' + 8 bits, '110' + 14, '1110' + 22, '11110' + 32,
    /// '11111' + 64. Ten-second samples with millisecond jitter fall in the 14-bit bucket at worst.
    static let buckets: [Int] = [8, 14, 22, 32]

    private var previous: Int64 = 0
    private var previousDelta: Int64 = 0
    private var started = false

    mutating func put(_ value: Int64, into writer: inout BitWriter) {
        guard started else {
            writer.write(UInt64(bitPattern: value), bits: 64)
            previous = value
            started = true
            return
        }
        let delta = value &- previous
        let dod = delta &- previousDelta
        previous = value
        previousDelta = delta
        if dod == 0 {
            writer.writeBit(false)
            return
        }
        for (index, width) in DeltaOfDeltaEncoder.buckets.enumerated() {
            let limit = Int64(1) << Int64(width - 1)
            if dod >= -limit && dod < limit {
                // index + 1 ones then a zero: '10', '110', '1110', '11110'.
                writer.write((1 << UInt64(index + 2)) - 2, bits: index + 2)
                writer.write(UInt64(bitPattern: dod), bits: width)
                return
            }
        }
        writer.write(0b11111, bits: 5)
        writer.write(UInt64(bitPattern: dod), bits: 64)
    }
}

/// Reads what `DeltaOfDeltaEncoder` wrote, one value per call.
struct DeltaOfDeltaDecoder: Sendable {
    private var previous: Int64 = 0
    private var previousDelta: Int64 = 0
    private var started = false

    mutating func next(_ reader: inout BitReader) throws(ChunkFormatError) -> Int64 {
        guard started else {
            previous = Int64(bitPattern: try reader.read(bits: 64))
            started = true
            return previous
        }
        var ones = 0
        while ones < 5, try reader.readBit() { ones += 1 }
        let dod: Int64
        switch ones {
        case 0: dod = 0
        case 5: dod = Int64(bitPattern: try reader.read(bits: 64))
        default:
            let width = DeltaOfDeltaEncoder.buckets[ones - 1]
            let raw = try reader.read(bits: width)
            // Sign-extend the width-bit two's complement field.
            let shift = UInt64(64 - width)
            dod = Int64(bitPattern: raw << shift) >> Int64(shift)
        }
        previousDelta = previousDelta &+ dod
        previous = previous &+ previousDelta
        return previous
    }
}
