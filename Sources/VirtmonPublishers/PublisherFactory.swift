import Foundation
import Logging
import VirtmonModel
import VirtmonPrometheus
import VirtmonAMQP
import VirtmonNetwork

/// Makes publishers from URLs; the scheme picks the kind. The one place that knows every kind.
///
/// - `log://`: readable lines on standard output.
/// - `file:///PATH[?max_bytes=N&backups=N]`: JSON lines, rotated.
/// - `udp://HOST:PORT`: signed datagrams, spooled.
/// - `http://[USER:PASSWORD@]HOST:PORT/PATH` (or `https://`): signed POSTs, spooled; a user and password
///   (a proxy's basic authentication) travel in the Authorization header, never in logs or spool names.
/// - `prometheus+http://[USER:PASSWORD@]HOST:PORT/api/v1/write` (or `prometheus+https://`): remote-write 1.0
///   to Prometheus, VictoriaMetrics or any receiver, spooled.
/// - `amqp://USER:PASSWORD@HOST:5672[,HOST:PORT…]/VHOST[?exchange=&routing_key=&queue=&quorum=&durable=&declare=]`:
///   persistent, broker-confirmed messages through RabbitMQ, spooled.
public struct PublisherFactory: Sendable {
    public let settings: PublisherSettings
    public let identity: AgentIdentity
    public let sequence: SequenceAllocator
    public let logger: Logger

    public init(settings: PublisherSettings, identity: AgentIdentity, sequence: SequenceAllocator, logger: Logger) {
        self.settings = settings
        self.identity = identity
        self.sequence = sequence
        self.logger = logger
    }

    /// Checks a URL without making anything, so configuration errors show before start-up.
    public static func validate(_ url: String) throws(PublisherError) {
        _ = try parse(url)
    }

    enum Kind: Equatable {
        case log
        case file(path: String, maxBytes: Int?, backups: Int?)
        case udp(host: String, port: UInt16)
        case http(url: String, target: String, user: String?, password: String?)
        case remoteWrite(url: String, target: String, user: String?, password: String?)
        case amqp(AMQPAddress)
    }

