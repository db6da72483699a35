import AsyncHTTPClient
import Foundation
import NIOCore
import VirtmonModel
import VirtmonNetwork

/// POSTs batch bodies as JSON, with the signature in `X-Virtmon-Signature`. Only a 2xx answer counts as
/// accepted. For a protocol whose senders must not repeat a refused request (remote-write), a 4xx other than
/// 429 is final: the batch is rejected rather than retried.
public final class HTTPTransport: BatchTransport {
    public let target: String
    public let maxBodyBytes: Int? = nil
    private let url: String
    private let headers: [(String, String)]
    private let clientErrorsAreFinal: Bool
    private let client: HTTPClient

    /// One client for the process, never shut down, so a publisher that is dropped leaves no pool that must be
    /// closed first. A refused connection fails the attempt at once instead of being retried until the
    /// deadline: the spool's own backoff decides when to try again, and a shutdown flush is not held up.
    private static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configure(&configuration)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    private static func configure(_ configuration: inout HTTPClient.Configuration) {
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        configuration.redirectConfiguration = .disallow
    }

    public convenience init(url: String, target: String? = nil, headers: [(String, String)] = [("Content-Type", "application/json")],
                            clientErrorsAreFinal: Bool = false) {
        self.init(url: url, target: target, headers: headers, clientErrorsAreFinal: clientErrorsAreFinal, client: Self.shared)
    }

    /// - Parameter tlsCA: PEM certificate authorities an https:// destination must chain to, instead of the
    ///   system's (nil: the system's); the file is read here, so a missing or broken one fails the publisher's
    ///   creation rather than every send.
    public convenience init(url: String, target: String? = nil, headers: [(String, String)] = [("Content-Type", "application/json")],
                            clientErrorsAreFinal: Bool = false, tlsCA: String?) throws(TLSFileError) {
        let client = try tlsCA.map { file throws(TLSFileError) in
            try TrustingClients.client(purpose: "publisher", trusting: file, setting: "publishing.tls_ca", configure: Self.configure)
        } ?? Self.shared
        self.init(url: url, target: target, headers: headers, clientErrorsAreFinal: clientErrorsAreFinal, client: client)
    }

    private init(url: String, target: String?, headers: [(String, String)], clientErrorsAreFinal: Bool, client: HTTPClient) {
        self.url = url
        self.target = target ?? url
        self.headers = headers
        self.clientErrorsAreFinal = clientErrorsAreFinal
        self.client = client
    }

    public func send(body: Data, signature: String?, timeout: Duration) async throws(DeliveryError) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
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
            throw .unreachable(NetworkErrorWords.describe(error, target: NetworkErrorWords.target(of: url)))
        }
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            if clientErrorsAreFinal, (400..<500).contains(status), status != 429 {
                throw .rejected(status: status, body: String(answer.prefix(300)))
            }
            throw .refused(status: status, body: String(answer.prefix(300)))
        }
    }

    public func shutdown() async {}
}
