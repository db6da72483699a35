import Foundation

/// The collector's settings. Precedence: command-line flag, then environment variable, then the config
/// file's `collector:` section, then these defaults.
public struct CollectorConfig: Sendable, Equatable {
    /// HTTP address for the APIs and batch ingest.
    public var listen = Endpoint(host: "127.0.0.1", port: 8777)
    /// UDP address for batches, or nil for none.
    public var udp: Endpoint? = Endpoint(host: "127.0.0.1", port: 4952)
    /// `sqlite:///PATH` or `postgres://…`; nil means SQLite at DATA_DIR/virtmon.db.
    public var storage: String?
    public var dataDir: String
    /// Shared HMAC secret agents sign with; empty accepts unsigned batches.
    public var secret = ""
    /// nil: generated once and kept in DATA_DIR/admin-token.
    public var adminToken: String?
    /// token → project id.
    public var projectTokens: [String: String] = [:]
    /// Samples older than this are deleted (checked hourly).
    public var retention: Duration = .seconds(30 * 86_400)
    /// How often the store seals idle heads, checkpoints and compacts.
    public var maintenanceInterval: Duration = .seconds(60)
    /// How far a batch's sent_at may be from this clock.
    public var clockWindow: Duration = .seconds(300)
    public var logLevel = "info"

    public init(dataDir: String) {
        self.dataDir = dataDir
    }

    /// A host and port, parsed from `HOST:PORT` (or `[v6]:PORT`).
    public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public init?(parsing text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
            else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { return nil }
            self.init(host: host, port: port)
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// The storage URL in effect.
    public var storageURL: String { storage ?? "sqlite://\((dataDir as NSString).appendingPathComponent("virtmon.db"))" }
}
