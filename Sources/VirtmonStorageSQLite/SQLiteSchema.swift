import VirtmonStorage

/// The SQLite schema, as numbered migrations; `PRAGMA user_version` records how many have run.
enum SQLiteSchema {
    static let migrations: [String] = [
        """
        CREATE TABLE samples(
            id INTEGER PRIMARY KEY,
            meter TEXT NOT NULL, type TEXT NOT NULL, unit TEXT NOT NULL, volume REAL NOT NULL,
            user_id TEXT, project_id TEXT, resource_id TEXT NOT NULL,
            ts INTEGER NOT NULL, recorded_at INTEGER NOT NULL,
            metadata TEXT NOT NULL, source TEXT NOT NULL, message_id TEXT NOT NULL);
        CREATE INDEX samples_meter_ts ON samples(meter, ts);
        CREATE INDEX samples_resource_ts ON samples(resource_id, ts);
        CREATE TABLE meters(
            meter TEXT NOT NULL, resource_id TEXT NOT NULL, type TEXT NOT NULL, unit TEXT NOT NULL,
            project_id TEXT, user_id TEXT, source TEXT NOT NULL, last_ts INTEGER NOT NULL,
            PRIMARY KEY(meter, resource_id)) WITHOUT ROWID;
        CREATE TABLE resources(
            resource_id TEXT PRIMARY KEY, project_id TEXT, user_id TEXT, source TEXT NOT NULL,
            first_ts INTEGER NOT NULL, last_ts INTEGER NOT NULL, metadata TEXT NOT NULL);
        CREATE TABLE batches(
            agent TEXT NOT NULL, seq INTEGER NOT NULL, received_at INTEGER NOT NULL,
            PRIMARY KEY(agent, seq)) WITHOUT ROWID;
        CREATE TABLE agents(agent TEXT PRIMARY KEY, host TEXT NOT NULL, last_seen INTEGER NOT NULL, batches INTEGER NOT NULL);
        CREATE TABLE events(
            id TEXT PRIMARY KEY, ts INTEGER NOT NULL, type TEXT NOT NULL, level TEXT NOT NULL, host TEXT NOT NULL,
            resource TEXT NOT NULL, message TEXT NOT NULL, details TEXT NOT NULL);
        CREATE INDEX events_ts ON events(ts);
        """,
        // The chunk engine; the row tables above stay until ChunkStore has moved their samples.
        ChunkSQL.schema(.sqlite).joined(separator: ";\n") + ";",
        // Alarms and their history.
        AlarmSQL.schema(.sqlite).joined(separator: ";\n") + ";",
    ]
}
