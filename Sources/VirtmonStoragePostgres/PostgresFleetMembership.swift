import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization
import VirtmonStorage

/// One process's place among those using a PostgreSQL database, held on a connection of its own for as long
/// as the process runs, with session advisory locks (PostgreSQL ends them with the session, so a process that
/// was killed lets go at once).
///
/// - Collectors are **members**: any number share the database (`ChunkStore` keeps their writes apart through
///   `FleetPosition`). One of them at a time also holds the **housekeeping duty** — sealing idle heads,
///   checkpoints, compaction, retention, timed alarm evaluation — so that it runs once across the fleet; when
///   that one goes, another member takes the duty within a heartbeat (2 s).
/// - Storage tools (`virtmon storage compact`) are **exclusive**: they refuse to run beside a collector, and
///   collectors wait for them to finish.
public actor PostgresFleetMembership: Service {
    public enum Role: Sendable {
        case member
        case exclusive
    }

    /// The membership lock's key (scoped to the database by PostgreSQL): shared by members, exclusive for tools.
    static let memberKey: Int64 = 4_952_778
    /// The housekeeping duty's key: one holder.
    static let dutyKey: Int64 = 4_952_779
    let settings: PostgresConnection.Configuration
    let displayURL: String
    let role: Role
    let logger: Logger
    var connection: PostgresConnection?
    var attempts = 0
    private let duty = Atomic(false)
    /// How often the connection is checked and a free duty taken.
    let heartbeat: Duration

    init(settings: PostgresConnection.Configuration, displayURL: String, role: Role, heartbeat: Duration, logger: Logger) {
        self.settings = settings
        self.displayURL = displayURL
        self.role = role
        self.heartbeat = heartbeat
        self.logger = logger
    }

    /// Whether this collector runs the fleet's housekeeping now.
    public nonisolated var holdsDuty: Bool { duty.load(ordering: .relaxed) }

    /// Joins `url`'s database as `role`, waiting up to `timeout` for the server to answer or, when the role
    /// is refused (a tool beside a collector, a collector beside a running tool), for the holder to finish;
    /// then throws `PostgresStartError` naming the holders.
    public static func acquire(url: String, purpose: String, role: Role = .member, logger: Logger, timeout: Duration = .seconds(30),
                               heartbeat: Duration = .seconds(2)) async throws -> PostgresFleetMembership {
        let client = try PostgresConnectionSettings.configuration(from: url)
        var settings = PostgresConnection.Configuration(
            host: client.host ?? "localhost", port: client.port ?? 5432, username: client.username, password: client.password,
            database: client.database, tls: .disable)
        settings.options.connectTimeout = .seconds(5)
        var name = [CChar](repeating: 0, count: 256)
        // The kernel's host name, as the agent reports it; Foundation's hostName may wait on DNS.
        let host = gethostname(&name, name.count) == 0 ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
        settings.options.additionalStartupParameters = [("application_name", "\(purpose) on \(host) (pid \(getpid()))".prefix(63).description)]
        let membership = PostgresFleetMembership(settings: settings, displayURL: StorageURL.redacted(url), role: role, heartbeat: heartbeat, logger: logger)
        let deadline = ContinuousClock.now + timeout
        var delay = Duration.milliseconds(500)
        while true {
            let outcome = await membership.tryJoin()
            switch outcome {
            case .joined: return membership
            case .refused(let holders):
                guard ContinuousClock.now + delay < deadline else {
                    let what = role == .exclusive
                        ? "is in use by collectors (\(holders)); stop them first, this command needs the database to itself"
                        : "is held by a storage tool (\(holders)); let it finish"
                    throw PostgresStartError(description: "PostgreSQL \(membership.displayURL) \(what)")
                }
                logger.warning("PostgreSQL \(membership.displayURL) is held by \(holders); waiting")
            case .failed(let reason):
                guard ContinuousClock.now + delay < deadline else {
                    throw PostgresStartError(description: "PostgreSQL at \(settings.host ?? "localhost"):\(settings.port ?? 5432) (\(membership.displayURL)) could not be used within \(timeout.components.seconds) s: \(reason)")
                }
                logger.warning("PostgreSQL at \(settings.host ?? "localhost"):\(settings.port ?? 5432) is not answering: \(reason); retrying in \(delay)")
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    enum Outcome: Sendable {
        case joined
        case refused(String)
        case failed(String)
    }

    /// One try: a fresh connection, the membership lock in this role's mode and, for a member, the duty if free.
    func tryJoin() async -> Outcome {
        await drop()
        attempts += 1
        do {
            let connection = try await PostgresConnection.connect(configuration: settings, id: attempts, logger: logger)
            let take = role == .exclusive ? "pg_try_advisory_lock" : "pg_try_advisory_lock_shared"
            guard try await ask("SELECT \(take)(\(Self.memberKey))", on: connection) else {
                let holders = try await holders(on: connection)
                try? await connection.close()
                return .refused(holders)
            }
            self.connection = connection
            if role == .member { try await takeDutyIfFree(on: connection) }
            return .joined
        } catch {
            let failure = PostgresStatementError(purpose: "joining the collectors on the database", database: displayURL, error: error)
            return .failed(failure.reason + (failure.sqlState.map { " (SQLSTATE \($0))" } ?? ""))
        }
    }

    func ask(_ sql: String, on connection: PostgresConnection) async throws -> Bool {
        var answer = false
        for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Bool.self) {
            answer = value
        }
        return answer
    }

    func takeDutyIfFree(on connection: PostgresConnection) async throws {
        guard !holdsDuty, try await ask("SELECT pg_try_advisory_lock(\(Self.dutyKey))", on: connection) else { return }
        duty.store(true, ordering: .relaxed)
        logger.notice("PostgreSQL \(displayURL): this collector runs the fleet's housekeeping (sealing, compaction, retention, timed alarm evaluation)")
    }

    /// The sessions holding the membership lock, by application name (a virtmon process names its host and pid),
    /// address and start.
    func holders(on connection: PostgresConnection) async throws -> String {
        let sql: PostgresQuery = """
            SELECT COALESCE(a.application_name, ''), COALESCE(host(a.client_addr), 'local socket'), a.backend_start::text
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objid = \(Self.memberKey)
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY a.backend_start
            """
        var found: [String] = []
        for try await (name, address, since) in try await connection.query(sql, logger: logger).decode((String, String, String).self) {
            found.append("\(name.isEmpty ? "a session" : name), connected from \(address) since \(since)")
        }
        return found.isEmpty ? "a session that has just ended" : found.joined(separator: "; ")
    }

    /// Closes the connection, given 2 s: a connection the server already dropped may never finish closing.
    func drop() async {
        if duty.exchange(false, ordering: .relaxed) {
            logger.warning("PostgreSQL \(displayURL): this collector no longer runs the fleet's housekeeping (its connection is gone); another member takes it")
        }
        if let connection {
            self.connection = nil
            await Self.within(.seconds(2), otherwise: ()) { try? await connection.close() }
        }
    }

    /// Every heartbeat a round trip on the membership's connection, taking the duty when its holder has gone;
    /// after a lost connection (a server restart) joins again. Returns at shutdown still a member: the owner
    /// leaves after the store is closed.
    public func run() async throws {
        var warned = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let pause = heartbeat
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { break }
            if let connection, await alive(connection) {
                if role == .member { try? await takeDutyIfFree(on: connection) }
                continue
            }
            guard let outcome = try? await cancelWhenGracefulShutdown({ await self.tryJoin() }) else { break }
            switch outcome {
            case .joined:
                if warned { logger.notice("PostgreSQL \(displayURL): this collector's membership is held again") }
                warned = false
            case .refused(let holders), .failed(let holders):
                if !warned { logger.warning("PostgreSQL \(displayURL): this collector's membership connection is lost (\(holders)); joining again when the server answers") }
                warned = true
            }
        }
    }

    /// One round trip on the connection, given 5 s: a connection the server dropped mid-restart can leave a
    /// query unanswered rather than failed, and a heartbeat that never returns would hold up shutdown.
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

    /// Ends the session, and with it the membership and the duty.
    public func release() async {
        duty.store(false, ordering: .relaxed)
        await drop()
    }
}
