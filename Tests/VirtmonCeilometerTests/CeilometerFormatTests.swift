import Foundation
import Testing
import VirtmonModel
@testable import VirtmonCeilometer

@Suite struct CeilometerFormatTests {
    static let sample = #"{"source":"openstack","counter_name":"cpu","counter_type":"cumulative","counter_unit":"ns","counter_volume":1200000000,"user_id":"u1","project_id":"p1","resource_id":"r1","timestamp":"2026-12-01T22:54:03.788411","resource_metadata":{"host":"h1"},"message_id":"m1","monotonic_time":null,"message_signature":"x"}"#

    @Test func unwrapsTheOsloEnvelopeAndBothPayloads() throws {
        let inner = #"{"message_id":"n1","publisher_id":"telemetry.publisher.h1","event_type":"metering","priority":"SAMPLE","payload":[\#(Self.sample)],"timestamp":"2026-12-01 22:54:03.788411"}"#
        let quoted = String(decoding: try JSONEncoder().encode(inner), as: UTF8.self)
        let wrapped = #"{"oslo.version": "2.0", "oslo.message": \#(quoted)}"#
        let message = try CeilometerMessage.parse(Array(wrapped.utf8))
        #expect(message.messageID == "n1")
        #expect(message.samples.count == 1)
        let polling = #"{"message_id":"n2","event_type":"telemetry.polling","payload":{"samples":[\#(Self.sample),\#(Self.sample)]}}"#
        #expect(try CeilometerMessage.parse(Array(polling.utf8)).samples.count == 2)
        #expect(throws: CeilometerError.self) { try CeilometerMessage.parse(Array(#"{"event_type":"compute.instance.create.end","payload":{}}"#.utf8)) }
        #expect(throws: CeilometerError.self) { try CeilometerMessage.parse(Array("not json".utf8)) }
    }

    @Test func readsASampleStrictly() throws {
        let sample = try CeilometerSample.sample(try CeilometerJSON.parse(Self.sample))
        #expect(sample.name == "cpu" && sample.type == .cumulative && sample.unit == "ns" && sample.volume == 1.2e9)
        #expect(sample.projectID == "p1" && sample.resourceID == "r1" && sample.messageID == "m1")
        #expect(abs(sample.timestamp.timeIntervalSince1970 - 1796165643.788411) < 1e-5)
        #expect(sample.resourceMetadata["host"] == "h1")
        let bad = Self.sample.replacingOccurrences(of: "\"cumulative\"", with: "\"counter\"")
        #expect(throws: CeilometerError("'counter_type' of cpu is 'counter'; expected gauge, delta or cumulative")) {
            try CeilometerSample.sample(try CeilometerJSON.parse(bad))
        }
    }

    @Test func timestampsWithAndWithoutZone() throws {
        let plain = try CeilometerTime.parse("2026-12-01T22:54:03.788411")
        #expect(try CeilometerTime.parse("2026-12-01 22:54:03.788411") == plain)
        #expect(try CeilometerTime.parse("2026-12-01T22:54:03.788411+00:00") == plain)
        #expect(try CeilometerTime.parse("2026-12-02T00:54:03.788411+02:00") == plain)
        #expect(try CeilometerTime.parse("2026-12-01T22:54:03.788411Z") == plain)
        #expect(try CeilometerTime.parse("2026-12-01T22:54:03").timeIntervalSince1970 == 1796165643)
        for bad in ["2026-02-31T00:00:00", "2026-12-01T24:00:00", "yesterday", "2026-12-01T22:54:03+99:00", "2026-12-01T22:54:03 extra"] {
            #expect(throws: CeilometerError.self, "\(bad)") { try CeilometerTime.parse(bad) }
        }
    }

    /// Bytes made by Python's msgpack (1.0, `msgpack.packb(sample)`) and by the old raw-string form.
    @Test func decodesMsgpack() throws {
        // {"counter_name": "cpu", "counter_volume": 1.5, "n": -3, "big": 2**40, "list": ["a"], "none": None}
        let packed: [UInt8] = [0x86, 0xAC] + Array("counter_name".utf8) + [0xA3] + Array("cpu".utf8)
            + [0xAE] + Array("counter_volume".utf8) + [0xCB, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0]
            + [0xA1, 0x6E, 0xFD] + [0xA3] + Array("big".utf8) + [0xCF, 0, 0, 1, 0, 0, 0, 0, 0]
            + [0xA4] + Array("list".utf8) + [0x91, 0xA1, 0x61] + [0xA4] + Array("none".utf8) + [0xC0]
        let value = try MessagePack.decode(packed)
        #expect(value["counter_name"] == .string("cpu"))
        #expect(value["counter_volume"] == .float(1.5))
        #expect(value["n"] == .integer(-3))
        #expect(value["big"] == .integer(1 << 40))
        #expect(value["list"] == .array([.string("a")]))
        #expect(value["none"] == .null)
        #expect(throws: MessagePack.DecodeError.self) { try MessagePack.decode(Array(packed.dropLast())) }
        #expect(throws: MessagePack.DecodeError.self) { try MessagePack.decode([0xDD, 0xFF, 0xFF, 0xFF, 0xFF]) }
    }

    @Test func refusesDeepOrBrokenJSON() {
        #expect(throws: CeilometerJSON.SyntaxError.self) { try CeilometerJSON.parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) }
        for bad in [#"{"a":1,}"#, #"{"a" 1}"#, #""\x""#, "01x", #"{"a":"\ud800"}"#] {
            #expect(throws: CeilometerJSON.SyntaxError.self, "\(bad)") { try CeilometerJSON.parse(bad) }
        }
    }
}
