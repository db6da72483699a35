import ServiceLifecycle
import VirtmonModel

/// Where samples and events go. Chosen by URL scheme (`log://`, `file://`, `udp://`, `http://`).
///
/// Implementation requirements: `publish` returns once the batch is written somewhere durable (a spool file,
/// the output file) or printed, and throws only when it could not be; delivery to a remote destination
/// happens in `run()`, which is a Service that on graceful shutdown flushes what it can and returns.
public protocol Publisher: Service {
    /// The destination, for logs (no secrets in it).
    var target: String { get }
    func publish(samples: [Sample], events: [Event]) async throws
}
