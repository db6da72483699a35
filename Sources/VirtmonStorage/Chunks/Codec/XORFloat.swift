/// Doubles one at a time, XOR'd against the previous one (Gorilla): the first raw, then '0' for a repeat,
/// '10' and the meaningful bits inside the previous window, or '11', a new window (5 bits of leading zeros,
/// 6 of length, 64 written as 0) and its bits.
struct XORFloatEncoder: Sendable {
    private var previous: UInt64 = 0
    /// 65: no window yet.
    private var leading = 65
    private var trailing = 0
    private var started = false

    mutating func put(_ value: Double, into writer: inout BitWriter) {
        let bits = value.bitPattern
        guard started else {
            writer.write(bits, bits: 64)
            previous = bits
            started = true
            return
        }
        let xor = bits ^ previous
        previous = bits
        if xor == 0 {
            writer.writeBit(false)
            return
        }
        writer.writeBit(true)
        let newLeading = min(xor.leadingZeroBitCount, 31)
        let newTrailing = xor.trailingZeroBitCount
        if leading <= newLeading && trailing <= newTrailing {
            writer.writeBit(false)
            writer.write(xor >> UInt64(trailing), bits: 64 - leading - trailing)
        } else {
            leading = newLeading
            trailing = newTrailing
            let length = 64 - leading - trailing
            writer.writeBit(true)
            writer.write(UInt64(leading), bits: 5)
            writer.write(UInt64(length & 63), bits: 6)
            writer.write(xor >> UInt64(trailing), bits: length)
        }
    }
}

/// Reads what `XORFloatEncoder` wrote, one value per call; `index` only names the sample in an error.
struct XORFloatDecoder: Sendable {
    private var previous: UInt64 = 0
    private var leading = 0
    private var trailing = 0
    private var window = false
    private var started = false

    mutating func next(_ reader: inout BitReader, index: Int) throws(ChunkFormatError) -> Double {
        guard started else {
            previous = try reader.read(bits: 64)
            started = true
            return Double(bitPattern: previous)
        }
        if try reader.readBit() {
            if try reader.readBit() {
                leading = Int(try reader.read(bits: 5))
                var length = Int(try reader.read(bits: 6))
                if length == 0 { length = 64 }
                guard leading + length <= 64 else { throw ChunkFormatError("bad XOR window at sample \(index)") }
                trailing = 64 - leading - length
                window = true
            } else if !window {
                throw ChunkFormatError("XOR window reused before one was set at sample \(index)")
            }
            let meaningful = try reader.read(bits: 64 - leading - trailing)
            previous ^= meaningful << UInt64(trailing)
        }
        return Double(bitPattern: previous)
    }
}
