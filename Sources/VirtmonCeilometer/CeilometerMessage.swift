/// What Ceilometer puts on the bus, unwrapped: the oslo.messaging notification (with or without the
/// `oslo.version`/`oslo.message` envelope of the `messagingv2` driver) and the sample dicts it carries — a
/// polling agent's `{"samples": [...]}` payload (`telemetry.polling`, `telemetry.api`) or the notifier
/// publisher's list (`metering`, `metering.<name>`).
public struct CeilometerMessage: Sendable {
    public var messageID: String?
    public var publisherID: String?
    public var eventType: String?
    public var samples: [CeilometerValue]

    /// The event types that carry samples.
    public static func carriesSamples(_ eventType: String) -> Bool {
        eventType == "telemetry.polling" || eventType == "telemetry.api" || eventType == "metering" || eventType.hasPrefix("metering.")
    }

    public static func parse(_ body: [UInt8]) throws(CeilometerError) -> CeilometerMessage {
        var root: CeilometerValue
        do {
            root = try CeilometerJSON.parse(body)
        } catch {
            throw CeilometerError("not JSON: \(error)")
        }
        if let wrapped = root["oslo.message"] {
            guard let inner = wrapped.string else { throw CeilometerError("'oslo.message' is not a string of JSON") }
            do {
                root = try CeilometerJSON.parse(inner)
            } catch {
                throw CeilometerError("'oslo.message' is not JSON: \(error)")
            }
        }
        guard case .object = root else { throw CeilometerError("the message is not a JSON object (an oslo.messaging notification)") }
        guard let payload = root["payload"] else {
            throw CeilometerError("the notification has no 'payload' (expected an oslo.messaging notification carrying samples)")
        }
        let eventType = root["event_type"]?.string
        if let eventType, !carriesSamples(eventType) {
            throw CeilometerError("event type '\(eventType.prefix(64))' carries no samples (expected telemetry.polling, telemetry.api, metering or metering.<name>)")
        }
        let samples: [CeilometerValue]
        switch payload {
        case .array(let items): samples = items
        case .object:
            guard case .array(let items)? = payload["samples"] else { throw CeilometerError("the payload is an object without a 'samples' list") }
            samples = items
        default:
            throw CeilometerError("the payload is neither a list of samples nor {\"samples\": [...]}")
        }
        return CeilometerMessage(messageID: root["message_id"]?.string, publisherID: root["publisher_id"]?.string,
                                 eventType: eventType, samples: samples)
    }
}
