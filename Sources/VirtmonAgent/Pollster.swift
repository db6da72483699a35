import VirtmonModel

/// Reads one kind of thing once per cycle and turns it into samples.
///
/// Implementation requirements:
/// - Read only through `PollContext` (its file snapshot and roots), so tests can point it at fixtures.
/// - Emit only meters listed in `meters`; the scheduler drops samples of meters a source excludes.
/// - Throw when the read fails as a whole; skip (and do not throw for) a single vanished device or mount.
/// - Keep any state (a previous counter read) inside the instance: each source gets its own instances, so
///   the state has one owner.
public protocol Pollster: Sendable {
    /// Short name used in logs and self-metrics, such as `host.cpu`.
    var name: String { get }
    /// Every meter this pollster may emit.
    var meters: [MeterDefinition] { get }
    /// True when the first cycle yields fewer meters because some values are differences of two reads.
    var needsPreviousRead: Bool { get }
    /// Reads and returns this cycle's samples.
    func poll(_ context: PollContext) async throws -> [Sample]
}

extension Pollster {
    public var needsPreviousRead: Bool { false }
}
