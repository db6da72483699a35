import Foundation
import Synchronization
import VirtmonCeilometer
import VirtmonModel
import VirtmonStorage

/// Takes what Ceilometer sends — notifications from the bus, msgpack datagrams from its UDP publisher — checks
/// each sample's signature with Ceilometer's algorithm, and stores the samples through the `Ingestor`.
///
/// As Ceilometer's own collector does, a sample whose signature does not match is dropped with a log line and
/// counted, one by one (`bad_signature`), and the rest of its message is stored. A message is stored as one unit under an
/// origin made from its message id, so a redelivery is recognised; the `notifier://` publisher's per-meter
/// copies (same samples, other messages) are recognised by the samples' own `message_id`s, remembered for the
/// last `recentCapacity` samples.
public final class CeilometerIngest: Sendable {
    private let ingestor: Ingestor
    private let signature: CeilometerSignature
    private let recent: Mutex<RecentIDs>

    public init(ingestor: Ingestor, secret: String, recentCapacity: Int = 200_000) {
        self.ingestor = ingestor
        signature = CeilometerSignature(secret: secret)
        recent = Mutex(RecentIDs(capacity: recentCapacity))
    }

    /// Whether a datagram is msgpack (a map: Ceilometer's UDP publisher) rather than a virtmon frame.
    public static func isMessagePack(_ datagram: Data) -> Bool {
        guard let first = datagram.first else { return false }
        return (0x80...0x8F).contains(first) || first == 0xDE || first == 0xDF
    }

    /// One oslo.messaging notification (JSON, with or without the envelope) from the bus.
    /// - Parameter fallbackID: the AMQP message-id, when the notification has no `message_id` of its own.
    public func ingest(notification body: [UInt8], fallbackID: String?, transport: Ingestor.Transport, now: Date = Date()) async throws(IngestError) -> IngestOutcome {
        let message: CeilometerMessage
        do {
            message = try CeilometerMessage.parse(body)
        } catch {
            ingestor.refused(IngestError(.malformed, "not a Ceilometer notification: \(error)"), transport: transport, what: "message")
            throw IngestError(.malformed, "not a Ceilometer notification: \(error)")
        }
        let key = message.messageID ?? fallbackID ?? Self.digest(body)
        return try await store(message.samples, publisher: message.publisherID ?? "unknown", key: key, transport: transport, now: now)
    }

    /// One msgpack datagram from Ceilometer's UDP publisher: one sample dict.
    public func ingest(datagram: Data, now: Date = Date()) async throws(IngestError) -> IngestOutcome {
        let value: CeilometerValue
        do {
            value = try MessagePack.decode(Array(datagram))
        } catch {
            ingestor.refused(IngestError(.malformed, "not a Ceilometer msgpack sample: \(error)"), transport: .udp, what: "datagram")
            throw IngestError(.malformed, "not a Ceilometer msgpack sample: \(error)")
        }
        let key = value["message_id"]?.string ?? Self.digest(Array(datagram))
        let publisher = value["resource_metadata"]?["host"]?.string ?? "udp"
        return try await store([value], publisher: publisher, key: key, transport: .udp, now: now)
    }

    private func store(_ values: [CeilometerValue], publisher: String, key: String, transport: Ingestor.Transport, now: Date) async throws(IngestError) -> IngestOutcome {
        var samples: [Sample] = []
        var forged = 0
        var unreadable: [String] = []
        for (index, value) in values.enumerated() {
            guard signature.verify(value) else {
                forged += 1
                continue
            }
            do {
                samples.append(try CeilometerSample.sample(value))
            } catch {
                unreadable.append("sample \(index): \(error)")
            }
        }
        if forged > 0 {
            let name = values.first?["counter_name"]?.string ?? "?"
            ingestor.refused(IngestError(.badSignature, "\(forged) of \(values.count) Ceilometer samples (first: \(name.prefix(64))) from \(publisher.prefix(64)) have a message_signature that does not match (a different telemetry_secret, or altered); dropped"),
                             transport: transport, what: "Ceilometer samples", count: forged)
        }
        if !unreadable.isEmpty {
            ingestor.refused(IngestError(.invalid, "\(unreadable.count) of \(values.count) Ceilometer samples from \(publisher.prefix(64)) unreadable; dropped: \(unreadable.prefix(3).joined(separator: "; "))"),
                             transport: transport, what: "Ceilometer samples", count: unreadable.count)
        }
        let fresh = recent.withLock { recent in samples.filter { !recent.contains($0.messageID) } }
        guard !fresh.isEmpty else { return samples.isEmpty ? .stored(samples: 0, events: 0) : .duplicate }
        let origin = BatchOrigin(agent: "ceilometer:" + publisher.prefix(200), host: String(publisher.prefix(255)), sequence: Self.sequence(key))
        let outcome = try await ingestor.ingest(ceilometer: fresh, origin: origin, transport: transport, now: now)
        recent.withLock { recent in for sample in fresh { recent.insert(sample.messageID) } }
        return outcome
    }

    /// A stable 63-bit number for a message id (FNV-1a), the sequence its origin is recognised by.
    static func sequence(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash & UInt64(Int64.max)
    }

    static func digest(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return "body-" + String(hash, radix: 16)
    }
}

/// The last `capacity` ids seen, oldest forgotten first.
struct RecentIDs: Sendable {
    private var order: [String?]
    private var members: Set<String> = []
    private var next = 0

    init(capacity: Int) { order = Array(repeating: nil, count: max(1, capacity)) }

    func contains(_ id: String) -> Bool { members.contains(id) }

    mutating func insert(_ id: String) {
        guard !members.contains(id) else { return }
        if let old = order[next] { members.remove(old) }
        order[next] = id
        members.insert(id)
        next = (next + 1) % order.count
    }
}
