/// A write computed from a position another collector has since moved past: nothing of it was applied.
public struct FleetStale: Error, CustomStringConvertible {
    public var expected: FleetPosition
    public var found: FleetPosition?

    public init(expected: FleetPosition, found: FleetPosition?) {
        self.expected = expected
        self.found = found
    }

    public var description: String {
        "another collector wrote the database meanwhile (this one had read to \(expected), the database is at \(found.map(\.description) ?? "an unknown position"))"
    }
}
