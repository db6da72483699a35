/// A stored record that could not be read back: which one, how large, and why.
public struct DamagedRecord: Sendable, Equatable, CustomStringConvertible {
    /// What it is ("write-ahead record").
    public var kind: String
    public var id: Int64
    public var bytes: Int
    public var reason: String

    public var description: String { "\(kind) \(id) (\(bytes) bytes): \(reason)" }
}
