/// How much a store holds and the space it takes.
public struct StorageStats: Sendable, Equatable {
    public var series = 0
    public var chunks = 0
    /// Samples in readable chunks, and the bytes of their encoded data.
    public var chunkSamples = 0
    public var chunkBytes = 0
    public var rollups = 0
    public var rollupBytes = 0
    public var walBytes = 0
    /// Samples waiting in heads (filled in by the engine).
    public var headSamples = 0
    /// Space the database uses for everything (tables, indexes, free space excluded where the database says).
    public var databaseBytes = 0

    public init() {}
}
