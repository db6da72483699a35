import Foundation
import Testing
@testable import VirtmonStorage

/// The compressed open head: what goes in comes out, bit for bit and in order, in a few bytes per sample.
@Suite("Head buffer")
struct HeadBufferTests {
    @Test("any times, arrivals and values come back bit for bit in arrival order")
    func roundTrip() {
        var generator = SeededGenerator(seed: 7)
        let specials: [Double] = [.nan, -.nan, .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e-300]
        var entries: [ChunkStore.HeadEntry] = []
        var time: Int64 = 1_790_000_000_000_000
        for index in 0..<2_000 {
            // Mostly regular, sometimes out of order, sometimes a jump across the whole range.
            switch index % 11 {
            case 3: time -= Int64.random(in: 0...90_000_000, using: &generator)
            case 7: time = Int64.random(in: Int64.min / 2...Int64.max / 2, using: &generator)
            default: time += 10_000_000 + Int64.random(in: -2_000...2_000, using: &generator)
            }
            let value = index % 5 == 0 ? specials[index % specials.count] : Double.random(in: -1e6...1e6, using: &generator)
            entries.append(.init(time: time, value: value, receivedAt: time &+ Int64.random(in: -5_000_000...60_000_000, using: &generator)))
        }
        let head = HeadBuffer(entries)
        #expect(head.count == entries.count)
        let back = head.entries
        #expect(back.map(\.time) == entries.map(\.time))
        #expect(back.map(\.receivedAt) == entries.map(\.receivedAt))
        #expect(back.map(\.value.bitPattern) == entries.map(\.value.bitPattern))
        #expect(head.earliest == entries.map(\.time).min() && head.latest == entries.map(\.time).max())
        #expect(head.lastArrival == entries.map(\.receivedAt).max())
    }

    @Test("a regular ten-second gauge takes under 8 bytes a sample, against 24 uncompressed")
    func compact() {
        var head = HeadBuffer()
        for index in 0..<120 {
            let time = Int64(1_790_000_000_000_000 + index * 10_000_000 + (index % 3) * 1_000)
            head.append(.init(time: time, value: Double(40 + index % 7) * 0.5, receivedAt: time + 150_000 + Int64(index % 4) * 20_000))
        }
        #expect(head.byteCount < 120 * 8, "\(head.byteCount) bytes for 120 samples")
    }

    @Test("removing samples keeps the rest in order and their bounds")
    func removal() {
        var head = HeadBuffer((0..<50).map { ChunkStore.HeadEntry(time: Int64($0 * 7 % 50), value: Double($0), receivedAt: Int64($0)) })
        head.removeAll { $0.time < 20 }
        #expect(head.entries.map(\.value) == (0..<50).filter { $0 * 7 % 50 >= 20 }.map(Double.init))
        #expect(head.earliest == 20 && head.latest == 49)
        head.removeAll { _ in true }
        #expect(head.isEmpty && head.entries.isEmpty)
    }
}
