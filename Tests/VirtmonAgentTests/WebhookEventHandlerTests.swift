import Foundation
import Logging
import Testing
import VirtmonModel
import VirtmonPublishers
import VirtmonTestSupport
@testable import VirtmonAgent

@Suite(.serialized) struct WebhookEventHandlerTests {
    let event = Event(time: Date(timeIntervalSince1970: 1_000), type: "liveness", level: .fatal, host: "node1",
                      resource: "vm-1", message: "pid 42 exited while its guest should be running",
                      details: ["pid": 42])

    func handler(_ port: Int, attempts: Int) -> WebhookEventHandler {
        WebhookEventHandler(
            transport: HTTPTransport(url: "http://127.0.0.1:\(port)/hook"), signature: BatchSignature(secret: "k"),
            attempts: attempts, retry: RetryPolicy(initial: .milliseconds(20), maximum: .milliseconds(50)),
            timeout: .seconds(2), logger: Logger(label: "test"))
    }

    @Test func postsTheSignedEventAndRetriesUntilAccepted() async throws {
        let receiver = try await TestHTTPReceiver()
        receiver.answer(503)
        let handler = handler(receiver.port, attempts: 5)
        let delivery = Task { await handler.handle(event) }
        while receiver.requests.count < 2 { try await Task.sleep(for: .milliseconds(10)) }
        receiver.answer(200)
        await delivery.value
        let requests = receiver.requests
        #expect(requests.count >= 3 && requests.count <= 5)
        let last = try #require(requests.last)
        #expect(last.path == "/hook")
        #expect(BatchSignature(secret: "k").verify(last.body, signature: last.signature))
        #expect(try JSONDecoder().decode(Event.self, from: last.body) == event)
        try await receiver.stop()
    }

    @Test func givesUpAfterItsAttemptsWithoutThrowing() async throws {
        let receiver = try await TestHTTPReceiver()
        receiver.answer(500)
        await handler(receiver.port, attempts: 3).handle(event)
        #expect(receiver.requests.count == 3)
        try await receiver.stop()
    }
}
