import Foundation
import Logging
import VirtmonAgent
import VirtmonModel
import VirtmonPublishers

/// POSTs each event as JSON to a URL, signed like batches (`X-Virtmon-Signature`) when a secret is set, and
/// tries again with a doubling wait when the receiver does not answer 2xx; what still fails is logged.
struct WebhookEventHandler: EventHandler {
    let name = "webhook"
    let transport: HTTPTransport
    let signature: BatchSignature
    let attempts: Int
    let retry: RetryPolicy
    let timeout: Duration
    let logger: Logger

    func handle(_ event: Event) async {
        var body: [UInt8] = []
        WireJSON.append(event, to: &body)
        let data = Data(body)
        var lastError: DeliveryError?
        for attempt in 1...max(1, attempts) {
            do {
                try await transport.send(body: data, signature: signature.sign(data), timeout: timeout)
                return
            } catch {
                lastError = error
                if attempt < attempts { try? await Task.sleep(for: retry.delay(afterFailures: attempt)) }
            }
        }
        logger.error("webhook did not take an event",
                     metadata: ["url": "\(transport.target)", "event": "\(event.id)", "type": "\(event.type)",
                                "attempts": "\(attempts)", "error": "\(lastError.map { "\($0)" } ?? "")"])
    }
}
