import AsyncHTTPClient
import Foundation
import NIOCore
import VirtmonModel

/// POSTs batch bodies as JSON, with the signature in `X-Virtmon-Signature`. Only a 2xx answer counts as
/// accepted.
public final class HTTPTransport: BatchTransport {
    public let target: String
    public let maxBodyBytes: Int? = nil
    private let url: String
    private let timeout: Duration
    /// The process-wide client: it needs no shutdown, so an agent that dies or a publisher that is dropped
    /// leaves no connection pool behind that must be closed first.
    private var client: HTTPClient { HTTPClient.shared }

    public init(url: String, timeout: Duration) {
        self.url = url
        self.target = url
        self.timeout = timeout
    }

    public func send(body: Data, signature: String?) async throws(DeliveryError) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "virtmon-agent")
        if let signature { request.headers.add(name: SignedFrame.signatureHeader, value: signature) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        let answer: String
        do {
            response = try await client.execute(request, timeout: .nanoseconds(timeout.inNanoseconds))
            let buffer = try await response.body.collect(upTo: 64 * 1024)
            answer = String(buffer: buffer)
        } catch {
            throw .unreachable("\(error)")
        }
        guard (200..<300).contains(Int(response.status.code)) else {
            throw .refused(status: Int(response.status.code), body: String(answer.prefix(300)))
        }
    }

    public func shutdown() async {}
}
