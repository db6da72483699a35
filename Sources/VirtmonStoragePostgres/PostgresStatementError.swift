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
    /// True when the server could not be reached or did not answer (stopped, restarting, network), as opposed to
    /// a statement it refused; an outage makes later statements fail at once until a probe gets through.
    public var isOutage: Bool

    public var description: String {
        var text = "PostgreSQL \(database), \(purpose): \(reason)"
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail { text += "; \(detail)" }
        return text
    }

    init(purpose: String, database: String, reason: String, isOutage: Bool) {
        self.purpose = purpose
        self.database = database
        self.reason = reason
        self.isOutage = isOutage
    }

    init(purpose: String, database: String, error: any Error) {
        self.purpose = purpose
        self.database = database
        isOutage = true
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
            // A server's answer means it is there, unless it says it is shutting down or not yet accepting
            // connections (SQLSTATE class 57, operator intervention, and class 08, connection exceptions).
            if let state = sqlState { isOutage = state.hasPrefix("57") || state.hasPrefix("08") }
            else { isOutage = [.serverClosedConnection, .connectionError].contains(error.code) || error.underlying != nil }
        } else {
            reason = PostgresConnectionSettings.socketReason(error)
            // A value that did not decode came from a server that answered.
            isOutage = !(error is PostgresDecodingError)
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
    /// through unchanged (a stopping collector is not a database failure). While the server is known to be away,
    /// statements fail at once (see `PostgresOutage`) rather than each waiting out the deadline.
    func attempt<T: Sendable>(_ purpose: String, deadline: Duration?? = nil, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let limit = deadline ?? statementTimeout
        // A statement inside another (the reload reads the spans) belongs to the outer one's admission: asked
        // again, the breaker would refuse the probe's own parts and the outage could never end.
        if PostgresOutage.inside { return try await timed(limit, purpose, body) }
        if let refusal = outage.admit() {
            throw PostgresStatementError(purpose: purpose, database: displayURL, reason: refusal, isOutage: true)
        }
        do {
            let value = try await PostgresOutage.$inside.withValue(true) { try await timed(limit, purpose, body) }
            if let lasted = outage.succeeded() {
                logger.notice("PostgreSQL \(displayURL) answers again after \(lasted.components.seconds) s away")
            }
            return value
        } catch let error as PostgresStatementError where error.isOutage {
            if outage.failed(error.reason) {
                logger.warning("PostgreSQL \(displayURL) is away (\(error.reason)); statements fail at once until a probe every \(outage.probeInterval) gets through")
            }
            throw error
        }
    }

    private func timed<T: Sendable>(_ limit: Duration?, _ purpose: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            guard let limit else { return try await body() }
            guard let value = try await PostgresDeadline.race(limit, body) else {
                throw PostgresStatementError(purpose: purpose, database: displayURL,
                                             reason: "no answer within \(limit.components.seconds) s (the server is away, restarting or overloaded)",
                                             isOutage: true)
            }
            return value
        } catch let error as PostgresStatementError {
            throw error
        } catch let error as PostgresTransactionError where error.closureError is FleetStale {
            // Not a failure: the write was rolled back whole and the engine computes it again.
            throw error.closureError!
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as StorageURLError {
            throw error
        } catch {
            throw PostgresStatementError(purpose: purpose, database: displayURL, error: error)
        }
    }
}
