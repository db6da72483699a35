import Foundation

/// Reads batch bodies straight from their bytes into `Batch`: the collector's hot path. Accepts exactly what
/// the Codable conformances accept (unknown keys are skipped, optional keys may be absent or null) and says
/// where a body is wrong.
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
        try scanner.object { (scanner: inout JSONScanner, key: JSONKey) throws(WireDecodeError) in
            if key.equals("samples") {
                samples = try list(&scanner, "samples", sample)
            } else if key.equals("events") {
                events = try list(&scanner, "events", event)
            } else if key.equals("version") {
                version = try wholeNumber(&scanner, "version")
            } else if key.equals("agent") {
                agent = try scanner.string()
            } else if key.equals("host") {
                host = try scanner.string()
            } else if key.equals("seq") {
                let value = try scanner.number()
                guard value >= 0, value < 18_446_744_073_709_551_616, value == value.rounded() else {
                    throw scanner.error("seq must be a whole number ≥ 0")
                }
                sequence = UInt64(value)
            } else if key.equals("sent_at") {
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
        try scanner.object { (scanner: inout JSONScanner, key: JSONKey) throws(WireDecodeError) in
            if key.equals("counter_name") {
                name = try scanner.string()
            } else if key.equals("counter_type") {
                let text = try scanner.string()
                guard let value = SampleType(rawValue: text) else {
                    throw scanner.error("counter_type '\(text)' is not gauge, delta or cumulative")
                }
                type = value
            } else if key.equals("counter_unit") {
                unit = try scanner.string()
            } else if key.equals("counter_volume") {
                volume = try scanner.number()
            } else if key.equals("resource_id") {
                resourceID = try scanner.string()
            } else if key.equals("timestamp") {
                timestamp = try WireDecoder.timestamp(&scanner, "timestamp")
            } else if key.equals("resource_metadata") {
                if try scanner.peek() == UInt8(ascii: "n") {
                    try scanner.literal("null")
                } else {
                    guard try scanner.peek() == UInt8(ascii: "{") else { throw scanner.error("resource_metadata must be an object") }
                    metadata = try WireDecoder.metadata(&scanner)
                }
            } else if key.equals("user_id") {
                userID = try scanner.optionalString()
            } else if key.equals("project_id") {
                projectID = try scanner.optionalString()
            } else if key.equals("source") {
                source = try scanner.optionalString()
            } else if key.equals("message_id") {
                messageID = try scanner.optionalString()
            } else if key.equals("monotonic_time") {
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
        try scanner.object { (scanner: inout JSONScanner, key: JSONKey) throws(WireDecodeError) in
            if key.equals("id") {
                id = try scanner.string()
            } else if key.equals("time") {
                time = try timestamp(&scanner, "time")
            } else if key.equals("type") {
                type = try scanner.string()
            } else if key.equals("level") {
                let text = try scanner.string()
                guard let value = EventLevel(rawValue: text) else { throw scanner.error("level '\(text)' is not info, error or fatal") }
                level = value
            } else if key.equals("host") {
                host = try scanner.string()
            } else if key.equals("resource") {
                resource = try scanner.string()
            } else if key.equals("message") {
                message = try scanner.string()
            } else if key.equals("details") {
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
