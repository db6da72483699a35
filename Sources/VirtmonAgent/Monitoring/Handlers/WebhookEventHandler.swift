import Foundation
import Logging
import VirtmonModel
import VirtmonPublishers

/// POSTs each event as JSON to a URL, signed like batches (`X-Virtmon-Signature`) when a secret is set, and
/// tries again with a doubling wait when the receiver does not answer 2xx; what still fails is logged.
public struct WebhookEventHandler: EventHandler {
    public let name = "webhook"
    let transport: HTTPTransport
    let signature: BatchSignature
    let attempts: Int
    let retry: RetryPolicy
    let timeout: Duration
    let logger: Logger

    public init(transport: HTTPTransport, signature: BatchSignature, attempts: Int, retry: RetryPolicy, timeout: Duration, logger: Logger) {
        self.transport = transport
        self.signature = signature
        self.attempts = attempts
        self.retry = retry
        self.timeout = timeout
        self.logger = logger
    }

    public func handle(_ event: Event) async {
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
