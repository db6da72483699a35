import Foundation

/// Reads batch bodies straight from their bytes into `Batch`: the collector's hot path. Accepts what the
/// Codable conformances accept (unknown keys are skipped, optional keys may be absent or null), except a key
/// given twice in one object, which it refuses (see `SeenKeys`), and says where a body is wrong. The fuzz
/// target `batch` checks that whatever it accepts, JSONDecoder accepts and reads the same.
public enum WireDecoder {
    public static func batch(_ data: Data) throws(WireDecodeError) -> Batch {
        do {
            return try data.withUnsafeBytes { raw in
                var scanner = JSONScanner(raw.bindMemory(to: UInt8.self))
                let batch = try batch(&scanner)
                scanner.skipWhitespace()
                guard scanner.index == scanner.bytes.count else { throw scanner.error("extra bytes after the batch") }
                return batch
            }
        } catch let error as WireDecodeError {
            throw error
        } catch {
            throw WireDecodeError(path: "", offset: 0, message: "\(error)")
        }
    }

    static func batch(_ scanner: inout JSONScanner) throws(WireDecodeError) -> Batch {
        var version: Int?, agent: String?, host: String?, sequence: UInt64?, sentAt: Date?
        var samples: [Sample] = []
        var events: [Event] = []
        var seen = SeenKeys()
        try scanner.object { (scanner: inout JSONScanner, key: JSONKey) throws(WireDecodeError) in
            if key.equals("samples") {
                try seen.first(0, "samples", scanner)
                samples = try list(&scanner, "samples", sample)
            } else if key.equals("events") {
                try seen.first(1, "events", scanner)
                events = try list(&scanner, "events", event)
            } else if key.equals("version") {
                try seen.first(2, "version", scanner)
                version = try wholeNumber(&scanner, "version")
            } else if key.equals("agent") {
                try seen.first(3, "agent", scanner)
                agent = try scanner.string()
            } else if key.equals("host") {
                try seen.first(4, "host", scanner)
                host = try scanner.string()
            } else if key.equals("seq") {
                try seen.first(5, "seq", scanner)
                let value = try scanner.number()
                guard value >= 0, value < 18_446_744_073_709_551_616, value == value.rounded() else {
                    throw scanner.error("seq must be a whole number ≥ 0")
                }
                sequence = UInt64(value)
            } else if key.equals("sent_at") {
                try seen.first(6, "sent_at", scanner)
                sentAt = try timestamp(&scanner, "sent_at")
            } else {
                try scanner.skip()
            }
        }
        guard let version else { throw scanner.error("missing \"version\"") }
        guard let agent else { throw scanner.error("missing \"agent\"") }
        guard let host else { throw scanner.error("missing \"host\"") }
        guard let sequence else { throw scanner.error("missing \"seq\"") }
        guard let sentAt else { throw scanner.error("missing \"sent_at\"") }
        return Batch(version: version, agent: agent, host: host, sequence: sequence, sentAt: sentAt, samples: samples, events: events)
    }

    /// A list (or null) of elements, each read with its index on the error path.
    static func list<Element>(
        _ scanner: inout JSONScanner, _ name: String, _ element: (inout JSONScanner) throws(WireDecodeError) -> Element
    ) throws(WireDecodeError) -> [Element] {
        scanner.path.append(".\(name)")
        defer { scanner.path.removeLast() }
        if try scanner.peek() == UInt8(ascii: "n") {
            try scanner.literal("null")
            return []
        }
        var result: [Element] = []
        try scanner.array { (scanner: inout JSONScanner, position: Int) throws(WireDecodeError) in
            scanner.path.append("[\(position)]")
            defer { scanner.path.removeLast() }
            result.append(try element(&scanner))
        }
        return result
    }

    /// A metadata object, shared with the previous sample's when the bytes are the same.
    static func metadata(_ scanner: inout JSONScanner) throws(WireDecodeError) -> [String: JSONValue] {
        let start = scanner.index
        try scanner.skipObject()
        let count = scanner.index - start
        if let last = scanner.lastMetadata, last.count == count,
           memcmp(scanner.bytes.baseAddress! + start, scanner.bytes.baseAddress! + last.start, count) == 0 {
            return last.value
        }
        scanner.index = start
        let value = try scanner.objectValue()
        scanner.lastMetadata = (start, count, value)
        return value
    }

