/// How far an engine has read a database that several collectors write (PostgreSQL with a fleet).
///
/// `generation` counts the writes every collector made; `epoch` counts the writes whose effect cannot be
/// followed from new rows alone (retention deleting chunks and series, moving legacy rows), after which a
/// collector reloads its state whole. A write names the position it was computed from and is refused, with
/// `FleetStale`, when another collector wrote since: the engine then takes in what changed and computes the
/// write again. That keeps ids unique and in commit order across the fleet, which the readers' visibility
/// bounds (`ChunkBackend`) depend on.
public struct FleetPosition: Sendable, Equatable, CustomStringConvertible {
    public var generation: Int64
    public var epoch: Int64

    public init(generation: Int64, epoch: Int64) {
        self.generation = generation
        self.epoch = epoch
    }

    public var description: String { "generation \(generation), epoch \(epoch)" }
}
