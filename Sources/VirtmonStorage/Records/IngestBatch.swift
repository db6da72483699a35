import Foundation
import VirtmonModel

/// What one commit stores as a unit: samples and events, and for agent batches the (agent, sequence) that
/// makes a repeat recognisable.
public struct IngestBatch: Sendable {
    /// The agent, host and sequence number of a wire batch; nil for samples posted through the API.
    public var origin: BatchOrigin?
    public var samples: [Sample]
    public var events: [Event]
    public var receivedAt: Date
    /// Set for a project token's write: the store refuses it whole when a sample names another project's
    /// resource or the project would pass its series bound (`WriteRefusal`).
    public var writer: WriterScope?

    public init(origin: BatchOrigin? = nil, samples: [Sample], events: [Event] = [], receivedAt: Date = Date(), writer: WriterScope? = nil) {
        self.origin = origin
        self.writer = writer
        self.samples = samples
        self.events = events
        self.receivedAt = receivedAt
    }
}

/// How a commit ended.
public enum CommitResult: Sendable, Equatable {
    /// Written and durable.
    case stored
    /// The same (agent, sequence) was stored before; nothing was written again.
    case duplicate
}

/// Who sent a wire batch, and its sequence number.
public struct BatchOrigin: Sendable, Hashable {
    public var agent: String
    public var host: String
    public var sequence: UInt64

    public init(agent: String, host: String, sequence: UInt64) {
        self.agent = agent
        self.host = host
        self.sequence = sequence
    }
}
