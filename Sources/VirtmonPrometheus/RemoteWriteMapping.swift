import Foundation
import SwiftProtobuf
import VirtmonModel

/// Remote-write 1.0 both ways: virtmon samples into a `WriteRequest` (names and labels from the name table),
/// and a received `WriteRequest` into samples (docs/prometheus.md, "Remote-write in"):
///
/// - meter: `__name__`; type cumulative for `_total`, `_count`, `_sum` and `_bucket`, else gauge; unit from the
///   name's suffix (`_bytes` B, `_seconds` s, `_ratio` ratio, else the empty unit);
/// - project and user: the `project_id` and `user_id` labels (a project token's own project always);
/// - resource: the `resource_id` label if present, else `instance` (or `job`) followed by the remaining labels
///   other than `job`, `project_id` and `user_id`, `/name=value,…` in name order, so each series is its own
///   resource;
/// - metadata: every label but `__name__`, as strings, plus `resource_type: prometheus`, which brings the
///   same name and labels back out of `/federate`.
public enum RemoteWriteMapping {
    /// The resource type of samples stored from remote-write.
    public static let resourceType = "prometheus"
    /// Prometheus's stale marker: a NaN with this bit pattern ends a series.
    public static let staleNaNBits: UInt64 = 0x7ff0_0000_0000_0002

    /// Whether a sample was stored from remote-write (its labels are its metadata).
    public static func isRemoteWritten(_ sample: Sample) -> Bool {
        sample.resourceMetadata["resource_type"] == .string(resourceType)
    }

    /// The labels a remote-written sample came with (its metadata, but the marker).
    static func labels(of sample: Sample) -> [(String, String)] {
        sample.resourceMetadata.compactMap { key, value in
            key == "resource_type" ? nil : value.labelText.map { (key, $0) }
        }
    }

    /// Cumulative for counter-like names, gauge otherwise.
    public static func type(ofFamily name: String) -> SampleType {
        for suffix in ["_total", "_count", "_sum", "_bucket"] where name.hasSuffix(suffix) { return .cumulative }
        return .gauge
    }

    static func unit(ofFamily name: String) -> String {
        let base = name.hasSuffix("_total") ? String(name.dropLast(6)) : name
        if base.hasSuffix("_bytes") { return "B" }
        if base.hasSuffix("_seconds") { return "s" }
        if base.hasSuffix("_ratio") { return "ratio" }
        return ""
    }

    // MARK: Out

    /// One series of a request being built: its sorted labels and its samples in time order.
    public struct OutgoingSeries: Sendable, Hashable {
        public var labels: [ExpositionSeries.Label]
        public var points: [Point]
        public struct Point: Sendable, Hashable {
            public var value: Double
            public var timestampMs: Int64
            public init(value: Double, timestampMs: Int64) {
                self.value = value
                self.timestampMs = timestampMs
            }
        }
        public init(labels: [ExpositionSeries.Label], points: [Point]) {
            self.labels = labels
            self.points = points
        }
        /// `__name__`'s value.
        public var name: String { labels.first { $0.name == "__name__" }?.value ?? "" }
    }

    /// The series `samples` become, each labelled with `__name__`, `instance` (the agent's host) and `job`
    /// (`virtmon`) besides its own, labels sorted, points in time order, one point per millisecond.
    public static func series(from samples: [Sample], host: String, job: String = "virtmon") -> [OutgoingSeries] {
        // A batch may hold several cycles of a series: its points are grouped, not deduplicated as in an exposition.
        var byLabels: [[ExpositionSeries.Label]: [OutgoingSeries.Point]] = [:]
        for sample in samples {
            for family in PrometheusNames.families(for: sample) {
                // `__name__` is the one label name Prometheus reserves: added after the others are made valid.
                var labels = Exposition.labels(family, of: sample, extra: [("instance", host), ("job", job)])
                labels.append(ExpositionSeries.Label("__name__", family.family))
                labels.sort { $0.name < $1.name }
                byLabels[labels, default: []].append(OutgoingSeries.Point(
                    value: family.value(of: sample), timestampMs: Exposition.milliseconds(sample.timestamp)))
            }
        }
        return byLabels.map { labels, points in
            var ordered: [OutgoingSeries.Point] = []
            for point in points.sorted(by: { $0.timestampMs < $1.timestampMs }) {
                // Two points in one millisecond would be refused as a duplicate: the later read wins.
                if let last = ordered.last, last.timestampMs == point.timestampMs { ordered[ordered.count - 1] = point } else { ordered.append(point) }
            }
            return OutgoingSeries(labels: labels, points: ordered)
        }.sorted { $0.labels.lexicographicallyPrecedes($1.labels) { ($0.name, $0.value) < ($1.name, $1.value) } }
    }

