/// One result row as a backend's driver hands it over, read by column position. Each backend adapts its
/// driver's row type (SQLite's statement, postgres-nio's random-access row) to this, and `RowShapes` turns
/// rows into virtmon's types once for both.
public protocol StorageRow {
    func int64(_ column: Int) throws -> Int64
    func double(_ column: Int) throws -> Double
    /// Text, or nil for SQL NULL.
    func optionalText(_ column: Int) throws -> String?
    func blob(_ column: Int) throws -> [UInt8]
}

extension StorageRow {
    /// Text of a NOT NULL column ("" should the database hand over NULL).
    public func text(_ column: Int) throws -> String { try optionalText(column) ?? "" }
}
