import Foundation
import Testing
import VirtmonModel

@Suite("Wire decoder")
struct WireDecoderTests {
    static func batch() -> Batch {
        Batch(
            agent: "7f0c2d4e", host: "compute-01", sequence: 4711, sentAt: Date(timeIntervalSince1970: 1_795_132_800.123456),
            samples: [
                Sample(
                    name: "cpu_util", type: .gauge, unit: "%", volume: 12.5, userID: "u", projectID: nil, resourceID: "vm-1",
                    timestamp: Date(timeIntervalSince1970: 1_795_132_799.5),
                    resourceMetadata: [
                        "name": "web \"1\"\n", "vcpus": 2, "ratio": -0.000125, "big": 1e300, "ha": true, "none": .null,
                        "nested": .object(["list": .array([1, "two", .array([]), .object([:])])]), "unicode": "Grüße 😀 \u{1}",
                    ],
                    source: "virtmon", messageID: "m-1", monotonicTime: 8123.5),
                Sample(
                    name: "disk.device.read.bytes", type: .cumulative, unit: "B", volume: 9_007_199_254_740_992,
                    resourceID: "vm-1-vda", timestamp: Date(timeIntervalSince1970: 1_795_132_799), messageID: "m-2"),
            ],
            events: [
                Event(id: "e1", time: Date(timeIntervalSince1970: 1_795_132_800), type: "liveness", level: .fatal, host: "h",
                      resource: "4242", message: "gone", details: ["pid": 4242]),
            ])
    }

    @Test("what the agent writes reads back equal, and equal to what Codable reads")
    func roundTrip() throws {
        let original = WireDecoderTests.batch()
        let body = original.encoded()
        let fast = try Batch.decode(body)
        let codable = try JSONDecoder().decode(Batch.self, from: body)
        #expect(fast == codable)
        #expect(fast.samples == codable.samples)
        #expect(fast.samples[0].resourceMetadata == original.samples[0].resourceMetadata)
        #expect(fast.samples[1].volume == 9_007_199_254_740_992)
        #expect(fast.events == original.events)
    }

    @Test("other writers' JSON: whitespace, escapes in keys and values, surrogate pairs, unknown keys, nulls")
    func foreignJSON() throws {
        let text = """
             { "version" : 1 , "agent":"a", "host":"h", "seq": 2, "sent_at": "2026-11-21T00:00:00Z", "extra": {"x": [1, {"y": null}]},
              "samples": [ { "counter_n\\u0061me": "m", "counter_type": "delta", "counter_unit": "B", "counter_volume": -1.5e3,
                "resource_id": "r\\u00e9\\ud83d\\ude00\\t", "timestamp": "2026-11-21T00:00:00.000001Z", "user_id": null,
                "resource_metadata": null, "monotonic_time": null } ], "events": null }
            """
        let batch = try Batch.decode(Data(text.utf8))
        #expect(batch.samples.count == 1)
        #expect(batch.samples[0].name == "m")
        #expect(batch.samples[0].volume == -1500)
        #expect(batch.samples[0].resourceID == "ré😀\t")
        #expect(batch.samples[0].userID == nil && batch.samples[0].resourceMetadata.isEmpty)
        #expect(batch.samples[0].source == Sample.defaultSource)
        #expect(batch.events.isEmpty)
    }

    @Test("bytes that are not UTF-8 (in a key or a value, with or without escapes) and control characters in a key are refused, never replaced (found by fuzzing)")
    func invalidUTF8() throws {
        let good = Array(WireJSON.encode(Self.batch()))
        func replacing(_ text: String, with bytes: [UInt8]) -> Data {
            let needle = Array(text.utf8)
            let at = (0...(good.count - needle.count)).first { Array(good[$0..<($0 + needle.count)]) == needle }!
            return Data(good[..<at] + bytes + good[(at + needle.count)...])
        }
        let cases: [(String, Data)] = [
            ("key", replacing("\"vcpus\"", with: Array("\"vcp".utf8) + [0xFF, 0xFE] + Array("\"".utf8))),
            ("value", replacing("\"vm-1\"", with: Array("\"vm-".utf8) + [0xC3] + Array("\"".utf8))),
            ("control character in a key", replacing("\"vcpus\"", with: Array("\"vc".utf8) + [0x00] + Array("pus\"".utf8))),
            ("duplicate key", replacing("\"counter_unit\"", with: Array("\"counter_type\":\"cumulative\",\"counter_unit\"".utf8))),
            ("duplicate metadata key", replacing("\"vcpus\":2", with: Array("\"vcpus\":2,\"vcpus\":3".utf8))),
            ("leading zero", replacing("12.5", with: Array("012.5".utf8))),
            ("infinite number", replacing("12.5", with: Array("1e400".utf8))),
            ("escaped value", replacing("\"gone\"", with: Array("\"g\\n".utf8) + [0xED, 0xA0, 0x80] + Array("\"".utf8))),
        ]
        for (place, body) in cases {
            #expect(throws: WireDecodeError.self, "\(place)") { try WireDecoder.batch(body) }
            do {
                _ = try WireDecoder.batch(body)
            } catch {
                #expect("\(error)".contains("not valid UTF-8") || "\(error)".contains("control character in a key")
                        || "\(error)".contains("leading zero") || "\(error)".contains("beyond the range")
                        || "\(error)".contains("is given twice"), "\(place): \(error)")
            }
            // Codable refuses these too, except a key given twice, which it reads one way and a scan another.
            if !place.hasPrefix("duplicate") {
                #expect((try? JSONDecoder().decode(Batch.self, from: body)) == nil, "Codable refuses it too (\(place))")
            }
        }
    }

    @Test("every malformed body is refused with the place and the reason")
    func malformed() {
        let good = String(decoding: WireDecoderTests.batch().encoded(), as: UTF8.self)
        let cases: [(String, String)] = [
            ("", "unexpected end"),
            (String(good.prefix(good.count / 2)), ""),
            (good + "x", "extra bytes"),
            (good.replacingOccurrences(of: "\"counter_volume\":12.5", with: "\"counter_volume\":\"12.5\""), "samples[0]"),
            (good.replacingOccurrences(of: "\"counter_volume\":12.5", with: "\"counter_volume\":1.e5"), "digits after"),
            (good.replacingOccurrences(of: "\"counter_type\":\"gauge\"", with: "\"counter_type\":\"gauges\""), "not gauge, delta or cumulative"),
            (good.replacingOccurrences(of: "\"seq\":4711", with: "\"seq\":-1"), "seq"),
            (good.replacingOccurrences(of: "\"resource_id\":\"vm-1\",", with: ""), "missing \"resource_id\""),
            (good.replacingOccurrences(of: "\"level\":\"fatal\"", with: "\"level\":\"loud\""), "events[0]"),
            ("{\"version\":1,\"agent\":\"a\",\"host\":\"h\",\"seq\":1,\"sent_at\":\"yesterday\"}", "not an ISO 8601"),
            ("[1,2]", "expected '{'"),
            (String(repeating: "[", count: 100), ""),
            ("{\"version\":1,\"x\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}", "64 levels"),
            ("{\"version\":1,\"x\":\"a\u{1}b\"}", "control character"),
            ("{\"version\":1,\"x\":\"\\ud800\"}", "surrogate"),
            ("{\"x\":tru}", "expected true"),
        ]
        for (body, words) in cases {
            do {
                _ = try Batch.decode(Data(body.utf8))
                Issue.record("accepted: \(body.prefix(80))")
            } catch {
                #expect(words.isEmpty || error.description.contains(words), "\(error.description) for \(body.prefix(60))")
            }
        }
    }
}