    static func parse(_ url: String) throws(PublisherError) -> Kind {
        guard let schemeEnd = url.range(of: "://") else {
            throw .invalidURL(AMQPAddress.redacting(url), reason: "not a URL; expected SCHEME://…, such as log:// or http://host:8777/v1/batches")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard let components = URLComponents(string: url) else {
            throw .invalidURL(AMQPAddress.redacting(url), reason: "not a valid URL")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        func integer(_ name: String) throws(PublisherError) -> Int? {
            guard let text = query[name] else { return nil }
            guard let value = Int(text), value >= 0 else {
                throw .invalidURL(AMQPAddress.redacting(url), reason: "'\(name)' must be a whole number ≥ 0, got '\(text)'")
            }
            return value
        }
        switch scheme {
        case "log":
            return .log
        case "file":
            let path = components.path
            // file://relative/path parses "relative" as a host: refuse it rather than write to /path.
            let host = components.host ?? ""
            guard host.isEmpty || host == "localhost", path.hasPrefix("/"), path.count > 1 else {
                throw .invalidURL(AMQPAddress.redacting(url), reason: "needs an absolute path: file:///var/lib/virtmon/samples.jsonl")
            }
            for key in query.keys where key != "max_bytes" && key != "backups" {
                throw .invalidURL(AMQPAddress.redacting(url), reason: "unknown option '\(key)'; file:// takes max_bytes and backups")
            }
            return .file(path: path, maxBytes: try integer("max_bytes"), backups: try integer("backups"))
        case "udp":
            guard let host = components.host, !host.isEmpty, let port = components.port, (1...65535).contains(port)
            else {
                throw .invalidURL(AMQPAddress.redacting(url), reason: "needs a host and a port: udp://127.0.0.1:4952")
            }
            return .udp(host: host, port: UInt16(port))
        case "http", "https":
            guard let host = components.host, !host.isEmpty else {
                throw .invalidURL(AMQPAddress.redacting(url), reason: "needs a host: http://127.0.0.1:8777/v1/batches")
            }
            // Without credentials the URL is used as written, so that the spool directory named after it is the
            // one earlier versions filled.
            guard components.user != nil || components.password != nil else { return .http(url: url, target: url, user: nil, password: nil) }
            let (address, target) = try PublisherFactory.withoutCredentials(url, components)
            return .http(url: address, target: target, user: components.user, password: components.password)
        case "prometheus+http", "prometheus+https":
            guard let host = components.host, !host.isEmpty else {
                throw .invalidURL(AMQPAddress.redacting(url), reason: "needs a host: prometheus+http://127.0.0.1:9090/api/v1/write")
            }
            guard components.path.count > 1 else {
                throw .invalidURL(AMQPAddress.redacting(url), reason: "needs the receiver's path: /api/v1/write for Prometheus and VictoriaMetrics")
            }
            if let reason = Snappy.unavailableReason { throw .invalidURL(AMQPAddress.redacting(url), reason: reason) }
            var plain = components
            plain.scheme = String(scheme.dropFirst("prometheus+".count))
            let (address, _) = try PublisherFactory.withoutCredentials(url, plain)
            let (_, target) = try PublisherFactory.withoutCredentials(url, components)
            return .remoteWrite(url: address, target: target, user: components.user, password: components.password)
        case "amqp":
            do throws(AMQPError) {
                let address = try AMQPAddress(url)
                try address.refuseUnknownOptions(AMQPTransport.options)
                _ = try address.flag("quorum", default: false)
                _ = try address.flag("durable", default: true)
                _ = try address.flag("declare", default: true)
                if let reason = AMQPConnection.unavailableReason { throw AMQPError.libraryUnavailable(reason) }
                return .amqp(address)
            } catch {
                throw .invalidURL(AMQPAddress.redacting(url), reason: error.description)
            }
        default:
            throw .unknownScheme(AMQPAddress.redacting(url), scheme: String(scheme))
        }
    }

    /// A publisher for `url`.
    public func make(_ url: String) throws(PublisherError) -> any Publisher {
        switch try PublisherFactory.parse(url) {
        case .log:
            return LogPublisher()
        case .file(let path, let maxBytes, let backups):
            return try FilePublisher(
                path: path, maxBytes: maxBytes ?? settings.fileMaxBytes, backups: backups ?? settings.fileBackups)
        case .udp(let host, let port):
            return try spooling(UDPTransport(host: host, port: port), key: url)
        case .http(let address, let target, let user, let password):
            var headers = [("Content-Type", "application/json")]
            if let user { headers.append(("Authorization", "Basic " + Data("\(user):\(password ?? "")".utf8).base64EncodedString())) }
            let transport: HTTPTransport
            do throws(TLSFileError) {
                transport = try HTTPTransport(url: address, target: target, headers: headers, tlsCA: tlsCA(for: address))
            } catch {
                throw .invalidURL(target, reason: error.description)
            }
            return try spooling(transport, key: target)
        case .remoteWrite(let address, let target, let user, let password):
            let auth = user.map { (user: $0, password: password ?? "") }
            let transport: RemoteWriteTransport
            do throws(TLSFileError) {
                transport = try RemoteWriteTransport(url: address, target: target, basicAuth: auth, tlsCA: tlsCA(for: address))
            } catch {
                throw .invalidURL(target, reason: error.description)
            }
            return try spooling(transport, key: target)
        case .amqp(let address):
            let transport: AMQPTransport
            do throws(AMQPError) {
                transport = try AMQPTransport(address: address)
            } catch {
                throw .invalidURL(address.description, reason: error.description)
            }
            return try spooling(transport, key: address.description)
        }
    }

    /// The address to send to (no user or password in it) and the one to show in logs and spool names (the
    /// password as `***`).
    static func withoutCredentials(_ url: String, _ components: URLComponents) throws(PublisherError) -> (address: String, shown: String) {
        var plain = components
        plain.user = nil
        plain.password = nil
        guard let address = plain.string else { throw .invalidURL(AMQPAddress.redacting(url), reason: "not a valid URL") }
        var shown = components
        shown.password = components.password == nil ? nil : "***"
        return (address, shown.string ?? address)
    }

    /// publishing.tls_ca (or VIRTMON_TLS_CA) for an https:// destination; plain http needs none.
    private func tlsCA(for address: String) -> String? {
        guard address.lowercased().hasPrefix("https://") else { return nil }
        return settings.tlsCA ?? ProcessInfo.processInfo.environment["VIRTMON_TLS_CA"]
    }

    private func spooling(_ transport: any BatchTransport, key: String) throws(PublisherError) -> SpoolingPublisher {
        let spool = try Spool(
            directory: settings.dataDir + "/spool/" + PublisherFactory.directoryName(for: key),
            maxBytes: settings.spoolMaxBytes, maxBatches: settings.spoolMaxBatches)
        return SpoolingPublisher(
            transport: transport, spool: spool, identity: identity, sequence: sequence,
            signature: BatchSignature(secret: settings.secret), batchSize: settings.batchSize, retry: settings.retry,
            attemptTimeout: settings.httpTimeout, flushTimeout: settings.flushTimeout, logger: logger)
    }

    /// A readable, file-system-safe directory name per destination (`http_127.0.0.1_8777_v1_batches`).
    static func directoryName(for url: String) -> String {
        let mapped = url.unicodeScalars.map { scalar -> Character in
            let c = Character(scalar)
            return c.isLetter || c.isNumber || c == "." || c == "-" ? c : "_"
        }
        var name = String(mapped)
        while name.contains("__") { name = name.replacingOccurrences(of: "__", with: "_") }
        return String(name.trimmingCharacters(in: CharacterSet(charactersIn: "_")).prefix(200))
    }
}
