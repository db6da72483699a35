/// Unsigned LEB128 integers: seven bits a byte, low bits first, the high bit set on every byte but the last.
/// Chunk headers and write-ahead records use them.
enum Varint {
    static func put(_ value: UInt64, into bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// Reads one at `offset` and moves past it; `place` names what is cut short when the bytes end first.
    static func read(_ bytes: [UInt8], _ offset: inout Int, in place: String) throws(ChunkFormatError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count, shift < 64 else { throw ChunkFormatError("\(place) is cut short") }
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }
}
