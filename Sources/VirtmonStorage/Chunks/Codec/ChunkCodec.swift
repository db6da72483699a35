import Foundation

/// Compresses one series' samples: timestamps (microseconds) as delta-of-delta in variable-width buckets, and
/// values either XOR'd against the previous value (Gorilla) or — when every value is a decimal with at most
/// six fractional digits or a multiple of a power of two down to 2^-24 (sizes in KiB shown as MB), as
/// counters, sizes and most gauges are — as delta-of-delta of the scaled integers, whichever comes out smaller. Layout: mode byte, count as a varint, then one bit stream.
public enum ChunkCodec {
    /// Value encodings; 1...7 mean integers scaled by 10^(mode − 1), 8...31 by 2^(mode − 7).
    static let xorMode: UInt8 = 0
    static let lastMode: UInt8 = 31

    static func factor(_ mode: UInt8) -> Double {
        mode <= 7 ? pow10[Int(mode) - 1] : Double(sign: .plus, exponent: Int(mode) - 7, significand: 1)
    }

    /// Encodes samples in time order (equal timestamps allowed). Both arrays have the same length, at least 1.
    public static func encode(timestamps: [Int64], values: [Double]) -> [UInt8] {
        precondition(timestamps.count == values.count && !timestamps.isEmpty)
        let xor = encode(timestamps: timestamps, values: values, mode: xorMode)
        guard let mode = scaledMode(values) else { return xor }
        let scaled = encode(timestamps: timestamps, values: values, mode: mode)
        return scaled.count < xor.count ? scaled : xor
    }

    /// Decodes a chunk into timestamps and values.
    public static func decode(_ bytes: [UInt8]) throws(ChunkFormatError) -> (timestamps: [Int64], values: [Double]) {
        guard let mode = bytes.first, mode <= lastMode else { throw ChunkFormatError("unknown chunk encoding \(bytes.first.map(String.init) ?? "(empty)")") }
        var offset = 1
        let count = try Varint.read(bytes, &offset, in: "chunk header")
        guard count > 0, count <= UInt64(bytes.count) * 8 else { throw ChunkFormatError("chunk claims \(count) samples in \(bytes.count) bytes") }
        var reader = BitReader(Array(bytes[offset...]))
        let n = Int(count)
        var timestamps = [Int64](repeating: 0, count: n)
        var values = [Double](repeating: 0, count: n)
        try decodeIntegers(&reader, into: &timestamps)
        if mode == xorMode {
            try decodeXOR(&reader, into: &values)
        } else {
            var integers = [Int64](repeating: 0, count: n)
            try decodeIntegers(&reader, into: &integers)
            let divisor = factor(mode)
            for index in 0..<n { values[index] = Double(integers[index]) / divisor }
        }
        return (timestamps, values)
    }

