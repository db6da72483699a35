import Foundation
import Testing
import VirtmonModel

@Suite struct WireJSONTests {
    func normalized(_ data: Data) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    let awkward = Sample(
        name: "disk.device.read.bytes", type: .cumulative, unit: "B", volume: 0.1 + 0.2, userID: "u\"1",
        projectID: nil, resourceID: "vm-1-vda\\", timestamp: Date(timeIntervalSince1970: -0.5),
        resourceMetadata: ["name": "line\nbreak\u{1}", "nested": .object(["a": .array([1, 2.5, true, .null])]),
                           "ünï": "çødé"],
        messageID: "id", monotonicTime: 12.25)

    @Test func samplesMatchJSONEncoderAndDecodeBack() throws {
        var bytes: [UInt8] = []
        WireJSON.append(awkward, to: &bytes)
        let ours = Data(bytes)
        #expect(try normalized(ours) == normalized(JSONEncoder().encode(awkward)))
        let decoded = try JSONDecoder().decode(Sample.self, from: ours)
        #expect(decoded.volume == 0.1 + 0.2, "shortest round-trip text keeps every bit")
        #expect(decoded.resourceMetadata == awkward.resourceMetadata && decoded.userID == "u\"1")
        #expect(decoded.timestamp == awkward.timestamp)
    }

    @Test func eventsAndBatchesMatchJSONEncoder() throws {
        let event = Event(id: "e", time: Date(timeIntervalSince1970: 1e9), type: "t", level: .fatal, host: "h",
                          resource: "r", message: "qu\"ote", details: ["pid": 7])
        var bytes: [UInt8] = []
        WireJSON.append(event, to: &bytes)
        #expect(try normalized(Data(bytes)) == normalized(JSONEncoder().encode(event)))
        let batch = Batch(agent: "a", host: "h", sequence: 9, sentAt: Date(timeIntervalSince1970: 5),
                          samples: [awkward, awkward], events: [event])
        #expect(try normalized(batch.encoded()) == normalized(JSONEncoder().encode(batch)))
        #expect(try Batch.decode(batch.encoded()) == batch)
    }

    @Test func timestampsMatchGmtimeAcrossEras() {
        // Leap days, century rules, before 1970 and far ahead.
        for seconds in [0.0, 951_782_400, 951_868_799.999999, 4_107_542_400, -86_400, -2_208_988_800,
                        1_795_268_700.123456, 253_402_300_799] {
            let date = Date(timeIntervalSince1970: seconds)
            var time = time_t(seconds.rounded(.down))
            var parts = tm()
            gmtime_r(&time, &parts)
            let expected = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
            #expect(WireTimestamp.format(date).hasPrefix(expected), "\(seconds)")
            #expect(WireTimestamp.parse(WireTimestamp.format(date)).map { abs($0.timeIntervalSince(date)) < 1e-6 } == true)
        }
    }

    @Test("strings with escapes anywhere and integers at the ends of Int64 read back as JSON")
    func stringsAndIntegersReadBack() throws {
        let strings = ["", "plain", "\"", "a\"b\\c", "\n\r\t\u{01}\u{1F}", "tail\\", "\u{7F}é漢字🙂", "x\u{00}y", String(repeating: "ab\"", count: 50)]
        for text in strings {
            var out: [UInt8] = []
            WireJSON.append(string: text, to: &out)
            let back = try JSONSerialization.jsonObject(with: Data(out), options: .fragmentsAllowed) as? String
            #expect(back == text, "\(String(decoding: out, as: UTF8.self))")
        }
        for value: Int64 in [0, 1, -1, 9, 10, -10, 1_764_000_000_000_000, .max, .min] {
            var out: [UInt8] = []
            WireJSON.append(integer: value, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(value))
        }
    }
}
