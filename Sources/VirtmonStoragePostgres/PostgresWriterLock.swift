import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import VirtmonStorage

/// One collector's claim on a PostgreSQL database: a session advisory lock held on a connection of its own for
/// as long as the collector runs.
///
/// The chunk engine hands out series, chunk, rollup and write-ahead ids inside one process, so a second
/// collector writing the same database would collide with the first (duplicate keys, samples the other never
/// sees). Until a fleet on one database is built (docs/scaling.md), the second one is refused at start with who
/// holds the database, instead of failing later with a constraint error. PostgreSQL ends the lock with the
/// session, so a collector that was killed releases it at once; a server restart ends it too, and `run()` takes
/// it again when the server is back — or stops the collector if another took it meanwhile.
public actor PostgresWriterLock: Service {
    /// The advisory lock's key (scoped to the database by PostgreSQL).
    static let key: Int64 = 4_952_778
    let settings: PostgresConnection.Configuration
    let displayURL: String
    let logger: Logger
    var connection: PostgresConnection?
    var attempts = 0

    init(settings: PostgresConnection.Configuration, displayURL: String, logger: Logger) {
        self.settings = settings
        self.displayURL = displayURL
        self.logger = logger
    }

    /// Takes the lock on `url`'s database, waiting up to `timeout` for a holder to go away (a collector still
    /// stopping) or for the server to answer; then throws `PostgresStartError` naming the holder.
    public static func acquire(url: String, purpose: String, logger: Logger, timeout: Duration = .seconds(30)) async throws -> PostgresWriterLock {
        let client = try PostgresConnectionSettings.configuration(from: url)
        var settings = PostgresConnection.Configuration(
            host: client.host ?? "localhost", port: client.port ?? 5432, username: client.username, password: client.password,
            database: client.database, tls: .disable)
        settings.options.connectTimeout = .seconds(5)
        var name = [CChar](repeating: 0, count: 256)
        // The kernel's host name, as the agent reports it; Foundation's hostName may wait on DNS.
        let host = gethostname(&name, name.count) == 0 ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
        settings.options.additionalStartupParameters = [("application_name", "\(purpose) on \(host) (pid \(getpid()))".prefix(63).description)]
        let lock = PostgresWriterLock(settings: settings, displayURL: StorageURL.redacted(url), logger: logger)
        let deadline = ContinuousClock.now + timeout
        var delay = Duration.milliseconds(500)
        while true {
            let outcome = await lock.tryTake()
            switch outcome {
            case .taken: return lock
            case .heldBy(let holder):
                guard ContinuousClock.now + delay < deadline else {
                    throw PostgresStartError(description: "PostgreSQL \(lock.displayURL) is already written by another collector (\(holder)); "
                        + "several collectors on one database are not supported yet (docs/scaling.md): stop that one, or give this one a database of its own")
                }
                logger.warning("PostgreSQL \(lock.displayURL) is held by another collector (\(holder)); waiting for it to stop")
            case .failed(let reason):
                guard ContinuousClock.now + delay < deadline else {
                    throw PostgresStartError(description: "PostgreSQL at \(settings.host ?? "localhost"):\(settings.port ?? 5432) (\(lock.displayURL)) could not be used within \(timeout.components.seconds) s: \(reason)")
                }
                logger.warning("PostgreSQL at \(settings.host ?? "localhost"):\(settings.port ?? 5432) is not answering: \(reason); retrying in \(delay)")
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    enum Outcome: Sendable {
        case taken
        case heldBy(String)
        case failed(String)
    }

    /// One try: a fresh connection, `pg_try_advisory_lock`, and when someone else has it, who.
    func tryTake() async -> Outcome {
        await drop()
        attempts += 1
        do {
            let connection = try await PostgresConnection.connect(configuration: settings, id: attempts, logger: logger)
            var taken = false
            for try await value in try await connection.query("SELECT pg_try_advisory_lock(\(Self.key))", logger: logger).decode(Bool.self) {
                taken = value
            }
            if taken {
                self.connection = connection
                return .taken
            }
            let holder = try await holder(on: connection)
            try? await connection.close()
            return .heldBy(holder)
        } catch {
            let failure = PostgresStatementError(purpose: "taking the collector's lock", database: displayURL, error: error)
            return .failed(failure.reason + (failure.sqlState.map { " (SQLSTATE \($0))" } ?? ""))
        }
    }

    /// The holding session's application name (a virtmon collector names its host and pid), address and start.
    func holder(on connection: PostgresConnection) async throws -> String {
        let sql: PostgresQuery = """
            SELECT COALESCE(a.application_name, ''), COALESCE(host(a.client_addr), 'local socket'), a.backend_start::text
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objid = \(Self.key)
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """
        for try await (name, address, since) in try await connection.query(sql, logger: logger).decode((String, String, String).self) {
            return "\(name.isEmpty ? "a session" : name), connected from \(address) since \(since)"
        }
        return "a session that has just ended"
    }

    /// Closes the lock's connection, given 2 s: a connection the server already dropped may never finish closing.
    func drop() async {
        if let connection {
            self.connection = nil
            await Self.within(.seconds(2), otherwise: ()) { try? await connection.close() }
        }
    }

    /// Keeps the lock: every 5 s a round trip on its connection; after a lost connection (a server restart),
    /// takes it again. Throws — stopping the collector — when another collector took it meanwhile. Returns at
    /// shutdown still holding the lock: the owner releases it after the store is closed.
    public func run() async throws {
        var warned = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(5)) }
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { break }
            if let connection, await alive(connection) { continue }
            guard let outcome = try? await cancelWhenGracefulShutdown({ await self.tryTake() }) else { break }
            switch outcome {
            case .taken:
                if warned { logger.notice("PostgreSQL \(displayURL): this collector's lock is held again") }
                warned = false
            case .heldBy(let holder):
                logger.critical("PostgreSQL \(displayURL): while the connection was lost another collector took the database (\(holder)); stopping, since two collectors would write over each other")
                throw PostgresStartError(description: "PostgreSQL \(displayURL) was taken by another collector (\(holder)) while this one's connection was lost")
            case .failed(let reason):
                if !warned { logger.warning("PostgreSQL \(displayURL): this collector's lock connection is lost (\(reason)); taking it again when the server answers") }
                warned = true
            }
        }
    }

    /// One round trip on the lock's connection, given 5 s: a connection the server dropped mid-restart can leave
    /// a query unanswered rather than failed, and a heartbeat that never returns would hold up shutdown.
    func alive(_ connection: PostgresConnection) async -> Bool {
        let logger = logger
        return await Self.within(.seconds(5), otherwise: false) {
            (try? await connection.query("SELECT 1", logger: logger)) != nil
        }
    }

    /// `work`'s answer, or `fallback` once `limit` has passed (see `PostgresDeadline`).
    static func within<T: Sendable>(_ limit: Duration, otherwise fallback: T, _ work: @escaping @Sendable () async -> T) async -> T {
        (try? await PostgresDeadline.race(limit, work)) ?? fallback
    }

    /// Ends the session, and with it the lock.
    public func release() async {
        await drop()
    }
}
