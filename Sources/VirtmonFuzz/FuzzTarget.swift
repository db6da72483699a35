import Foundation
import VirtmonCeilometer
import VirtmonModel
import VirtmonPipeline
import VirtmonPrometheus
import VirtmonRequests
import VirtmonServer
import VirtmonStorage

/// One decoder or parser that bytes from outside reach, fed arbitrary input. A target returns for any input
/// whether its decoder accepted it (a refusal is the decoder's own error, which is fine); it traps, and the
/// fuzzer reports a crash, on a crash, a memory error or a broken round trip, since those are bugs.
public struct FuzzTarget: Sendable {
    public let name: String
    /// What reaches it in production.
    public let summary: String
    public let run: @Sendable ([UInt8]) -> Bool

    /// Every target, by name: the names are the corpus directories under Fuzz/corpus/.
    public static let all: [FuzzTarget] = [
        FuzzTarget(name: "batch", summary: "v1 batch bodies (HTTP, UDP, AMQP), against the Codable decoder", run: batch),
        FuzzTarget(name: "frame", summary: "signed frames (UDP datagrams, AMQP bodies)", run: frame),
        FuzzTarget(name: "chunk", summary: "compressed sample chunks read back from the store", run: chunk),
        FuzzTarget(name: "rollup", summary: "rollup blobs read back from the store", run: rollup),
        FuzzTarget(name: "wal", summary: "write-ahead records replayed at start", run: wal),
        FuzzTarget(name: "ceilometer-message", summary: "Ceilometer's notifications on the bus", run: ceilometerMessage),
        FuzzTarget(name: "msgpack", summary: "Ceilometer's UDP publisher's msgpack samples", run: msgpack),
        FuzzTarget(name: "remote-write", summary: "POST /api/v1/write bodies (snappy + protobuf)", run: remoteWrite),
        FuzzTarget(name: "timestamp", summary: "timestamps in batches and Ceilometer samples", run: timestamp),
        FuzzTarget(name: "selector", summary: "/federate match[] selectors", run: selector),
        FuzzTarget(name: "scale", summary: "pipeline scale expressions from the config", run: scale),
        FuzzTarget(name: "meter-selector", summary: "meter patterns from the config", run: meterSelector),
        FuzzTarget(name: "ceilometer-query", summary: "Ceilometer v2 query strings (q.field/q.op/q.value, limit, statistics)", run: ceilometerQuery),
        FuzzTarget(name: "complex-query", summary: "POST /v2/query/samples and /v2/query/alarms bodies", run: complexQuery),
        FuzzTarget(name: "posted-samples", summary: "POST /v2/meters/NAME bodies", run: postedSamples),
        FuzzTarget(name: "config", summary: "the agent's and the collector's YAML configuration files", run: config),
    ]

    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }

    /// A broken promise: the fuzzer reports it as a crash with this text.
    static func violated(_ what: String) -> Never { fatalError("fuzz property violated: \(what)") }

    static func batch(_ bytes: [UInt8]) -> Bool {
        let data = Data(bytes)
        let fast = try? WireDecoder.batch(data)
        // The hot-path decoder promises to accept exactly what the Codable conformance accepts.
        let reference = try? JSONDecoder().decode(Batch.self, from: data)
        guard let fast else { return false }
        guard let reference else { violated("WireDecoder accepted a batch JSONDecoder refuses") }
        // A sample without a message_id gets a new random one from each decoder: those are compared only as
        // both being new (absent from the input), every other field exactly.
        func generatedIDsCleared(_ batch: Batch) -> Batch {
            var copy = batch
            for index in copy.samples.indices where data.range(of: Data(copy.samples[index].messageID.utf8)) == nil {
                copy.samples[index].messageID = "(generated)"
            }
            return copy
        }
        if generatedIDsCleared(fast) != generatedIDsCleared(reference) { violated("WireDecoder and JSONDecoder read the same batch differently") }
        // What is stored is what would be sent again: encoding is stable after one round.
        let once = WireJSON.encode(fast)
        guard let again = try? WireDecoder.batch(once) else { violated("a decoded batch, encoded again, does not decode") }
        if WireJSON.encode(again) != once { violated("encode(decode(encode(batch))) differs from encode(batch)") }
        return true
    }

    static func frame(_ bytes: [UInt8]) -> Bool {
        guard let frame = try? SignedFrame.decode(Data(bytes)) else { return false }
        _ = try? WireDecoder.batch(frame.body)
        return true
    }

    static func chunk(_ bytes: [UInt8]) -> Bool {
        guard let (timestamps, values) = try? ChunkCodec.decode(bytes) else { return false }
        if timestamps.count != values.count { violated("a chunk decoded to \(timestamps.count) times and \(values.count) values") }
        let again = ChunkCodec.encode(timestamps: timestamps, values: values)
        guard let (times2, values2) = try? ChunkCodec.decode(again) else { violated("a decoded chunk, encoded again, does not decode") }
        if times2 != timestamps || values2.map(\.bitPattern) != values.map(\.bitPattern) {
            violated("a chunk's samples change over an encode/decode round")
        }
        return true
    }

    static func rollup(_ bytes: [UInt8]) -> Bool {
        guard let buckets = try? RollupCodec.decode(bytes) else { return false }
        guard let again = try? RollupCodec.decode(RollupCodec.encode(buckets)) else { violated("a decoded rollup, encoded again, does not decode") }
        if again.count != buckets.count { violated("a rollup's bucket count changes over an encode/decode round") }
        return true
    }

    static func wal(_ bytes: [UInt8]) -> Bool {
        guard let record = try? WALRecord(decoding: bytes) else { return false }
        guard let again = try? WALRecord(decoding: record.encoded()) else { violated("a decoded write-ahead record, encoded again, does not decode") }
        // Compared bit for bit: a NaN value is kept as the same NaN, which == would call unequal.
        func bits(_ record: WALRecord) -> [[UInt64]] {
            record.entries.map { [UInt64(bitPattern: $0.series), UInt64(bitPattern: $0.time), $0.value.bitPattern, UInt64(bitPattern: $0.receivedAt)] }
        }
        if bits(again) != bits(record) || again.replacesHeads != record.replacesHeads {
            violated("a write-ahead record changes over an encode/decode round")
        }
        return true
    }

    /// Any text as both the agent's and the collector's configuration file: loaded, or refused with an error
    /// that names the file and, when it gives one, a line that exists.
    static func config(_ bytes: [UInt8]) -> Bool {
        guard let text = String(validating: bytes, as: UTF8.self) else { return false }
        // YAML breaks lines at CR as well as LF (and NEL, LS, PS): a lone CR starts a line in its count too.
        let lines = 1 + text.unicodeScalars.filter { ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains($0) }.count
        func check(_ error: ConfigError) {
            if error.file != "fuzz.yaml" || error.message.isEmpty { violated("a configuration error without its file or reason: \(error)") }
            if let line = error.line, line < 0 || line > lines + 1 { violated("a configuration error at line \(line) of a \(lines)-line file: \(error)") }
        }
        var accepted = true
        do {
            _ = try ConfigLoader.parse(text, file: "fuzz.yaml")
        } catch {
            check(error)
            accepted = false
        }
        var collector = CollectorConfig(dataDir: "/nonexistent")
        do {
            try CollectorConfigLoader.parse(text, file: "fuzz.yaml", into: &collector)
        } catch {
            check(error)
            accepted = false
        }
        return accepted
    }

    static func ceilometerMessage(_ bytes: [UInt8]) -> Bool {
        guard let message = try? CeilometerMessage.parse(bytes) else { return false }
        for value in message.samples { _ = try? CeilometerSample.sample(value) }
        return true
    }

    static func msgpack(_ bytes: [UInt8]) -> Bool {
        guard let value = try? MessagePack.decode(bytes) else { return false }
        _ = try? CeilometerSample.sample(value)
        return true
    }

    static func remoteWrite(_ bytes: [UInt8]) -> Bool {
        // Both as a whole body and as the protobuf inside one.
        let accepted = (try? RemoteWriteMapping.decode(body: Data(bytes), maxBytes: 1 << 20, project: nil)) != nil
        if let compressed = try? Snappy.compress(Data(bytes)) {
            _ = try? RemoteWriteMapping.decode(body: compressed, maxBytes: 1 << 20, project: "p")
        }
        return accepted
    }

    static func timestamp(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        let parsed = WireTimestamp.parse(text)
        if let date = parsed {
            // What the collector writes back must read as the same instant, to the microsecond it keeps.
            guard let again = WireTimestamp.parse(WireTimestamp.format(date)) else { violated("a formatted timestamp does not parse: \(text)") }
            // Microseconds are kept; far from 1970 a Double's own step is coarser, and that is the bound there.
            let tolerance = max(1e-6, date.timeIntervalSince1970.ulp * 4)
            if abs(again.timeIntervalSince(date)) > tolerance { violated("a timestamp moves over a format/parse round: \(text)") }
        }
        let ceilometer = (try? CeilometerTime.parse(text)) != nil
        return parsed != nil || ceilometer
    }

    static func selector(_ bytes: [UInt8]) -> Bool {
        guard let selector = try? SeriesSelector(parsing: String(decoding: bytes, as: UTF8.self)) else { return false }
        _ = selector.matches(name: "libvirt_domain_info_cpu_time_seconds_total", labels: [.init("resource_id", "vm-1"), .init("job", "virtmon")])
        return true
    }

    static func scale(_ bytes: [UInt8]) -> Bool {
        guard let expression = try? ScaleExpression(String(decoding: bytes, as: UTF8.self)) else { return false }
        let sample = Sample(name: "m", type: .gauge, unit: "B", volume: 1234.5, resourceID: "r", timestamp: Date(timeIntervalSince1970: 0),
                            resourceMetadata: ["vcpus": .number(4), "name": .string("x")])
        _ = try? expression.evaluate(sample)
        return true
    }

    static func meterSelector(_ bytes: [UInt8]) -> Bool {
        let patterns = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        guard let selector = try? MeterSelector(patterns) else { return false }
        _ = selector.matches("hardware.cpu.util")
        return true
    }

    static func ceilometerQuery(_ bytes: [UInt8]) -> Bool {
        let parameters = QueryParameters(String(decoding: bytes, as: UTF8.self))
        let filters = try? CeilometerQuery.filters(parameters)
        if let limit = try? CeilometerQuery.limit(parameters, default: nil), limit <= 0 { violated("a limit of \(limit) was accepted") }
        _ = try? CeilometerQuery.statistics(meter: "cpu_util", parameters)
        return filters != nil
    }

    /// The fields of an alarm document, as `POST /v2/query/alarms` filters them.
    static let alarmDocuments: [[String: JSONValue]] = [
        ["alarm_id": .string("a1"), "name": .string("cpu high"), "state": .string("alarm"), "enabled": .bool(true),
         "severity": .string("critical"), "timestamp": .string("2026-12-03T12:00:00"), "repeat_actions": .bool(false), "threshold": .number(80)],
        ["alarm_id": .string("a2"), "name": .string("disk"), "state": .string("ok"), "enabled": .bool(false),
         "severity": .string("low"), "timestamp": .string("2026-12-03T11:00:00"), "repeat_actions": .bool(true), "threshold": .string("7.5")],
    ]

    static func complexQuery(_ bytes: [UInt8]) -> Bool {
        guard let body = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else { return false }
        let fields = Set(alarmDocuments.flatMap(\.keys))
        var accepted = false
        if let query = try? ComplexFilter.query(body, fields: fields, defaultLimit: 100) {
            accepted = true
            let answer = ComplexFilter.apply(alarmDocuments, query)
            if answer.count > min(query.limit, alarmDocuments.count) { violated("a complex query answered \(answer.count) documents with limit \(query.limit)") }
        }
        // The samples query reads the same body's filter with its own, narrower grammar.
        if case .object(let object) = body, let filter = object["filter"], (try? CeilometerQuery.filters(fromComplex: filter)) != nil { accepted = true }
        return accepted
    }

    static func postedSamples(_ bytes: [UInt8]) -> Bool {
        guard let body = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else { return false }
        let now = Date(timeIntervalSince1970: 1_796_299_210)  // 2026-12-03T12:00:10Z, just after the seeds' samples
        let validator = BatchValidator(limits: IngestLimits())
        let admin = try? PostedSamples.parse(body, meter: "cpu_util", project: nil, now: now, validator: validator)
        if let scoped = try? PostedSamples.parse(body, meter: "cpu_util", project: "p1", now: now, validator: validator) {
            // A project token's samples are that project's, whatever the body says.
            if scoped.contains(where: { $0.projectID != "p1" }) { violated("a project token posted a sample of another project") }
            if admin == nil { violated("a body accepted for a project token was refused for the admin") }
        }
        for sample in admin ?? [] where sample.name != "cpu_util" || !sample.volume.isFinite { violated("a posted sample came out as \(sample.name) = \(sample.volume)") }
        return admin != nil
    }
}
