import Foundation
import VirtmonModel

/// Which monitor events to return, newest first.
public struct EventQuery: Sendable, Hashable {
    /// One event by its id.
    public var id: String?
    public var type: String?
    public var level: EventLevel?
    public var host: String?
    public var resource: String?
    public var since: Date?
    public var until: Date?
    public var limit: Int?

    public init(type: String? = nil, level: EventLevel? = nil, host: String? = nil, resource: String? = nil, since: Date? = nil, until: Date? = nil, limit: Int? = nil) {
        self.type = type
        self.level = level
        self.host = host
        self.resource = resource
        self.since = since
        self.until = until
        self.limit = limit
    }

    /// The reference semantics: every given condition holds; `since` inclusive, `until` exclusive.
    public func matches(_ event: Event) -> Bool {
        if let id, event.id != id { return false }
        if let type, event.type != type { return false }
        if let level, event.level != level { return false }
        if let host, event.host != host { return false }
        if let resource, event.resource != resource { return false }
        if let since, microseconds(event.time) < microseconds(since) { return false }
        if let until, microseconds(event.time) >= microseconds(until) { return false }
        return true
    }
}
