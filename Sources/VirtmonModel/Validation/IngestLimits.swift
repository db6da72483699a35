import Foundation

/// Bounds on what the collector accepts, so that one sender cannot exhaust it.
public struct IngestLimits: Sendable {
    /// Largest body, in bytes (HTTP); UDP datagrams are bounded by UDP itself.
    public var maxBodyBytes = 16 * 1024 * 1024
    /// Most samples in one batch.
    public var maxSamples = 20_000
    /// Most events in one batch.
    public var maxEvents = 10_000
    /// Longest name, id, unit or source.
    public var maxFieldLength = 255
    /// Largest resource_metadata or event details, encoded. Every series keeps its metadata in memory, so
    /// this times `maxSeriesPerProject` bounds what one project token can make the collector hold.
    public var maxMetadataBytes = 8 * 1024
    /// Most series one project token's posts may create (agents' signed batches are the operator's and not
    /// bounded by it); nil for no bound.
    public var maxSeriesPerProject: Int? = 10_000
    /// How far `sent_at` may be from the collector's clock, and how long a sequence is remembered.
    public var clockWindow: TimeInterval = 300
    /// Sample timestamps further in the future than this are refused.
    public var maxFutureSkew: TimeInterval = 86_400
    /// Sample timestamps before this are refused (an agent whose clock is unset reports 1970).
    public var earliestTimestamp = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01

    public init() {}
}
