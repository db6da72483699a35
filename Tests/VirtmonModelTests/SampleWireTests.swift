import Foundation
import Testing
import VirtmonModel

@Suite struct SampleWireTests {
    let sample = Sample(
        name: "hardware.cpu.util", type: .gauge, unit: "%", volume: 12.5, resourceID: "node1",
        timestamp: Date(timeIntervalSince1970: 1_763_731_500.123456), resourceMetadata: ["host": "node1", "cpus": 4],
        messageID: "5e0c3a5c-0000-4000-8000-000000000001", monotonicTime: 1234.5)

    @Test func encodesInCeilometersWireShape() throws {
        let object = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(sample)) as? [String: Any])
        #expect(Set(object.keys) == [
            "counter_name", "counter_type", "counter_unit", "counter_volume", "resource_id", "project_id", "user_id",
            "timestamp", "resource_metadata", "message_id", "source", "monotonic_time",
        ])
        #expect(object["counter_name"] as? String == "hardware.cpu.util")
        #expect(object["counter_type"] as? String == "gauge")
        #expect(object["counter_volume"] as? Double == 12.5)
        #expect(object["timestamp"] as? String == "2025-11-21T13:25:00.123456Z")
        #expect(object["project_id"] is NSNull && object["user_id"] is NSNull)
        #expect(object["source"] as? String == "virtmon")
        #expect((object["resource_metadata"] as? [String: Any])?["cpus"] as? Int == 4)
    }

    @Test func roundTrips() throws {
        let decoded = try JSONDecoder().decode(Sample.self, from: JSONEncoder().encode(sample))
        #expect(decoded.name == sample.name && decoded.volume == sample.volume && decoded.type == sample.type)
        #expect(abs(decoded.timestamp.timeIntervalSince(sample.timestamp)) < 1e-6)
        #expect(decoded.resourceMetadata == sample.resourceMetadata)
        #expect(decoded.messageID == sample.messageID && decoded.monotonicTime == 1234.5)
    }

    @Test func refusesBadTypesAndTimestamps() {
        let badType = #"{"counter_name":"x","counter_type":"rate","counter_unit":"%","counter_volume":1,"resource_id":"r","timestamp":"2025-01-01T00:00:00Z"}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Sample.self, from: Data(badType.utf8)) }
        let badTime = #"{"counter_name":"x","counter_type":"gauge","counter_unit":"%","counter_volume":1,"resource_id":"r","timestamp":"yesterday"}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Sample.self, from: Data(badTime.utf8)) }
    }

    @Test func timestampsFormatAndParse() throws {
        #expect(WireTimestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
        #expect(WireTimestamp.format(Date(timeIntervalSince1970: 1.9999999)) == "1970-01-01T00:00:02.000000Z")
        let parsed = try #require(WireTimestamp.parse("2026-11-21T13:45:00.5Z"))
        #expect(parsed.timeIntervalSince1970 == 1_795_268_700.5)
        #expect(WireTimestamp.parse("2026-11-21T13:45:00") == Date(timeIntervalSince1970: 1_795_268_700))
        #expect(WireTimestamp.parse("2026-11-21T15:45:00+02:00") == Date(timeIntervalSince1970: 1_795_268_700))
        #expect(WireTimestamp.parse("2026-11-21 13:45:00.000000") == Date(timeIntervalSince1970: 1_795_268_700))
        for bad in ["", "2026-13-01T00:00:00Z", "2026-11-21T13:45", "2026-11-21T13:45:00Zjunk", "2026-11-21T13:45:00."] {
            #expect(WireTimestamp.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func timestampsAreStrictAndSayWhy() throws {
        let refused: [(String, String)] = [
            ("2026-02-31T00:00:00", "has day 31, but 2026-02 has 28 days"),
            ("2024-02-30T00:00:00Z", "2024-02 has 29 days"),
            ("2026-11-21T10:00:00+99:99", "offset out of range"),
            ("2026-06-30T23:59:60Z", "leap second"),
            ("2026-11-21T24:00:00Z", "hour 24"),
            ("2026-11-21T10:60:00Z", "minute 60"),
            ("2026-00-10T10:00:00Z", "month 0"),
            ("2026-11-21T10:00:00+0", "not an ISO 8601 timestamp"),
        ]
        for (text, reason) in refused {
            #expect(throws: TimestampError.self, "\(text)") { try WireTimestamp.check(text) }
            do {
                _ = try WireTimestamp.check(text)
            } catch {
                #expect(error.description.contains(reason), "\(text): \(error)")
            }
        }
        #expect(WireTimestamp.parse("2024-02-29T12:00:00Z") != nil)
        #expect(WireTimestamp.parse("2026-11-21") == Date(timeIntervalSince1970: 1_795_219_200))
        #expect(WireTimestamp.parse("2026-11-21T15:45:00+0200") == Date(timeIntervalSince1970: 1_795_268_700))
        #expect(WireTimestamp.parse("2026-11-21T08:45:00-05") == Date(timeIntervalSince1970: 1_795_268_700))
        #expect(WireTimestamp.parse("1969-12-31T23:59:59Z") == Date(timeIntervalSince1970: -1))
    }

    @Test func eventsRoundTrip() throws {
        let event = Event(time: Date(timeIntervalSince1970: 1000), type: "memory_usage", level: .error, host: "h",
                          resource: "4242", message: "memory usage is 5000 KiB, above 4096 KiB",
                          details: ["pid": 4242])
        let decoded = try JSONDecoder().decode(Event.self, from: JSONEncoder().encode(event))
        #expect(decoded == event)
        #expect(EventLevel.info < .error && EventLevel.error < .fatal)
    }
}
