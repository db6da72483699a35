import VirtmonModel

/// Turns one sample of a matched meter into derived samples (none, while it has no previous value).
///
/// Implementation requirements: keep per-series state keyed by `Sample.seriesKey` inside the value; the
/// `Pipeline` actor that owns it is the only caller, so the state has a single owner. Throw (the sample is then
/// dropped and logged) rather than emit a non-finite volume.
public protocol Transformer: Sendable {
    /// The configuration name of the kind, such as `rate_of_change`.
    var kind: String { get }
    /// True when a series' first sample yields nothing because the output compares it with a predecessor;
    /// `--once` then runs two cycles.
    var needsPreviousSample: Bool { get }
    mutating func transform(_ sample: Sample) throws(TransformError) -> [Sample]
}

extension Transformer {
    public var needsPreviousSample: Bool { false }
}

/// Why a transformer could not derive a sample.
public struct TransformError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
