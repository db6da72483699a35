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
    /// True when every read is of the kernel's own tables (/proc files), which answer in microseconds and never
    /// wait on a device, a network or a daemon. A cycle runs such pollsters one after another on one thread,
    /// saving a thread wake-up and a context switch each; every other pollster (statvfs of a mount that may be
    /// NFS, libvirt's RPCs, anything unknown) gets a thread of its own, so that a read that hangs holds up only
    /// itself.
    var readsOnlyKernelTables: Bool { get }
    /// Reads and returns this cycle's samples.
    func poll(_ context: PollContext) async throws -> [Sample]
}

extension Pollster {
    public var needsPreviousRead: Bool { false }
    public var readsOnlyKernelTables: Bool { false }
}
