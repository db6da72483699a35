/// Every self-metric virtmon records, with its help text: the one list `/metrics` is described from (a test
/// checks that every name the exposition carries is here, and `promtool check metrics` that it lints clean).
public enum MetricCatalogue {
    public static let help: [String: String] = [
        // The collector's ingest path.
        "virtmon_collector_batches_received_total": "Batches received, by transport.",
        "virtmon_collector_batches_stored_total": "Batches committed to storage.",
        "virtmon_collector_amqp_connected": "1 while the collector is consuming from a RabbitMQ node, else 0.",
        "virtmon_collector_amqp_messages_total": "Messages consumed from RabbitMQ, by outcome (stored, duplicate, requeued, dead_lettered).",
        "virtmon_collector_amqp_connection_failures_total": "Failed or lost connections to RabbitMQ.",
        "virtmon_collector_samples_stored_total": "Samples committed to storage.",
        "virtmon_collector_events_stored_total": "Monitor events committed to storage.",
        "virtmon_collector_duplicate_batches_total": "Batches whose agent and sequence were already stored (retries and replays).",
        "virtmon_collector_refused_total": "Batches refused, by reason.",
        "virtmon_collector_commits_in_flight": "Batches being committed now (the ingest queue).",
        "virtmon_collector_commit_duration_seconds": "Time to commit a batch durably.",
        "virtmon_collector_series_quota_refusals_total": "Project-token writes refused for the series bound, by project.",
        "virtmon_collector_writes_failing": "1 while commits to storage fail (health answers 503), else 0.",
        "virtmon_collector_uptime_seconds": "Seconds since the collector started.",
        "virtmon_collector_udp_receive_drops_total": "Datagrams the kernel dropped on the UDP ingest socket (receive buffer full).",
        // The collector's HTTP listener and queries.
        "virtmon_collector_http_connections": "Open HTTP connections.",
        "virtmon_collector_http_connections_max": "Open HTTP connections allowed at once (the rest wait in the backlog).",
        "virtmon_collector_http_connections_closed_total": "HTTP connections the collector closed, by reason.",
        "virtmon_collector_auth_failures_total": "Requests refused at the token check: missing (no token), invalid (a wrong one), limited (429 after too many wrong ones from the address).",
        "virtmon_collector_query_duration_seconds": "Time to answer a query, by route.",
        // The store, as of the scrape.
        "virtmon_storage_series": "Series the store holds.",
        "virtmon_storage_chunks": "Readable sealed chunks.",
        "virtmon_storage_chunk_samples": "Samples in readable chunks.",
        "virtmon_storage_chunk_bytes": "Bytes of encoded samples in readable chunks.",
        "virtmon_storage_rollup_bytes": "Bytes of encoded rollup buckets.",
        "virtmon_storage_wal_bytes": "Bytes of write-ahead records not yet checkpointed.",
        "virtmon_storage_head_samples": "Samples in open heads, not yet sealed into chunks.",
        "virtmon_storage_database_bytes": "Bytes the database uses (SQLite: pages in use; PostgreSQL: the database's size).",
        // The agent.
        "virtmon_alarm_evaluations_total": "Alarm evaluations run, by batches touching their series and by the timer.",
        "virtmon_alarm_transitions_total": "Alarm state transitions the evaluator made, by the state entered.",
        "virtmon_alarm_notifications_total": "Alarm notification sends, by outcome (delivered, failed; a failed one is retried).",
        "virtmon_alarm_notifications_dropped_total": "Alarm notifications dropped because the notifier's queue was full.",
        "virtmon_agent_pollster_up": "1 when the pollster's last run succeeded, 0 when it failed (its source away, a read that failed), by source and pollster.",
        "virtmon_pollster_duration_seconds": "Time one pollster took for one cycle, by source and pollster.",
        "virtmon_pollster_failures_total": "Cycles a pollster failed, by source and pollster.",
        "virtmon_pollster_overruns_total": "Cycles a pollster missed its deadline, by source and pollster.",
        "virtmon_events_dropped_total": "Monitor events dropped because the event queue was full, by type.",
        "virtmon_spool_batches": "Batches waiting in a publisher's spool.",
        "virtmon_spool_dropped_batches_total": "Batches a full spool dropped (oldest first), by publisher.",
        "virtmon_spool_dropped_samples_total": "Samples in batches a full spool dropped, by publisher.",
        "virtmon_published_samples_total": "Samples a publisher delivered, by publisher.",
        "virtmon_publisher_rejected_samples_total": "Samples in batches a destination refused for good (a remote-write 4xx other than 429), dropped, not retried, by publisher.",
    ]

    /// Histogram buckets for durations: 1 ms to 30 s.
    public static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10), .seconds(30),
    ]

    /// Histogram buckets for other recorded values.
    public static let valueBuckets: [Double] = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000]
}
