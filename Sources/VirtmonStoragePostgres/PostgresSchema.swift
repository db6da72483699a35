import VirtmonStorage

/// The PostgreSQL schema as numbered migrations, recorded in `virtmon_schema`.
enum PostgresSchema {
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE samples(
                id BIGSERIAL PRIMARY KEY,
                meter TEXT NOT NULL, type TEXT NOT NULL, unit TEXT NOT NULL, volume DOUBLE PRECISION NOT NULL,
                user_id TEXT, project_id TEXT, resource_id TEXT NOT NULL,
                ts BIGINT NOT NULL, recorded_at BIGINT NOT NULL,
                metadata JSONB NOT NULL, source TEXT NOT NULL, message_id TEXT NOT NULL)
            """,
            "CREATE INDEX samples_meter_ts ON samples(meter, ts)",
            "CREATE INDEX samples_resource_ts ON samples(resource_id, ts)",
            """
            CREATE TABLE meters(
                meter TEXT NOT NULL, resource_id TEXT NOT NULL, type TEXT NOT NULL, unit TEXT NOT NULL,
                project_id TEXT, user_id TEXT, source TEXT NOT NULL, last_ts BIGINT NOT NULL,
                PRIMARY KEY(meter, resource_id))
            """,
            """
            CREATE TABLE resources(
                resource_id TEXT PRIMARY KEY, project_id TEXT, user_id TEXT, source TEXT NOT NULL,
                first_ts BIGINT NOT NULL, last_ts BIGINT NOT NULL, metadata JSONB NOT NULL)
            """,
            """
            CREATE TABLE batches(
                agent TEXT NOT NULL, seq BIGINT NOT NULL, received_at BIGINT NOT NULL, PRIMARY KEY(agent, seq))
            """,
            "CREATE TABLE agents(agent TEXT PRIMARY KEY, host TEXT NOT NULL, last_seen BIGINT NOT NULL, batches BIGINT NOT NULL)",
            """
            CREATE TABLE events(
                id TEXT PRIMARY KEY, ts BIGINT NOT NULL, type TEXT NOT NULL, level TEXT NOT NULL, host TEXT NOT NULL,
                resource TEXT NOT NULL, message TEXT NOT NULL, details JSONB NOT NULL)
            """,
            "CREATE INDEX events_ts ON events(ts)",
        ],
        // The chunk engine; the row tables above stay until ChunkStore has moved their samples.
        ChunkSQL.schema(.postgres),
        // Alarms and their history.
        AlarmSQL.schema(.postgres),
        // Several collectors on one database: where its writes stand (`FleetPosition`).
        [
            "CREATE TABLE virtmon_fleet(id INT PRIMARY KEY CHECK (id = 1), generation BIGINT NOT NULL, epoch BIGINT NOT NULL)",
            "INSERT INTO virtmon_fleet(id, generation, epoch) VALUES(1, 0, 0)",
        ],
    ]
}
