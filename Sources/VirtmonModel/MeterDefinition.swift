/// What a meter is: the line docs/meters.md has for it.
public struct MeterDefinition: Sendable, Hashable {
    public var name: String
    public var type: SampleType
    public var unit: String
    /// One line on what the value means.
    public var summary: String
    /// Where it is read from (`/proc/stat`) or how it is derived.
    public var origin: String

    public init(name: String, type: SampleType, unit: String, summary: String, origin: String) {
        self.name = name
        self.type = type
        self.unit = unit
        self.summary = summary
        self.origin = origin
    }
}
