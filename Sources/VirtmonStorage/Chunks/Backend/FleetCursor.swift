/// Where an engine's view of a shared database ends: the position and the newest ids it holds.
public struct FleetCursor: Sendable, Equatable {
    public var position: FleetPosition
    public var seriesThrough: Int64
    public var walThrough: Int64
    public var chunksThrough: Int64

    public init(position: FleetPosition, seriesThrough: Int64, walThrough: Int64, chunksThrough: Int64) {
        self.position = position
        self.seriesThrough = seriesThrough
        self.walThrough = walThrough
        self.chunksThrough = chunksThrough
    }
}
