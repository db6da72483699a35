import Foundation

/// An agent's host as the collector saw it: when it last sent a batch, and how many.
public struct HostRecord: Sendable, Hashable {
    public var host: String
    public var agent: String
    public var lastSeen: Date
    public var batches: Int

    public init(host: String, agent: String, lastSeen: Date, batches: Int) {
        self.host = host
        self.agent = agent
        self.lastSeen = lastSeen
        self.batches = batches
    }
}
