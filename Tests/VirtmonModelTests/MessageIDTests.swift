import Foundation
import Testing
@testable import VirtmonModel

@Suite("message ids")
struct MessageIDTests {
    @Test("version 4, variant 10, lowercase, parsed back by Foundation's UUID to the same text")
    func canonicalForm() {
        for _ in 0..<2_000 {
            let id = MessageID.random()
            #expect(id.utf8.count == 36)
            let parsed = UUID(uuidString: id)
            #expect(parsed?.uuidString.lowercased() == id, "\(id)")
            guard let bytes = parsed?.uuid else { continue }
            #expect(bytes.6 >> 4 == 4 && bytes.8 >> 6 == 0b10, "\(id)")
        }
    }

    @Test("the bits land where the text says: a known 128-bit value formats as its hex")
    func knownBits() {
        #expect(MessageID.format(high: 0x0123_4567_89ab_cdef, low: 0xfedc_ba98_7654_3210) == "01234567-89ab-cdef-fedc-ba9876543210")
        #expect(MessageID.format(high: 0, low: .max) == "00000000-0000-0000-ffff-ffffffffffff")
    }

    @Test("no repeats across pool refills and threads: 200,000 ids from 4 tasks, all distinct, every hex digit used in random positions")
    func distinct() async {
        let all = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 { group.addTask { (0..<50_000).map { _ in MessageID.random() } } }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(Set(all).count == all.count)
        // A pool handed out twice, or bytes left zero, would skew the first digit; each of 16 should be near 1/16.
        var counts = [Character: Int]()
        for id in all { counts[id.first!, default: 0] += 1 }
        #expect(counts.count == 16)
        #expect(counts.values.allSatisfy { abs(Double($0) / Double(all.count) - 1.0 / 16) < 0.01 }, "\(counts)")
    }
}
