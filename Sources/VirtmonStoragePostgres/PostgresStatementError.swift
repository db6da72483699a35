import PostgresNIO
import VirtmonStorage

/// A statement PostgreSQL refused or could not run, in words: what virtmon was doing, the server's message,
/// SQLSTATE and detail (postgres-nio's own description of a `PSQLError` is a fixed placeholder, so without this
/// the log and the client would read "Generic description to prevent accidental leakage of sensitive data").
public struct PostgresStatementError: Error, CustomStringConvertible {
    /// What the statement was for ("committing a batch", "loading the series catalogue").
    public var purpose: String
    /// The server's message, or the connection's reason when the server never answered.
    public var reason: String
    /// The server's SQLSTATE (e.g. `42P01` for a missing table, `57P01` for a server shutting down), if it sent one.
    public var sqlState: String?
    /// The server's detail and hint lines, if any.
    public var detail: String?
    /// The database, without its password.
    public var database: String

    public var description: String {
        var text = "PostgreSQL \(database), \(purpose): \(reason)"
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail { text += "; \(detail)" }
        return text
    }

    init(purpose: String, database: String, reason: String) {
        self.purpose = purpose
        self.database = database
        self.reason = reason
    }

    init(purpose: String, database: String, error: any Error) {
        self.purpose = purpose
        self.database = database
        var error = error
        // withTransaction wraps what went wrong; the first failure is the one to report.
        if let wrapped = error as? PostgresTransactionError,
           let first = wrapped.beginError ?? wrapped.closureError ?? wrapped.commitError ?? wrapped.rollbackError {
            error = first
        }
        if let error = error as? PSQLError {
            let info = error.serverInfo
            reason = info?[.message] ?? (error.underlying.map(PostgresConnectionSettings.socketReason) ?? Self.words(error.code))
            sqlState = info?[.sqlState]
            let extra = [info?[.detail].map { "detail: \($0)" }, info?[.hint].map { "hint: \($0)" }].compactMap { $0 }
            detail = extra.isEmpty ? nil : extra.joined(separator: "; ")
        } else {
            reason = PostgresConnectionSettings.socketReason(error)
        }
    }

    /// postgres-nio's error codes that arrive without a server message, in words.
    static func words(_ code: PSQLError.Code) -> String {
        switch code {
        case .serverClosedConnection: "the server closed the connection (stopped or restarted?)"
        case .connectionError: "the connection failed"
        case .poolClosed: "the connection pool is closed (the collector is stopping)"
        case .queryCancelled: "the statement was cancelled"
        case .tooManyParameters: "too many parameters in one statement"
        default: "\(code)"
        }
    }
}

extension PostgresChunkBackend {
    /// Runs `body`, turning whatever it throws into a `PostgresStatementError` naming `purpose`, and failing it
    /// after `deadline` (the backend's `statementTimeout` unless given). postgres-nio's pool waits for a
    /// connection for ever while the server is away; a commit that never returns would hold an agent's request
    /// or a broker's message indefinitely, where failing lets HTTP answer 503 and AMQP requeue. A commit that did
    /// reach the server before the deadline is recognised when retried, by its (agent, seq). Cancellation passes
    /// through unchanged (a stopping collector is not a database failure).
    func attempt<T: Sendable>(_ purpose: String, deadline: Duration?? = nil, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let limit = deadline ?? statementTimeout
        do {
            guard let limit else { return try await body() }
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw PostgresStatementError(purpose: purpose, database: displayURL,
                                                 reason: "no answer within \(limit.components.seconds) s (the server is away, restarting or overloaded)")
                }
                return value
            }
        } catch let error as PostgresStatementError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as StorageURLError {
            throw error
        } catch {
            throw PostgresStatementError(purpose: purpose, database: displayURL, error: error)
        }
    }
}
