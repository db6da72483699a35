/// A write reused an id the backend already holds: the engine's idea of the next id is behind what was stored.
public struct ChunkIDConflict: Error, CustomStringConvertible {
    public var table: String
    public var id: Int64

    public init(table: String, id: Int64) {
        self.table = table
        self.id = id
    }

    public var description: String { "\(table) id \(id) is already stored: the engine's ids are behind the database's" }
}