    static let pow10: [Double] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]

    /// The smallest power of ten, else of two, that turns every value into an integer below 2^53 and back
    /// bit for bit.
    static func scaledMode(_ values: [Double]) -> UInt8? {
        scales: for mode in UInt8(1)...lastMode {
            let factor = factor(mode)
            for value in values {
                let scaled = (value * factor).rounded()
                guard scaled.isFinite, abs(scaled) < 9_007_199_254_740_992,
                      (scaled / factor).bitPattern == value.bitPattern
                else { continue scales }
            }
            return mode
        }
        return nil
    }

    static func encode(timestamps: [Int64], values: [Double], mode: UInt8) -> [UInt8] {
        var header: [UInt8] = [mode]
        Varint.put(UInt64(timestamps.count), into: &header)
        var writer = BitWriter(capacity: timestamps.count * 2)
        encodeIntegers(timestamps, into: &writer)
        if mode == xorMode {
            encodeXOR(values, into: &writer)
        } else {
            let factor = factor(mode)
            encodeIntegers(values.map { Int64(($0 * factor).rounded()) }, into: &writer)
        }
        return header + writer.finish()
    }

    /// A column of values with its own 5-bit mode: scaled integers when they fit, else XOR. Rollup runs use it
    /// for their sums and extremes, which for counters and sizes are integers that grow steadily.
    static func encodeColumn(_ values: [Double], into writer: inout BitWriter) {
        if let mode = scaledMode(values) {
            writer.write(UInt64(mode), bits: 5)
            let factor = factor(mode)
            encodeIntegers(values.map { Int64(($0 * factor).rounded()) }, into: &writer)
        } else {
            writer.write(UInt64(xorMode), bits: 5)
            encodeXOR(values, into: &writer)
        }
    }

    static func decodeColumn(_ reader: inout BitReader, into values: inout [Double]) throws(ChunkFormatError) {
        let mode = UInt8(try reader.read(bits: 5))
        if mode == xorMode {
            try decodeXOR(&reader, into: &values)
            return
        }
        var integers = [Int64](repeating: 0, count: values.count)
        try decodeIntegers(&reader, into: &integers)
        let divisor = factor(mode)
        for index in values.indices { values[index] = Double(integers[index]) / divisor }
    }

    // MARK: delta-of-delta

    /// Bucket widths after the '0' (zero) case: prefix '10' + 8 bits, '110' + 14, '1110' + 22, '11110' + 32,
    /// '11111' + 64. Ten-second samples with millisecond jitter fall in the 14-bit bucket at worst.
    static let buckets: [Int] = [8, 14, 22, 32]

    static func encodeIntegers(_ integers: [Int64], into writer: inout BitWriter) {
        writer.write(UInt64(bitPattern: integers[0]), bits: 64)
        var previous = integers[0]
        var previousDelta: Int64 = 0
        for value in integers.dropFirst() {
            let delta = value &- previous
            let dod = delta &- previousDelta
            previous = value
            previousDelta = delta
            if dod == 0 {
                writer.writeBit(false)
                continue
            }
            var written = false
            for (index, width) in buckets.enumerated() {
                let limit = Int64(1) << Int64(width - 1)
                if dod >= -limit && dod < limit {
                    // index + 1 ones then a zero: '10', '110', '1110', '11110'.
                    writer.write((1 << UInt64(index + 2)) - 2, bits: index + 2)
                    writer.write(UInt64(bitPattern: dod), bits: width)
                    written = true
                    break
                }
            }
            if !written {
                writer.write(0b11111, bits: 5)
                writer.write(UInt64(bitPattern: dod), bits: 64)
            }
        }
    }

    static func decodeIntegers(_ reader: inout BitReader, into integers: inout [Int64]) throws(ChunkFormatError) {
        integers[0] = Int64(bitPattern: try reader.read(bits: 64))
        var previous = integers[0]
        var previousDelta: Int64 = 0
        for index in integers.indices.dropFirst() {
            var ones = 0
            while ones < 5, try reader.readBit() { ones += 1 }
            let dod: Int64
            switch ones {
            case 0: dod = 0
            case 5: dod = Int64(bitPattern: try reader.read(bits: 64))
            default:
                let width = buckets[ones - 1]
                let raw = try reader.read(bits: width)
                // Sign-extend the width-bit two's complement field.
                let shift = UInt64(64 - width)
                dod = Int64(bitPattern: raw << shift) >> Int64(shift)
            }
            let delta = previousDelta &+ dod
            previous = previous &+ delta
            previousDelta = delta
            integers[index] = previous
        }
    }

    // MARK: XOR floats

    static func encodeXOR(_ values: [Double], into writer: inout BitWriter) {
        var previous = values[0].bitPattern
        writer.write(previous, bits: 64)
        var leading = 65  // no window yet
        var trailing = 0
        for value in values.dropFirst() {
            let bits = value.bitPattern
            let xor = bits ^ previous
            previous = bits
            if xor == 0 {
                writer.writeBit(false)
                continue
            }
            writer.writeBit(true)
            let newLeading = min(xor.leadingZeroBitCount, 31)
            let newTrailing = xor.trailingZeroBitCount
            if leading <= newLeading && trailing <= newTrailing {
                // Fits the previous window: '10' and the window's bits.
                writer.writeBit(false)
                writer.write(xor >> UInt64(trailing), bits: 64 - leading - trailing)
            } else {
                leading = newLeading
                trailing = newTrailing
                let length = 64 - leading - trailing
                writer.writeBit(true)
                writer.write(UInt64(leading), bits: 5)
                writer.write(UInt64(length & 63), bits: 6)  // 64 is written as 0
                writer.write(xor >> UInt64(trailing), bits: length)
            }
        }
    }

    static func decodeXOR(_ reader: inout BitReader, into values: inout [Double]) throws(ChunkFormatError) {
        var previous = try reader.read(bits: 64)
        values[0] = Double(bitPattern: previous)
        var leading = 0
        var trailing = 0
        var window = false
        for index in values.indices.dropFirst() {
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
            values[index] = Double(bitPattern: previous)
        }
    }
}
