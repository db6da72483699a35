/// Appends values of any width up to 64 bits, most significant bit first, into bytes.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    /// Bits not yet flushed, left-aligned in the low `pending` bits of `word`.
    private var word: UInt64 = 0
    private var pending = 0

    init(capacity: Int = 256) {
        if capacity > 0 { bytes.reserveCapacity(capacity) }
    }

    /// What `finish` would answer, leaving the writer open for more.
    var snapshot: [UInt8] {
        pending > 0 ? bytes + [UInt8(truncatingIfNeeded: word << UInt64(8 - pending))] : bytes
    }

    /// Bytes held, the unflushed bits counted as one.
    var byteCount: Int { bytes.count + (pending > 0 ? 1 : 0) }

    /// Writes the low `count` bits of `value` (0...64).
    mutating func write(_ value: UInt64, bits count: Int) {
        guard count > 0 else { return }
        if count == 64 {
            write(value >> 32, bits: 32)
            write(value & 0xFFFF_FFFF, bits: 32)
            return
        }
        let masked = value & ((1 << UInt64(count)) - 1)
        // Keep at most 56 pending bits so that a shift by up to 8 more never overflows.
        if pending + count > 56 {
            let head = 56 - pending
            let rest = count - head
            push(masked >> UInt64(rest), bits: head)
            push(masked & ((1 << UInt64(rest)) - 1), bits: rest)
        } else {
            push(masked, bits: count)
        }
    }

    mutating func writeBit(_ bit: Bool) {
        push(bit ? 1 : 0, bits: 1)
    }

    private mutating func push(_ value: UInt64, bits count: Int) {
        guard count > 0 else { return }
        word = (word << UInt64(count)) | value
        pending += count
        while pending >= 8 {
            pending -= 8
            bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(pending)))
        }
        word &= pending == 0 ? 0 : (1 << UInt64(pending)) - 1
    }

    /// The bytes, the last one padded with zero bits.
    mutating func finish() -> [UInt8] {
        if pending > 0 {
            bytes.append(UInt8(truncatingIfNeeded: word << UInt64(8 - pending)))
            word = 0
            pending = 0
        }
        return bytes
    }
}
