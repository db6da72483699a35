import Foundation
import Logging
import PostgresNIO
import VirtmonModel
import VirtmonStorage

/// The scale-out store: PostgreSQL through a pooled postgres-nio client. Same tables and answers as the
/// SQLite store; metadata is JSONB.
public final class PostgresStorage: Storage {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger
    /// The connection string without its password, for logs.
    public let displayURL: String

    /// Connects to `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`) and migrates the schema.
    public init(url: String, logger: Logger = Logger(label: "virtmon.storage.postgres")) async throws {
        let configuration = try PostgresStorage.configuration(from: url)
        self.logger = logger
        displayURL = StorageURL.redacted(url)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
        // Let the pool start before the first lease, rather than have it warn that run() is not running yet.
        await Task.yield()
        do {
            try await migrate()
        } catch {
            runner.cancel()
            throw error
        }
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

    private func migrate() async throws {
        try await client.withTransaction(logger: logger) { connection in
            // One collector migrates at a time; the others wait here and then find nothing to do.
            try await connection.query("SELECT pg_advisory_xact_lock(4952777)", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS virtmon_schema(version INT NOT NULL)", logger: logger)
            var version = 0
            for try await (value) in try await connection.query("SELECT MAX(version) FROM virtmon_schema", logger: logger)
                .decode(Int?.self)
            {
                version = value ?? 0
            }
            let migrations = PostgresSchema.migrations
            guard version <= migrations.count else {
                throw StorageURLError(url: displayURL, reason: "the database is at schema \(version), newer than this virtmon's \(migrations.count)")
            }
            for (index, statements) in migrations.enumerated().dropFirst(version) {
                for statement in statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO virtmon_schema(version) VALUES(\(index + 1))", logger: logger)
            }
        }
    }

    private func bindings(_ values: [SQLValue]) -> PostgresBindings {
        var result = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .text(let text): result.append(text)
            case .integer(let number): result.append(number)
            case .real(let number): result.append(number)
            case .null: result.appendNull()
            }
        }
        return result
    }

