import Foundation

/// What publishers need beyond their URL: where the spool lives, how to sign, how big batches and the spool
/// may get, and how patiently to retry.
public struct PublisherSettings: Sendable, Hashable {
    /// The agent's data dir; spools live under `spool/` in it.
    public var dataDir: String
    /// Shared HMAC secret; empty sends unsigned batches.
    public var secret: String
    /// Samples per UDP/HTTP batch at the most.
    public var batchSize: Int
    /// Bound of each destination's spool.
    public var spoolMaxBytes: Int
    public var spoolMaxBatches: Int
    public var retry: RetryPolicy
    /// How long a shutdown keeps sending spooled batches.
    public var flushTimeout: Duration
    public var httpTimeout: Duration
    /// Size at which `file://` output rotates, and how many old files it keeps.
    public var fileMaxBytes: Int
    public var fileBackups: Int
    /// PEM certificate authorities https:// destinations must chain to; nil trusts the system's.
    public var tlsCA: String?

    public init(
        dataDir: String, secret: String = "", batchSize: Int = 500, spoolMaxBytes: Int = 256 * 1024 * 1024,
        spoolMaxBatches: Int = 100_000, retry: RetryPolicy = RetryPolicy(), flushTimeout: Duration = .seconds(5),
        httpTimeout: Duration = .seconds(10), fileMaxBytes: Int = 100 * 1024 * 1024, fileBackups: Int = 5
    ) {
        self.dataDir = dataDir
        self.secret = secret
        self.batchSize = batchSize
        self.spoolMaxBytes = spoolMaxBytes
        self.spoolMaxBatches = spoolMaxBatches
        self.retry = retry
        self.flushTimeout = flushTimeout
        self.httpTimeout = httpTimeout
        self.fileMaxBytes = fileMaxBytes
        self.fileBackups = fileBackups
    }
}