    static func sample(_ scanner: inout JSONScanner) throws(WireDecodeError) -> Sample {
        var name: String?, type: SampleType?, unit: String?, volume: Double?, resourceID: String?, timestamp: Date?
        var userID: String?, projectID: String?, source: String?, messageID: String?, monotonic: Double?
        var metadata: [String: JSONValue] = [:]
        var seen = SeenKeys()
        try scanner.object { (scanner: inout JSONScanner, key: JSONKey) throws(WireDecodeError) in
            if key.equals("counter_name") {
                try seen.first(0, "counter_name", scanner)
                name = try scanner.string()
            } else if key.equals("counter_type") {
                try seen.first(1, "counter_type", scanner)
                let text = try scanner.string()
                guard let value = SampleType(rawValue: text) else {
                    throw scanner.error("counter_type '\(text)' is not gauge, delta or cumulative")
                }
                type = value
            } else if key.equals("counter_unit") {
                try seen.first(2, "counter_unit", scanner)
                unit = try scanner.string()
            } else if key.equals("counter_volume") {
                try seen.first(3, "counter_volume", scanner)
                volume = try scanner.number()
            } else if key.equals("resource_id") {
                try seen.first(4, "resource_id", scanner)
                resourceID = try scanner.string()
            } else if key.equals("timestamp") {
                try seen.first(5, "timestamp", scanner)
                timestamp = try WireDecoder.timestamp(&scanner, "timestamp")
            } else if key.equals("resource_metadata") {
                try seen.first(6, "resource_metadata", scanner)
                if try scanner.peek() == UInt8(ascii: "n") {
                    try scanner.literal("null")
                } else {
                    guard try scanner.peek() == UInt8(ascii: "{") else { throw scanner.error("resource_metadata must be an object") }
                    metadata = try WireDecoder.metadata(&scanner)
                }
            } else if key.equals("user_id") {
                try seen.first(7, "user_id", scanner)
                userID = try scanner.optionalString()
            } else if key.equals("project_id") {
                try seen.first(8, "project_id", scanner)
                projectID = try scanner.optionalString()
            } else if key.equals("source") {
                try seen.first(9, "source", scanner)
                source = try scanner.optionalString()
            } else if key.equals("message_id") {
                try seen.first(10, "message_id", scanner)
                messageID = try scanner.optionalString()
            } else if key.equals("monotonic_time") {
                try seen.first(11, "monotonic_time", scanner)
                monotonic = try scanner.optionalNumber()
            } else {
                try scanner.skip()
            }
        }
        guard let name else { throw scanner.error("missing \"counter_name\"") }
        guard let type else { throw scanner.error("missing \"counter_type\"") }
        guard let unit else { throw scanner.error("missing \"counter_unit\"") }
        guard let volume else { throw scanner.error("missing \"counter_volume\"") }
        guard let resourceID else { throw scanner.error("missing \"resource_id\"") }
        guard let timestamp else { throw scanner.error("missing \"timestamp\"") }
        return Sample(
            name: name, type: type, unit: unit, volume: volume, userID: userID, projectID: projectID, resourceID: resourceID,
            timestamp: timestamp, resourceMetadata: metadata, source: source ?? Sample.defaultSource,
            messageID: messageID ?? Sample.newMessageID(), monotonicTime: monotonic)
    }

    static func event(_ scanner: inout JSONScanner) throws(WireDecodeError) -> Event {
        var id: String?, time: Date?, type: String?, level: EventLevel?, host: String?, resource: String?, message: String?
        var details: [String: JSONValue] = [:]
        var seen = SeenKeys()
        try scanner.object { (scanner: inout JSONScanner, key: JSONKey) throws(WireDecodeError) in
            if key.equals("id") {
                try seen.first(0, "id", scanner)
                id = try scanner.string()
            } else if key.equals("time") {
                try seen.first(1, "time", scanner)
                time = try timestamp(&scanner, "time")
            } else if key.equals("type") {
                try seen.first(2, "type", scanner)
                type = try scanner.string()
            } else if key.equals("level") {
                try seen.first(3, "level", scanner)
                let text = try scanner.string()
                guard let value = EventLevel(rawValue: text) else { throw scanner.error("level '\(text)' is not info, error or fatal") }
                level = value
            } else if key.equals("host") {
                try seen.first(4, "host", scanner)
                host = try scanner.string()
            } else if key.equals("resource") {
                try seen.first(5, "resource", scanner)
                resource = try scanner.string()
            } else if key.equals("message") {
                try seen.first(6, "message", scanner)
                message = try scanner.string()
            } else if key.equals("details") {
                try seen.first(7, "details", scanner)
                if try scanner.peek() == UInt8(ascii: "n") {
                    try scanner.literal("null")
                } else {
                    guard try scanner.peek() == UInt8(ascii: "{") else { throw scanner.error("details must be an object") }
                    details = try scanner.objectValue()
                }
            } else {
                try scanner.skip()
            }
        }
        guard let id, let time, let type, let level, let host, let resource, let message else {
            throw scanner.error("an event needs id, time, type, level, host, resource and message")
        }
        return Event(id: id, time: time, type: type, level: level, host: host, resource: resource, message: message, details: details)
    }

    static func timestamp(_ scanner: inout JSONScanner, _ name: String) throws(WireDecodeError) -> Date {
        let text = try scanner.string()
        do {
            return try WireTimestamp.check(text)
        } catch {
            throw scanner.error("\(name) \(error.description)")
        }
    }

    static func wholeNumber(_ scanner: inout JSONScanner, _ name: String) throws(WireDecodeError) -> Int {
        let value = try scanner.number()
        guard value == value.rounded(), abs(value) < 1e15 else { throw scanner.error("\(name) must be a whole number") }
        return Int(value)
    }
}

/// Which of an object's known keys have been read. A key given twice is refused: readers differ on which of
/// the two counts (JSONDecoder keeps one, a scan that assigns as it goes the other), and a batch must mean
/// one thing to every reader.
struct SeenKeys {
    private var bits: UInt32 = 0

    mutating func first(_ index: Int, _ name: StaticString, _ scanner: borrowing JSONScanner) throws(WireDecodeError) {
        let bit: UInt32 = 1 << UInt32(index)
        guard bits & bit == 0 else { throw scanner.error("\"\(name)\" is given twice") }
        bits |= bit
    }
}
