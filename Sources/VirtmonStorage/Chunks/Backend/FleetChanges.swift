/// What other collectors wrote after a `FleetCursor`, read in one snapshot: enough for an engine to hold what
/// it would hold had it written all of it itself.
public struct FleetChanges: Sendable {
    public var position: FleetPosition
    /// Series with larger ids than the cursor's.
    public var series: [SeriesRecord] = []
    /// Write-ahead records with larger ids, oldest first.
    public var wal: [(id: Int64, bytes: [UInt8])] = []
    /// The oldest record still held (nil: none): a checkpoint elsewhere dropped the ones below.
    public var oldestWAL: Int64?
    /// Per series, over readable chunks with larger ids: earliest and latest time and the newest record they seal.
    public var spans: [Int64: (first: Int64, last: Int64, walThrough: Int64)] = [:]
    public var maxChunkID: Int64 = 0
    public var maxRollupID: Int64 = 0
    public var rawHorizon: Int64?

    public init(position: FleetPosition) {
        self.position = position
    }
}
