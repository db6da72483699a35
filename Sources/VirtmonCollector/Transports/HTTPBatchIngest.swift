import Foundation
import VirtmonModel

/// Batches over HTTP (`POST /api/v1/batches`): the body as sent, its `X-Virtmon-Signature`, and the JSON the
/// agent gets back. The API's route only collects the body (bounded by `maxBodyBytes`) and sends the answer;
/// the rest is the one ingest path every transport shares (`Ingestor`).
public struct HTTPBatchIngest: Sendable {
    public let ingestor: Ingestor

    public init(ingestor: Ingestor) {
        self.ingestor = ingestor
    }

    /// The largest body the route may collect.
    public var maxBodyBytes: Int { ingestor.limits.maxBodyBytes }

    /// The refusal for a body that did not fit.
    public var oversized: IngestError { IngestError(.oversized, "body larger than \(maxBodyBytes) bytes") }

    /// Ingests one body; the answer says what was stored (`{"stored": N, "events": M}`) or that it was a repeat.
    public func ingest(body: Data, signature: String?) async throws(IngestError) -> JSONValue {
        switch try await ingestor.ingest(body: body, signature: signature, transport: .http) {
        case .stored(let samples, let events):
            return .object(["stored": .number(Double(samples)), "events": .number(Double(events))])
        case .duplicate:
            return .object(["stored": 0, "duplicate": true])
        }
    }
}
