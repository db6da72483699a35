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

    public init(origin: BatchOrigin? = nil, samples: [Sample], events: [Event] = [], receivedAt: Date = Date()) {
        self.origin = origin
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
