import Foundation

/// Checks a decoded batch against `IngestLimits` and says which sample or event is wrong and why.
public struct BatchValidator: Sendable {
    public var limits: IngestLimits

    public init(limits: IngestLimits) {
        self.limits = limits
    }

    /// Throws the first problem found; a batch is stored whole or not at all.
    /// - Parameter checkClock: refuse a `sent_at` outside the clock window (off for batches a broker held).
    public func validate(_ batch: Batch, now: Date, checkClock: Bool = true) throws(IngestError) {
        guard batch.version == Batch.currentVersion else {
            throw IngestError(.unknownVersion, "batch version \(batch.version); this collector reads version \(Batch.currentVersion)")
        }
        guard !batch.agent.isEmpty, batch.agent.utf8.count <= limits.maxFieldLength else {
            throw IngestError(.invalid, "agent id must be 1 to \(limits.maxFieldLength) bytes")
        }
        guard batch.host.utf8.count <= limits.maxFieldLength else {
            throw IngestError(.invalid, "host name longer than \(limits.maxFieldLength) bytes")
        }
        try BatchValidator.refuseControlCharacters(batch.agent, "agent")
        try BatchValidator.refuseControlCharacters(batch.host, "host")
        guard batch.sequence <= UInt64(Int64.max) else { throw IngestError(.invalid, "seq \(batch.sequence) is out of range") }
        guard !checkClock || abs(batch.sentAt.timeIntervalSince(now)) <= limits.clockWindow else {
            throw IngestError(
                .stale,
                "sent_at \(WireTimestamp.format(batch.sentAt)) is \(Int(batch.sentAt.timeIntervalSince(now))) s from the collector's clock; the window is ±\(Int(limits.clockWindow)) s")
        }
        guard batch.samples.count <= limits.maxSamples else {
            throw IngestError(.oversized, "\(batch.samples.count) samples in one batch; at most \(limits.maxSamples)")
        }
        guard batch.events.count <= limits.maxEvents else {
            throw IngestError(.oversized, "\(batch.events.count) events in one batch; at most \(limits.maxEvents)")
        }
        for (index, sample) in batch.samples.enumerated() {
            try validate(sample, now: now, at: "samples[\(index)]")
        }
        for (index, event) in batch.events.enumerated() {
            try validate(event, at: "events[\(index)]")
        }
    }

    /// One sample: names present and bounded, a finite volume, a sane timestamp, bounded metadata.
    public func validate(_ sample: Sample, now: Date, at place: String) throws(IngestError) {
        func field(_ name: String, _ value: String?, required: Bool = true) throws(IngestError) {
            guard let value else {
                if required { throw IngestError(.invalid, "\(place).\(name) is missing") }
                return
            }
            if required && value.isEmpty { throw IngestError(.invalid, "\(place).\(name) is empty") }
            guard value.utf8.count <= limits.maxFieldLength else {
                throw IngestError(.invalid, "\(place).\(name) is longer than \(limits.maxFieldLength) bytes")
            }
            try BatchValidator.refuseControlCharacters(value, "\(place).\(name)")
        }
        try field("counter_name", sample.name)
        try field("counter_unit", sample.unit, required: false)
        try field("resource_id", sample.resourceID)
        try field("project_id", sample.projectID, required: false)
        try field("user_id", sample.userID, required: false)
        try field("source", sample.source, required: false)
        try field("message_id", sample.messageID, required: false)
        try validateValue(sample, now: now, at: place)
        let metadata = JSONValue.object(sample.resourceMetadata)
        guard WireJSON.encodedLengthBound(metadata) <= limits.maxMetadataBytes
            || WireJSON.encode(metadata).count <= limits.maxMetadataBytes
        else {
            throw IngestError(.invalid, "\(place).resource_metadata is larger than \(limits.maxMetadataBytes) bytes")
        }
    }

    /// What differs from one sample of a series to the next: a finite volume and a sane timestamp. Enough for
    /// the samples after the first of a series whose names and metadata were checked once (remote-write).
    public func validateValue(_ sample: Sample, now: Date, at place: String) throws(IngestError) {
        guard sample.volume.isFinite else { throw IngestError(.invalid, "\(place).counter_volume is not a finite number") }
        guard sample.timestamp >= limits.earliestTimestamp else {
            throw IngestError(.invalid, "\(place).timestamp \(WireTimestamp.format(sample.timestamp)) is before \(WireTimestamp.format(limits.earliestTimestamp))")
        }
        guard sample.timestamp.timeIntervalSince(now) <= limits.maxFutureSkew else {
            throw IngestError(.invalid, "\(place).timestamp \(WireTimestamp.format(sample.timestamp)) is more than \(Int(limits.maxFutureSkew)) s in the future")
        }
    }

    /// Identifiers are compared, indexed and printed: a control character (a NUL that a C string API cuts
    /// at, a newline that forges a log line, an escape sequence) is refused rather than changed.
    public static func refuseControlCharacters(_ value: String, _ place: String) throws(IngestError) {
        for scalar in value.unicodeScalars where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
            throw IngestError(.invalid, "\(place) contains the control character U+\(String(format: "%04X", scalar.value)); identifiers may not contain control characters")
        }
    }

    func validate(_ event: Event, at place: String) throws(IngestError) {
        for (name, value) in [("id", event.id), ("type", event.type), ("host", event.host), ("resource", event.resource)] {
            guard value.utf8.count <= limits.maxFieldLength else {
                throw IngestError(.invalid, "\(place).\(name) is longer than \(limits.maxFieldLength) bytes")
            }
            try BatchValidator.refuseControlCharacters(value, "\(place).\(name)")
        }
        guard !event.id.isEmpty, !event.type.isEmpty else { throw IngestError(.invalid, "\(place) needs an id and a type") }
        guard event.message.utf8.count <= limits.maxMetadataBytes,
              WireJSON.encode(.object(event.details)).count <= limits.maxMetadataBytes
        else {
            throw IngestError(.invalid, "\(place) message or details larger than \(limits.maxMetadataBytes) bytes")
        }
    }
}
