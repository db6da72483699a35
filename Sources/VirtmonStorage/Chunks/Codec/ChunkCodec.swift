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
                // Checked through the integer the stream holds, as `decode` reads it back: -0.0 scales to -0.0
                // but is stored as the integer 0, which reads back as +0.0 (the fuzzer found it).
                guard scaled.isFinite, abs(scaled) < 9_007_199_254_740_992,
                      (Double(Int64(scaled)) / factor).bitPattern == value.bitPattern
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

    // MARK: columns (the stream formats are `DeltaOfDeltaEncoder`'s and `XORFloatEncoder`'s)

    static func encodeIntegers(_ integers: [Int64], into writer: inout BitWriter) {
        var encoder = DeltaOfDeltaEncoder()
        for value in integers { encoder.put(value, into: &writer) }
    }

    static func decodeIntegers(_ reader: inout BitReader, into integers: inout [Int64]) throws(ChunkFormatError) {
        var decoder = DeltaOfDeltaDecoder()
        for index in integers.indices { integers[index] = try decoder.next(&reader) }
    }

    static func encodeXOR(_ values: [Double], into writer: inout BitWriter) {
        var encoder = XORFloatEncoder()
        for value in values { encoder.put(value, into: &writer) }
    }

    static func decodeXOR(_ reader: inout BitReader, into values: inout [Double]) throws(ChunkFormatError) {
        var decoder = XORFloatDecoder()
        for index in values.indices { values[index] = try decoder.next(&reader, index: index) }
    }
}