    private func rows(_ sql: String, _ values: [SQLValue]) async throws -> [PostgresRandomAccessRow] {
        var result: [PostgresRandomAccessRow] = []
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings(values)), logger: logger) {
            result.append(row.makeRandomAccess())
        }
        return result
    }

    // MARK: writing

    public func commit(_ batch: IngestBatch) async throws -> CommitResult {
        let received = microseconds(batch.receivedAt)
        return try await client.withTransaction(logger: logger) { connection in
            func run(_ sql: String, _ values: [SQLValue]) async throws -> Int {
                var count = 0
                for try await _ in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: self.bindings(values)), logger: self.logger) {
                    count += 1
                }
                return count
            }
            if let origin = batch.origin {
                let (sql, values) = SQLStatements.recordBatch(.postgres, origin, receivedAt: received)
                // Nothing was written: committing the empty transaction is the same as rolling it back.
                if try await run(sql, values) == 0 { return CommitResult.duplicate }
                let agent = SQLStatements.upsertAgent(.postgres, origin, receivedAt: received)
                _ = try await run(agent.0, agent.1)
            }
            var index = LatestIndex()
            // Many rows per INSERT, well under PostgreSQL's 65,535 parameters per statement.
            for chunk in stride(from: 0, to: batch.samples.count, by: 2000) {
                let part = batch.samples[chunk..<min(chunk + 2000, batch.samples.count)]
                var values: [SQLValue] = []
                values.reserveCapacity(part.count * 12)
                for sample in part {
                    values += SQLStatements.sampleValues(sample, receivedAt: received)
                    index.add(sample)
                }
                let tuples = SQLStatements.tuples(.postgres, rows: part.count, columns: 12, casts: [10: "::jsonb"])
                _ = try await run("INSERT INTO samples(\(SQLStatements.sampleColumns)) VALUES \(tuples)", values)
            }
            let meters = Array(index.meters.values)
            for chunk in stride(from: 0, to: meters.count, by: 2000) {
                let statement = SQLStatements.upsertMeters(.postgres, Array(meters[chunk..<min(chunk + 2000, meters.count)]))
                _ = try await run(statement.0, statement.1)
            }
            let resources = index.resources.values.map(\.record)
            for chunk in stride(from: 0, to: resources.count, by: 2000) {
                let statement = SQLStatements.upsertResources(.postgres, Array(resources[chunk..<min(chunk + 2000, resources.count)]))
                _ = try await run(statement.0, statement.1)
            }
            for event in batch.events {
                let statement = SQLStatements.insertEvent(.postgres, event)
                _ = try await run(statement.0, statement.1)
            }
            return CommitResult.stored
        }
    }

    public func deleteSamples(before cutoff: Date) async throws -> Int {
        let limit = microseconds(cutoff)
        return try await client.withTransaction(logger: logger) { connection in
            var deleted = 0
            for try await _ in try await connection.query("DELETE FROM samples WHERE ts < \(limit) RETURNING 1", logger: logger) {
                deleted += 1
            }
            try await connection.query("DELETE FROM events WHERE ts < \(limit)", logger: logger)
            try await connection.query("DELETE FROM batches WHERE received_at < \(limit)", logger: logger)
            return deleted
        }
    }

    public func close() async {
        runner.cancel()
        _ = await runner.value
    }

    // MARK: reading

    public func samples(_ query: SampleQuery) async throws -> [StoredSample] {
        var builder = SQLQueryBuilder(dialect: .postgres)
        let conditions = builder.whereClause(try QueryFilter.normalize(query.filters), columns: .samples)
        var sql = """
            SELECT meter, type, unit, volume, user_id, project_id, resource_id, ts, recorded_at, metadata::text, source,
                message_id FROM samples WHERE \(conditions) ORDER BY ts DESC, id DESC
            """
        if let limit = query.limit { sql += " LIMIT \(builder.bind(.integer(Int64(max(0, limit)))))" }
        return try await rows(sql, builder.bindings).map { row in
            let sample = Sample(
                name: try row[0].decode(String.self), type: SampleType(rawValue: try row[1].decode(String.self)) ?? .gauge,
                unit: try row[2].decode(String.self), volume: try row[3].decode(Double.self),
                userID: try row[4].decode(String?.self), projectID: try row[5].decode(String?.self),
                resourceID: try row[6].decode(String.self), timestamp: dateFromMicroseconds(try row[7].decode(Int64.self)),
                resourceMetadata: MetadataCoding.decode(try row[9].decode(String.self)),
                source: try row[10].decode(String.self), messageID: try row[11].decode(String.self))
            return StoredSample(sample: sample, recordedAt: dateFromMicroseconds(try row[8].decode(Int64.self)))
        }
    }

    public func meters(_ filters: [QueryFilter]) async throws -> [MeterRecord] {
        let filters = try QueryFilter.normalize(filters)
        try FilterScope.checkMeterFilters(filters)
        var builder = SQLQueryBuilder(dialect: .postgres)
        let conditions = builder.whereClause(filters, columns: .meters)
        return try await rows(
            """
            SELECT m.meter, m.type, m.unit, m.resource_id, m.project_id, m.user_id, m.source
            FROM meters m JOIN resources r ON r.resource_id = m.resource_id
            WHERE \(conditions) ORDER BY m.meter COLLATE "C", m.resource_id COLLATE "C"
            """, builder.bindings
        ).map { row in
            MeterRecord(
                name: try row[0].decode(String.self), type: SampleType(rawValue: try row[1].decode(String.self)) ?? .gauge,
                unit: try row[2].decode(String.self), resourceID: try row[3].decode(String.self),
                projectID: try row[4].decode(String?.self), userID: try row[5].decode(String?.self),
                source: try row[6].decode(String.self))
        }
    }

    public func resources(_ filters: [QueryFilter]) async throws -> [ResourceRecord] {
        let filters = try QueryFilter.normalize(filters)
        try FilterScope.checkResourceFilters(filters)
        var builder = SQLQueryBuilder(dialect: .postgres)
        let conditions = builder.resourceWhereClause(filters)
        var result = try await rows(
            """
            SELECT r.resource_id, r.project_id, r.user_id, r.source, r.first_ts, r.last_ts, r.metadata::text
            FROM resources r WHERE \(conditions) ORDER BY r.resource_id COLLATE "C"
            """, builder.bindings
        ).map { row in
            ResourceRecord(
                resourceID: try row[0].decode(String.self), projectID: try row[1].decode(String?.self),
                userID: try row[2].decode(String?.self), source: try row[3].decode(String.self),
                firstSample: dateFromMicroseconds(try row[4].decode(Int64.self)),
                lastSample: dateFromMicroseconds(try row[5].decode(Int64.self)),
                metadata: MetadataCoding.decode(try row[6].decode(String.self)), meters: [])
        }
        guard !result.isEmpty else { return [] }
        var positions: [String: Int] = [:]
        for (position, resource) in result.enumerated() { positions[resource.resourceID] = position }
        for row in try await rows(
            """
            SELECT m.resource_id, m.meter FROM meters m JOIN resources r ON r.resource_id = m.resource_id
            WHERE \(conditions) ORDER BY m.resource_id COLLATE "C", m.meter COLLATE "C"
            """, builder.bindings)
        {
            if let position = positions[try row[0].decode(String.self)] {
                result[position].meters.append(try row[1].decode(String.self))
            }
        }
        return result
    }

    public func statistics(_ query: StatisticsQuery) async throws -> [StatisticsRow] {
        try query.validate()
        let filters = try QueryFilter.normalize(query.allFilters)
        let start: Int64
        if let lower = query.lowerTimeBound {
            start = microseconds(lower)
        } else {
            var bounds = SQLQueryBuilder(dialect: .postgres)
            let conditions = bounds.whereClause(filters, columns: .samples)
            guard let first = try await rows("SELECT MIN(ts) FROM samples WHERE \(conditions)", bounds.bindings)
                .first.flatMap({ try $0[0].decode(Int64?.self) })
            else { return [] }
            start = first
        }
        var builder = SQLQueryBuilder(dialect: .postgres)
        let sql = builder.statistics(query, filters: filters, start: start)
        let groups = query.groupBy.count
        let distinctCount = query.aggregates.compactMap(\.parameter).count
        let result = try await rows(sql, builder.bindings).map { row in
            SQLQueryBuilder.row(
                query: query, groupValues: try (0..<groups).map { try row[$0].decode(String?.self) },
                bucket: try row[groups].decode(Int64.self), count: try row[groups + 1].decode(Int64.self),
                sum: try row[groups + 2].decode(Double.self), min: try row[groups + 3].decode(Double.self),
                max: try row[groups + 4].decode(Double.self), sumOfSquares: try row[groups + 5].decode(Double.self),
                first: try row[groups + 6].decode(Int64.self), last: try row[groups + 7].decode(Int64.self),
                unit: try row[groups + 8].decode(String.self),
                distinct: try (0..<distinctCount).map { try row[groups + 9 + $0].decode(Int64.self) }, start: start)
        }
        return StatisticsRow.sorted(result, by: query.groupBy)
    }

    public func events(_ query: EventQuery) async throws -> [Event] {
        var builder = SQLQueryBuilder(dialect: .postgres)
        let conditions = builder.eventWhereClause(query)
        var sql = "SELECT id, ts, type, level, host, resource, message, details::text FROM events WHERE \(conditions) ORDER BY ts DESC, id"
        if let limit = query.limit { sql += " LIMIT \(builder.bind(.integer(Int64(max(0, limit)))))" }
        return try await rows(sql, builder.bindings).map { row in
            Event(
                id: try row[0].decode(String.self), time: dateFromMicroseconds(try row[1].decode(Int64.self)),
                type: try row[2].decode(String.self), level: EventLevel(rawValue: try row[3].decode(String.self)) ?? .info,
                host: try row[4].decode(String.self), resource: try row[5].decode(String.self),
                message: try row[6].decode(String.self), details: MetadataCoding.decode(try row[7].decode(String.self)))
        }
    }

    public func hosts() async throws -> [HostRecord] {
        try await rows("SELECT host, agent, last_seen, batches FROM agents ORDER BY host COLLATE \"C\", agent COLLATE \"C\"", []).map { row in
            HostRecord(
                host: try row[0].decode(String.self), agent: try row[1].decode(String.self),
                lastSeen: dateFromMicroseconds(try row[2].decode(Int64.self)), batches: Int(try row[3].decode(Int64.self)))
        }
    }
}
