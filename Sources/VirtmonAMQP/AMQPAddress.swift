import Foundation

/// Where a broker is: `amqp://USER:PASSWORD@HOST[:PORT][,HOST[:PORT]…]/VHOST?OPTION=VALUE&…`.
///
/// Several hosts name the nodes of one cluster: a connection goes to the first that answers and moves to the
/// next when it fails. An absent or empty path is the default vhost `/` (write another as `/NAME`, or
/// `/%2F` for `/` itself); user and password default to RabbitMQ's `guest`.
public struct AMQPAddress: Sendable, Hashable, CustomStringConvertible {
    public struct Node: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public var user: String
    public var password: String
    public var nodes: [Node]
    public var vhost: String
    /// The query's options, for the component that reads them (publisher, consumer).
    public var options: [String: String]

    /// The address with the password shown as `***`, for logs and spool names.
    public var description: String {
        let query = options.isEmpty ? "" : "?" + options.keys.sorted().map { "\($0)=\(options[$0]!)" }.joined(separator: "&")
        let path = vhost == "/" ? "/" : "/" + (vhost.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? vhost)
        return "amqp://\(user):***@\(nodes.map(\.description).joined(separator: ","))\(path)\(query)"
    }

    public static let defaultPort = 5672

    /// Parses `text`, saying exactly what is wrong.
    public init(_ text: String) throws(AMQPError) {
        func invalid(_ reason: String) -> AMQPError { .invalidAddress(Self.redacting(text), reason: reason) }
        guard text.lowercased().hasPrefix("amqp://") else {
            throw invalid("expected amqp://USER:PASSWORD@HOST:5672/VHOST")
        }
        var rest = Substring(text.dropFirst("amqp://".count))
        var queryText: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            queryText = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var pathText: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            pathText = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var authority = rest
        user = "guest"
        password = "guest"
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            authority = authority[authority.index(after: at)...]
            let parts = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts[0].removingPercentEncoding, !name.isEmpty else { throw invalid("the user name is empty or badly escaped") }
            user = name
            if parts.count == 2 {
                guard let secret = parts[1].removingPercentEncoding else { throw invalid("the password is badly escaped") }
                password = secret
            }
        }
        var nodes: [Node] = []
        for piece in authority.split(separator: ",", omittingEmptySubsequences: false) {
            var host = Substring(piece)
            var port = Self.defaultPort
            if host.hasPrefix("[") {
                guard let close = host.firstIndex(of: "]") else { throw invalid("'\(piece)' opens an IPv6 address with [ but never closes it") }
                let after = host[host.index(after: close)...]
                host = host[host.index(after: host.startIndex)..<close]
                if !after.isEmpty {
                    guard after.hasPrefix(":"), let number = Int(after.dropFirst()), (1...65535).contains(number) else {
                        throw invalid("'\(piece)' has a port that is not a number from 1 to 65535")
                    }
                    port = number
                }
            } else if let colon = host.lastIndex(of: ":") {
                guard let number = Int(host[host.index(after: colon)...]), (1...65535).contains(number) else {
                    throw invalid("'\(piece)' has a port that is not a number from 1 to 65535")
                }
                port = number
                host = host[..<colon]
            }
            guard !host.isEmpty else { throw invalid("a host is missing (between commas, or before the port)") }
            nodes.append(Node(host: String(host), port: port))
        }
        self.nodes = nodes
        if pathText.isEmpty {
            vhost = "/"
        } else {
            guard let decoded = String(pathText).removingPercentEncoding else { throw invalid("the vhost is badly escaped") }
            vhost = decoded
        }
        var options: [String: String] = [:]
        for pair in queryText.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = parts[0].removingPercentEncoding, !key.isEmpty else { throw invalid("an option has no name") }
            let value = parts.count == 2 ? (parts[1].removingPercentEncoding ?? String(parts[1])) : ""
            options[key] = value
        }
        self.options = options
    }

    /// The text with any password replaced by `***`, for error messages about an address that did not parse.
    public static func redacting(_ text: String) -> String {
        guard let start = text.range(of: "://"), let at = text[start.upperBound...].firstIndex(of: "@") else { return text }
        let credentials = text[start.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }

    /// An option that must be yes/no (`true`/`false`, `1`/`0`), or `default` when absent.
    public func flag(_ name: String, default value: Bool) throws(AMQPError) -> Bool {
        guard let text = options[name] else { return value }
        switch text.lowercased() {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default: throw .invalidAddress(description, reason: "option '\(name)' must be true or false, got '\(text)'")
        }
    }

    /// A whole-number option within `range`, or `default` when absent.
    public func integer(_ name: String, default value: Int, in range: ClosedRange<Int>) throws(AMQPError) -> Int {
        guard let text = options[name] else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw .invalidAddress(description, reason: "option '\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return number
    }

    /// Refuses options not in `known`, naming them and the ones that exist.
    public func refuseUnknownOptions(_ known: Set<String>) throws(AMQPError) {
        for key in options.keys.sorted() where !known.contains(key) {
            throw .invalidAddress(description, reason: "unknown option '\(key)'; known: \(known.sorted().joined(separator: ", "))")
        }
    }
}