    /// The protobuf message of `series`.
    public static func request(_ series: [OutgoingSeries]) -> Prometheus_WriteRequest {
        var request = Prometheus_WriteRequest()
        request.timeseries = series.map { one in
            var message = Prometheus_TimeSeries()
            message.labels = one.labels.map { label in
                var pair = Prometheus_Label()
                pair.name = label.name
                pair.value = label.value
                return pair
            }
            message.samples = one.points.map { point in
                var sample = Prometheus_Sample()
                sample.value = point.value
                sample.timestamp = point.timestampMs
                return sample
            }
            return message
        }
        return request
    }

    /// The snappy-compressed body of `series`, ready to POST.
    public static func body(_ series: [OutgoingSeries]) throws -> Data {
        try Snappy.compress(try request(series).serializedData())
    }

    // MARK: In

    /// What a received request became.
    public struct Received: Sendable {
        public var samples: [Sample]
        /// Stale markers and other NaNs: they end a series in Prometheus and are not values here.
        public var skippedNaN = 0
    }

    /// Why a request could not be read.
    public struct DecodeError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads a snappy-compressed `WriteRequest` body into samples, refusing a body that expands past `maxBytes`
    /// or a series without a name. `project` is a project token's own project, which every sample then carries.
    public static func decode(body: Data, maxBytes: Int, project: String?, source: String = "prometheus") throws -> Received {
        let raw: Data
        do {
            raw = try Snappy.decompress(body, maxBytes: maxBytes)
        } catch {
            throw DecodeError(description: error.description)
        }
        let request: Prometheus_WriteRequest
        do {
            request = try Prometheus_WriteRequest(serializedBytes: raw)
        } catch {
            throw DecodeError(description: "the body is not a remote-write WriteRequest protobuf (\(error))")
        }
        var received = Received(samples: [])
        for (index, series) in request.timeseries.enumerated() {
            var labels: [String: String] = [:]
            for label in series.labels { labels[label.name] = label.value }
            guard let name = labels.removeValue(forKey: "__name__"), !name.isEmpty else {
                throw DecodeError(description: "timeseries[\(index)] has no __name__ label")
            }
            let resource = resourceID(labels)
            var metadata: [String: JSONValue] = [:]
            for (key, value) in labels where !value.isEmpty { metadata[key] = .string(value) }
            metadata["resource_type"] = .string(resourceType)
            let type = type(ofFamily: name)
            let unit = unit(ofFamily: name)
            let projectID = project ?? labels["project_id"].flatMap { $0.isEmpty ? nil : $0 }
            let userID = labels["user_id"].flatMap { $0.isEmpty ? nil : $0 }
            for point in series.samples {
                guard point.value.isFinite else {
                    received.skippedNaN += 1
                    continue
                }
                let time = Date(timeIntervalSince1970: Double(point.timestamp) / 1000)
                received.samples.append(Sample(
                    name: name, type: type, unit: unit, volume: point.value, userID: userID, projectID: projectID,
                    resourceID: resource, timestamp: time, resourceMetadata: metadata, source: source,
                    // The store names each sample by its series and time; a sender's id would only be dropped.
                    messageID: ""))
            }
        }
        return received
    }

    /// The resource a series' labels name (see the type's documentation).
    static func resourceID(_ labels: [String: String]) -> String {
        if let given = labels["resource_id"], !given.isEmpty { return given }
        let base = labels["instance"].flatMap { $0.isEmpty ? nil : $0 } ?? labels["job"].flatMap { $0.isEmpty ? nil : $0 } ?? "prometheus"
        let rest = labels.filter { !["instance", "job", "project_id", "user_id"].contains($0.key) && !$0.value.isEmpty }
            .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let id = rest.isEmpty ? base : base + "/" + rest.joined(separator: ",")
        // Resource ids are at most 255 bytes: a longer one keeps its start and a hash of the whole.
        guard id.utf8.count > 240 else { return id }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(decoding: Array(id.utf8.prefix(200)), as: UTF8.self) + "…#" + String(hash, radix: 16)
    }
}
