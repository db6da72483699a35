/// Packs a run of rollup buckets column by column with the chunk codec's integer and XOR streams: interval
/// starts and counts are regular, and sums and extremes of integer-valued series are stored as integers.
public enum RollupCodec {
    public static func encode(_ buckets: [RollupBucket]) -> [UInt8] {
        precondition(!buckets.isEmpty)
        var writer = BitWriter(capacity: buckets.count * 16)
        writer.write(UInt64(buckets.count), bits: 32)
        ChunkCodec.encodeIntegers(buckets.map(\.start), into: &writer)
        ChunkCodec.encodeIntegers(buckets.map(\.count), into: &writer)
        ChunkCodec.encodeIntegers(buckets.map { $0.firstTime - $0.start }, into: &writer)
        ChunkCodec.encodeIntegers(buckets.map { $0.lastTime - $0.start }, into: &writer)
        for column in [buckets.map(\.sum), buckets.map(\.min), buckets.map(\.max), buckets.map(\.m2)] {
            ChunkCodec.encodeColumn(column, into: &writer)
        }
        return writer.finish()
    }

    public static func decode(_ bytes: [UInt8]) throws(ChunkFormatError) -> [RollupBucket] {
        var reader = BitReader(bytes)
        let count = Int(try reader.read(bits: 32))
        guard count > 0, count <= bytes.count * 8 else { throw ChunkFormatError("rollup claims \(count) buckets in \(bytes.count) bytes") }
        var starts = [Int64](repeating: 0, count: count), counts = starts, firsts = starts, lasts = starts
        try ChunkCodec.decodeIntegers(&reader, into: &starts)
        try ChunkCodec.decodeIntegers(&reader, into: &counts)
        try ChunkCodec.decodeIntegers(&reader, into: &firsts)
        try ChunkCodec.decodeIntegers(&reader, into: &lasts)
        var sums = [Double](repeating: 0, count: count), mins = sums, maxes = sums, m2s = sums
        try ChunkCodec.decodeColumn(&reader, into: &sums)
        try ChunkCodec.decodeColumn(&reader, into: &mins)
        try ChunkCodec.decodeColumn(&reader, into: &maxes)
        try ChunkCodec.decodeColumn(&reader, into: &m2s)
        var buckets: [RollupBucket] = []
        buckets.reserveCapacity(count)
        for index in 0..<count {
            // A damaged blob can hold offsets that overflow: refused like any other damage, never a trap.
            let (first, firstOverflow) = starts[index].addingReportingOverflow(firsts[index])
            let (last, lastOverflow) = starts[index].addingReportingOverflow(lasts[index])
            guard !firstOverflow, !lastOverflow else {
                throw ChunkFormatError("rollup bucket \(index) of \(count) has times beyond the 64-bit range (the blob is damaged)")
            }
            buckets.append(RollupBucket(
                start: starts[index], count: counts[index], sum: sums[index], min: mins[index], max: maxes[index],
                m2: m2s[index], firstTime: first, lastTime: last))
        }
        return buckets
    }
}
