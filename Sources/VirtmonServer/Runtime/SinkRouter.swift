import Logging
import VirtmonAgent
import VirtmonModel
import VirtmonPipeline
import VirtmonPublishers

/// Hands each source's samples to its sinks: through the sink's pipeline, then to every publisher of the sink.
/// A publisher that fails is logged; the others still get the samples.
struct SinkRouter: SampleSink, EventSink {
    struct Route: Sendable {
        var name: String
        var pipeline: Pipeline
        var publishers: [any Publisher]
    }

    let routes: [String: [Route]]
    /// Every distinct publisher, for events: they skip the pipelines and go to each destination once.
    let publishers: [any Publisher]
    let logger: Logger
    /// What /metrics serves, when the agent has an endpoint: each source's samples as its pollsters read them.
    var latest: LatestReadings?

    func accept(events: [Event]) async {
        for publisher in publishers {
            do {
                try await publisher.publish(samples: [], events: events)
            } catch {
                logger.error("publisher could not take events",
                             metadata: ["publisher": "\(publisher.target)", "events": "\(events.count)", "error": "\(error)"])
            }
        }
    }

    func accept(_ samples: [Sample], source: String) async {
        latest?.record(samples, source: source)
        await route(samples, source: source)
    }

    func acceptLate(_ samples: [Sample], source: String) async {
        latest?.merge(samples, source: source)
        await route(samples, source: source)
    }

    private func route(_ samples: [Sample], source: String) async {
        for route in routes[source] ?? [] {
            let output = await route.pipeline.process(samples)
            guard !output.isEmpty else { continue }
            for publisher in route.publishers {
                do {
                    try await publisher.publish(samples: output, events: [])
                } catch {
                    logger.error("publisher could not take samples",
                                 metadata: ["publisher": "\(publisher.target)", "sink": "\(route.name)",
                                            "samples": "\(output.count)", "error": "\(error)"])
                }
            }
        }
    }
}
