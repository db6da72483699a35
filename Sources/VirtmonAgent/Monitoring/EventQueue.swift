import Synchronization
import VirtmonModel

/// The bounded queue between monitors and handlers. `put` never blocks: when the queue is full the new event
/// is dropped and counted, so a flood of events cannot stall a check or grow memory without bound.
public final class EventQueue: Sendable {
    public let capacity: Int
    private let stream: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let counts = Mutex<(accepted: Int, dropped: Int)>((0, 0))

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingOldest(self.capacity))
    }

    /// Queues an event; false (and counted) when the queue is full or closed.
    @discardableResult
    public func put(_ event: Event) -> Bool {
        switch continuation.yield(event) {
        case .enqueued:
            counts.withLock { $0.accepted += 1 }
            return true
        case .dropped, .terminated:
            counts.withLock { $0.dropped += 1 }
            return false
        @unknown default:
            counts.withLock { $0.dropped += 1 }
            return false
        }
    }

    /// Events accepted and dropped so far.
    public var accepted: Int { counts.withLock { $0.accepted } }
    public var dropped: Int { counts.withLock { $0.dropped } }

    /// Ends the queue: `events` finishes once what is queued has been taken.
    public func close() { continuation.finish() }

    /// The queued events, in order, for the one consumer (the supervisor).
    public var events: AsyncStream<Event> { stream }
}
