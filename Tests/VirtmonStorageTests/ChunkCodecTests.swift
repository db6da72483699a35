import Foundation
import Testing
@testable import VirtmonStorage

@Suite("Chunk codec")
struct ChunkCodecTests {
    func roundTrip(_ timestamps: [Int64], _ values: [Double]) throws -> Int {
        let bytes = ChunkCodec.encode(timestamps: timestamps, values: values)
        let decoded = try ChunkCodec.decode(bytes)
        #expect(decoded.timestamps == timestamps)
        #expect(decoded.values.map(\.bitPattern) == values.map(\.bitPattern))
        return bytes.count
    }

    @Test("every kind of value and spacing comes back bit for bit")
    func roundTrips() throws {
        var generator = SeededGenerator(seed: 7)
        let start: Int64 = 1_795_132_800_000_000
        let regular = (0..<500).map { start + Int64($0) * 10_000_000 }
        let jittered = (0..<500).map { start + Int64($0) * 10_000_000 + Int64.random(in: -5_000...5_000, using: &generator) }
        let irregular = (0..<500).map { _ in Int64.random(in: 0...1_000_000_000_000, using: &generator) }.sorted()
        let repeated = [start, start, start, start + 1, start + 1, start - 10_000_000_000, Int64.max / 2, Int64.min / 2]
        let valueSets: [[Double]] = [
            (0..<500).map { Double($0) * 1_234_567 },                                        // a counter
            (0..<500).map { _ in Double.random(in: 0...100, using: &generator) },             // full-precision gauge
            (0..<500).map { _ in (Double.random(in: 0...100, using: &generator) * 100).rounded() / 100 },  // two decimals
            (0..<500).map { _ in (Double.random(in: 0...4096, using: &generator) * 1024).rounded() / 1024 },  // KiB as MB
            [Double](repeating: 4, count: 500),                                                // constant
            (0..<500).map { _ in Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator)) },  // any bits, NaNs included
        ]
        for times in [regular, jittered, irregular] {
            for values in valueSets { _ = try roundTrip(times, values) }
        }
        _ = try roundTrip(repeated, [0, -0.0, .infinity, -.infinity, .nan, 1e308, -1e-308, 9_007_199_254_740_993])
        _ = try roundTrip([start], [42.5])
        // -0.0 among values the scaled integers would otherwise take (the fuzzer found it read back as +0.0).
        _ = try roundTrip([start, start + 10_000_000, start + 20_000_000], [1, -0.0, 3])
        _ = try roundTrip([start, start], [1, -0.0])
    }

    @Test("regular counters and constants take a fraction of a byte per sample")
    func sizes() throws {
        let start: Int64 = 1_795_132_800_000_000
        let times = (0..<720).map { start + Int64($0) * 10_000_000 }
        var counter = 0.0
        let counterBytes = try roundTrip(times, (0..<720).map { index in counter += Double(8_000_000 + (index % 7) * 1_000); return counter })
        let constantBytes = try roundTrip(times, [Double](repeating: 2048, count: 720))
        #expect(Double(counterBytes) / 720 < 2.5, "counter: \(counterBytes) bytes")
        #expect(Double(constantBytes) / 720 < 0.3, "constant: \(constantBytes) bytes")
    }

    @Test("damaged chunks are refused, not misread")
    func damaged() throws {
        let bytes = ChunkCodec.encode(timestamps: [1, 2, 3], values: [1.5, 2.5, 3.5])
        #expect(throws: ChunkFormatError.self) { try ChunkCodec.decode([]) }
        #expect(throws: ChunkFormatError.self) { try ChunkCodec.decode([200] + bytes.dropFirst()) }
        #expect(throws: ChunkFormatError.self) { try ChunkCodec.decode(Array(bytes.prefix(bytes.count - 4))) }
        #expect(throws: ChunkFormatError.self) { try WALRecord(decoding: [1, 5, 1]) }
        let record = WALRecord(entries: [.init(series: 3, time: -5, value: .pi, receivedAt: 99)])
        #expect(try WALRecord(decoding: record.encoded()) == record)
        #expect(CRC32.checksum(Array("123456789".utf8)[...]) == 0xCBF4_3926, "the IEEE CRC-32 check value")
        // Records written before the check (version 1) still replay.
        #expect(try WALRecord(decoding: [1, 1, 3, 9, 208, 1] + withUnsafeBytes(of: Double.pi.bitPattern.littleEndian, Array.init)) == record)
        var flipped = record.encoded()
        flipped[flipped.count - 2] ^= 0x01
        #expect(throws: ChunkFormatError.self) { try WALRecord(decoding: flipped) }
        // Found by fuzzing: a rollup whose time offsets overflow trapped the process that read it.
        let overflowing = RollupCodec.encode([
            RollupBucket(start: .max - 10, count: 1, sum: 1, min: 1, max: 1, m2: 0, firstTime: .max - 10, lastTime: .max - 10),
        ])
        var damaged = overflowing
        damaged[damaged.count / 2] ^= 0x5A
        for bytes in [damaged, Array(overflowing.reversed())] {
            do {
                _ = try RollupCodec.decode(bytes)
            } catch {
                #expect("\(error)".count > 10)
            }
        }
        let fuzzed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus/rollup/crash-time-offset-overflow")
        let found = try Array(Data(contentsOf: fuzzed))
        #expect(throws: ChunkFormatError.self) { try RollupCodec.decode(found) }
    }

    @Test("rollup buckets merge to what one pass over the samples gives")
    func rollups() throws {
        var generator = SeededGenerator(seed: 11)
        let times = (0..<1000).map { Int64($0) * 7_000_000 + Int64.random(in: 0..<1_000_000, using: &generator) }
        let values = times.map { _ in Double.random(in: -10...10, using: &generator) }
        let whole = RollupBucket.buckets(timestamps: times, values: values, resolution: 60_000_000)
        let parts = RollupBucket.buckets(timestamps: Array(times[..<333]), values: Array(values[..<333]), resolution: 60_000_000)
            + RollupBucket.buckets(timestamps: Array(times[333...]), values: Array(values[333...]), resolution: 60_000_000)
        let merged = RollupBucket.merged(parts)
        #expect(merged.count == whole.count)
        for (a, b) in zip(merged, whole) {
            #expect(a.start == b.start && a.count == b.count && a.min == b.min && a.max == b.max)
            #expect(a.firstTime == b.firstTime && a.lastTime == b.lastTime)
            #expect(abs(a.sum - b.sum) < 1e-9 && abs(a.m2 - b.m2) < 1e-9 * max(1, b.m2))
        }
        let decoded = try RollupCodec.decode(RollupCodec.encode(whole))
        #expect(decoded == whole)
    }
}
