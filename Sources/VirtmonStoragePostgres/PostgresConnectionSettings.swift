import Foundation
import Logging
import PostgresNIO
import VirtmonStorage

/// A PostgreSQL store that could not be opened at start-up, with the server and its reason.
public struct PostgresStartError: Error, CustomStringConvertible {
    public var description: String
}

/// How virtmon reaches PostgreSQL: the client settings a postgres:// URL gives, the start-up probe that says
/// why a server cannot be used, and postgres-nio's errors in words.
public enum PostgresConnectionSettings {
    /// One connection, tried until it succeeds or `timeout` has passed: 0.5 s doubling to 5 s between tries.
    static func probe(_ configuration: PostgresClient.Configuration, url: String, logger: Logger, timeout: Duration) async throws {
        let host = configuration.host ?? "localhost"
        let port = configuration.port ?? 5432
        var settings = PostgresConnection.Configuration(
            host: host, port: port, username: configuration.username, password: configuration.password,
            database: configuration.database, tls: .disable)
        settings.options.connectTimeout = .seconds(5)
        let deadline = ContinuousClock.now + timeout
        var delay = Duration.milliseconds(500)
        var attempt = 0
        while true {
            attempt += 1
            do {
                let connection = try await PostgresConnection.connect(configuration: settings, id: attempt, logger: logger)
                try await connection.close()
                return
            } catch {
                let reason = PostgresConnectionSettings.reason(error)
                guard ContinuousClock.now + delay < deadline else {
                    throw PostgresStartError(description: "PostgreSQL at \(host):\(port) (\(url)) could not be used within \(timeout.components.seconds) s: \(reason)")
                }
                logger.warning("PostgreSQL at \(host):\(port) is not answering (attempt \(attempt)): \(reason); retrying in \(delay)")
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// The server's message and SQLSTATE, or the socket's reason: postgres-nio's own description of a
    /// PSQLError is a placeholder unless asked with `String(reflecting:)`.
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return message + state
            }
            if let underlying = error.underlying { return socketReason(underlying) }
            return "\(error.code)"
        }
        return socketReason(error)
    }

    /// NIO's connection errors in words: the errno they carry, or a name that did not resolve.
    static func socketReason(_ error: any Error) -> String {
        let text = String(reflecting: error)
        if let range = text.range(of: "(errno: "), let number = Int32(text[range.upperBound...].prefix(while: \.isNumber)) {
            switch number {
            case ECONNREFUSED: return "connection refused (nothing listens there, or a firewall refuses)"
            case ETIMEDOUT: return "connection timed out"
            case EHOSTUNREACH, ENETUNREACH: return "no route to the host"
            default: return String(cString: strerror(number)).lowercased()
            }
        }
        if text.localizedCaseInsensitiveContains("dns") || text.contains("resolution") { return "the host name does not resolve" }
        if text.contains("connectTimeout") || text.localizedCaseInsensitiveContains("timeout") { return "no answer within 5 s" }
        return text
    }

    /// Parses a postgres:// URL into client settings; TLS is off (loopback or a trusted network).
    public static func configuration(from url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty
        else {
            throw StorageURLError(url: StorageURL.redacted(url), reason: "expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw StorageURLError(url: StorageURL.redacted(url), reason: "no database name after the host") }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: database, tls: .disable)
        configuration.options.maximumConnections = 8
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

}
