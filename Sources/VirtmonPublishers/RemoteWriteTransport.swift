import Foundation
import Synchronization
import VirtmonModel
import VirtmonPrometheus
import VirtmonNetwork

/// Prometheus remote-write 1.0 (`prometheus+http://HOST:PORT/api/v1/write`): each spooled batch becomes one
/// snappy-compressed `WriteRequest` under the names of docs/prometheus.md, labelled with the agent's host as
/// `instance` and `job="virtmon"`. Sent through the same spool as any batch, so a receiver that is away loses
/// nothing; 5xx and 429 are retried with the spool's backoff, other 4xx are final (dropped and counted), as the
/// protocol asks of senders.
///
/// A series that stops appearing (a domain that was destroyed, a disk detached) gets Prometheus's stale marker
/// once three of its intervals have passed in later batches without it, so queries stop at its end instead
/// of carrying its last value for five minutes.
public final class RemoteWriteTransport: BatchTransport {
    public var target: String { http.target }
    public let maxBodyBytes: Int? = nil
    private let http: HTTPTransport

    private struct SeriesState {
        var lastMs: Int64
        var intervalMs: Int64?
    }

    private struct State {
        var series: [[ExpositionSeries.Label]: SeriesState] = [:]
        /// The body made for the batch under way, so a retry sends the same request (with the same stale
        /// markers) instead of a new one.
        var pending: (sequence: UInt64, body: Data)?
    }

    private let state = Mutex(State())

    /// `url` is the receiver's http(s) URL (the `prometheus+` prefix removed); `target` is what logs show.
    public init(url: String, target: String, basicAuth: (user: String, password: String)? = nil, tlsCA: String?) throws(TLSFileError) {
        var headers: [(String, String)] = [
            ("Content-Type", "application/x-protobuf"), ("Content-Encoding", "snappy"),
            ("X-Prometheus-Remote-Write-Version", "0.1.0"),
        ]
        if let basicAuth {
            headers.append(("Authorization", "Basic " + Data("\(basicAuth.user):\(basicAuth.password)".utf8).base64EncodedString()))
        }
        http = try HTTPTransport(url: url, target: target, headers: headers, clientErrorsAreFinal: true, tlsCA: tlsCA)
    }

    public func body(for batch: Batch, signature: BatchSignature) throws -> (body: Data, signature: String?) {
        try state.withLock { state in
            if let pending = state.pending, pending.sequence == batch.sequence { return (pending.body, nil) }
            var series = RemoteWriteMapping.series(from: batch.samples, host: batch.host)
            let newest = series.compactMap { $0.points.last?.timestampMs }.max()
            for one in series {
                guard let last = one.points.last else { continue }
                var entry = state.series[one.labels] ?? SeriesState(lastMs: last.timestampMs, intervalMs: nil)
                if one.points.count > 1 {
                    entry.intervalMs = last.timestampMs - one.points[one.points.count - 2].timestampMs
                } else if last.timestampMs > entry.lastMs {
                    entry.intervalMs = last.timestampMs - entry.lastMs
                }
                entry.lastMs = max(entry.lastMs, last.timestampMs)
                state.series[one.labels] = entry
            }
            if let newest {
                let present = Set(series.map(\.labels))
                for (labels, entry) in state.series where !present.contains(labels) {
                    let interval = entry.intervalMs ?? 300_000
                    guard newest > entry.lastMs + 3 * interval else { continue }
                    series.append(RemoteWriteMapping.OutgoingSeries(
                        labels: labels,
                        points: [.init(value: Double(bitPattern: RemoteWriteMapping.staleNaNBits), timestampMs: entry.lastMs + interval)]))
                    state.series[labels] = nil
                }
            }
            let body = try RemoteWriteMapping.body(series)
            state.pending = (batch.sequence, body)
            return (body, nil)
        }
    }

    public func send(body: Data, signature: String?, timeout: Duration) async throws(DeliveryError) {
        try await http.send(body: body, signature: nil, timeout: timeout)
    }

    public func shutdown() async {}
}
