import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import VirtmonModel
import VirtmonNetwork

/// The CLI's client for a collector's API: endpoint and token from flags, then VIRTMON_ENDPOINT and
/// VIRTMON_TOKEN, then the defaults `virtmon up` uses (127.0.0.1:8777 and the token it keeps in its data dir).
public struct APIClient: Sendable {
    public var endpoint: String
    public var token: String?
    /// VIRTMON_TLS_CA: certificate authorities an https:// collector must chain to, instead of the system's.
    public var tlsCA: String?

    /// A static client: created once, never shut down, so no command has to remember to.
    private static let http = HTTPClient(eventLoopGroupProvider: .singleton)

    /// - Parameter dataDir: where `virtmon up` left its admin token, read when neither `token` nor
    ///   VIRTMON_TOKEN gives one.
    public init(endpoint: String?, token: String?, dataDir: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        var base = endpoint ?? environment["VIRTMON_ENDPOINT"] ?? "http://127.0.0.1:8777"
        while base.hasSuffix("/") { base.removeLast() }
        self.endpoint = base
        tlsCA = environment["VIRTMON_TLS_CA"]
        if let token = token ?? environment["VIRTMON_TOKEN"] {
            self.token = token
        } else {
            let path = (dataDir as NSString).appendingPathComponent("admin-token")
            self.token = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Failures worded for a terminal.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// GET `path` with query pairs, decoded as JSON.
    public func get(_ path: String, _ query: [(String, String)] = []) async throws -> JSONValue {
        try await send(.GET, path, query)
    }

    /// Any method, with an optional JSON body; the answer decoded as JSON (`null` for a 204).
    public func send(_ method: HTTPMethod, _ path: String, _ query: [(String, String)] = [], body: JSONValue? = nil) async throws -> JSONValue {
        var components = URLComponents(string: endpoint + path)
        if !query.isEmpty { components?.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        // URLComponents leaves '+' alone, which a server reads as a space.
        let encodedQuery = components?.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        components?.percentEncodedQuery = encodedQuery
        guard let url = components?.string else { throw Failure(description: "bad collector endpoint '\(endpoint)': use a URL such as http://HOST:PORT (--endpoint or VIRTMON_ENDPOINT)") }
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "X-Auth-Token", value: token) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: WireJSON.encode(body)))
        }
        // A bad certificate-authority file is the operator's setting, not the network: said as such.
        let client: HTTPClient
        do {
            client = try tlsCA.map { file throws(TLSFileError) in try TrustingClients.client(purpose: "cli", trusting: file, setting: "VIRTMON_TLS_CA") } ?? APIClient.http
        } catch {
            throw Failure(description: "cannot use the certificate authorities for \(endpoint): \(error)")
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(60))
        } catch {
            throw Failure(description: "cannot reach the collector at \(endpoint): \(NetworkErrorWords.describe(error, target: NetworkErrorWords.target(of: url))) (is `virtmon up` or `virtmon collector` running? set --endpoint or VIRTMON_ENDPOINT)")
        }
        let body = try await response.body.collect(upTo: 256 * 1024 * 1024)
        let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))
        guard (200..<300).contains(Int(response.status.code)) else {
            var message = String(buffer: body)
            if case .object(let object)? = value {
                if case .string(let text)? = object["error"] { message = text }
                if case .object(let inner)? = object["error_message"], case .string(let text)? = inner["faultstring"] { message = text }
            }
            if response.status.code == 401 && token == nil {
                message += " (no token: pass --token, set VIRTMON_TOKEN, or run `virtmon up` which keeps one in its data dir)"
            }
            throw Failure(description: "collector answered \(response.status.code): \(message)")
        }
        if response.status.code == 204 { return .null }
        guard let value else { throw Failure(description: "collector answered with something that is not JSON") }
        return value
    }
}
