import Foundation
import Hummingbird
import VirtmonCollector
import VirtmonModel
import VirtmonPrometheus
import VirtmonStorage
import VirtmonRequests

/// Prometheus's two doors into a collector (docs/prometheus.md):
///
/// - `POST /api/v1/write`: remote-write 1.0 from Prometheus, vmagent or any sender; stored like posted samples
///   (a project token's under its project), answered 204 once committed, 400 for a request that would be
///   refused again (never retried by the sender), 503 while the store fails (retried);
/// - `GET /federate?match[]=SELECTOR`: the latest stored value of every matching series (within the last five
///   minutes, Prometheus's staleness window) in the text exposition, named as the agent's `/metrics` names
///   them, so an existing Prometheus can scrape a whole deployment.
struct PrometheusRoutes: AuthenticatedRoutes {
    let environment: APIEnvironment

    /// How far back /federate looks for a series' latest value.
    static let lookback: TimeInterval = 300
    /// The most a remote-write body may expand to.
    static let maxDecodedBytes = 128 * 1024 * 1024

    var routes: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        let env = environment
        routes.post("/api/v1/write") { request, context in
            await RouteHandling.run(.own, logger: env.logger) {
                let limit = env.ingestor.limits.maxBodyBytes
                let buffer: ByteBuffer
                do {
                    buffer = try await request.body.collect(upTo: limit)
                } catch {
                    throw APIError(413, "remote-write body larger than \(limit) bytes; lower the sender's max_samples_per_send")
                }
                let received: RemoteWriteMapping.Received
                do {
                    received = try RemoteWriteMapping.decode(
                        body: Data(buffer.readableBytesView), maxBytes: PrometheusRoutes.maxDecodedBytes, project: context.scope.project)
                } catch let error as RemoteWriteMapping.DecodeError {
                    throw APIError.badRequest("remote-write: \(error.description)")
                }
                let now = Date()
                let validator = BatchValidator(limits: env.ingestor.limits)
                // A series' samples share its names and metadata: those are checked on its first sample only.
                var previous: Sample?
                for (index, sample) in received.samples.enumerated() {
                    let place = "remote-write sample \(index) (\(sample.name))"
                    if let previous, previous.name == sample.name, previous.resourceID == sample.resourceID,
                       previous.projectID == sample.projectID, previous.userID == sample.userID,
                       previous.resourceMetadata == sample.resourceMetadata {
                        try validator.validateValue(sample, now: now, at: place)
                    } else {
                        try validator.validate(sample, now: now, at: place)
                    }
                    previous = sample
                }
                if !received.samples.isEmpty {
                    try await env.ingestor.ingest(posted: received.samples, project: context.scope.project, transport: .remoteWrite, now: now)
                }
                return Response(status: .noContent)
            }
        }
        routes.get("/federate") { request, context in
            await RouteHandling.run(.own, logger: env.logger) {
                let parameters = QueryParameters(request.uri.query)
                let texts = parameters.all("match[]")
                guard !texts.isEmpty else {
                    throw APIError.badRequest("give at least one match[]=SELECTOR, such as match[]={job=\"virtmon\"} or match[]=libvirt_domain_info_cpu_time_seconds_total")
                }
                var selectors: [SeriesSelector] = []
                for text in texts {
                    do {
                        selectors.append(try SeriesSelector(parsing: text))
                    } catch let error as SeriesSelector.ParseError {
                        throw APIError.badRequest("match[]: \(error.description)")
                    }
                }
                let chosen = selectors
                let scope = context.scope
                return try await RouteHandling.bounded(seconds: env.connections.requestTimeout) {
                    JSONResponse.text(try await PrometheusRoutes.federate(chosen, env: env, scope: scope), contentType: Exposition.contentType)
                }
            }
        }
        return routes
    }

    /// The latest value of each stored series the selectors pick, as exposition text.
    static func federate(_ selectors: [SeriesSelector], env: APIEnvironment, scope: AccessScope) async throws -> String {
        let recent = QueryFilter(.timestamp, .ge, .date(Date().addingTimeInterval(-lookback)))
        // Selectors that all name their metric read only the meters behind those names: the table's meters
        // for a family, and the name itself for series stored from remote-write.
        var meters: Set<String>? = []
        for selector in selectors {
            guard let name = selector.exactName else {
                meters = nil
                break
            }
            meters?.insert(name)
            for exposed in PrometheusNames.table where exposed.family == name { meters?.insert(exposed.meter) }
        }
        var samples: [StoredSample] = []
        if let meters {
            for meter in meters.sorted() {
                samples += try await env.storage.samples(SampleQuery(filters: env.scoped([recent, QueryFilter(.meter, .eq, .string(meter))], scope)))
            }
        } else {
            samples = try await env.storage.samples(SampleQuery(filters: env.scoped([recent], scope)))
        }
        var latest: [VirtmonModel.SeriesKey: Sample] = [:]
        for stored in samples {
            let key = stored.sample.seriesKey
            if let known = latest[key], known.timestamp >= stored.sample.timestamp { continue }
            latest[key] = stored.sample
        }
        let series = Exposition.series(from: Array(latest.values), extraLabels: { sample in
            RemoteWriteMapping.isRemoteWritten(sample) ? [] : [("resource_id", sample.resourceID), ("project_id", sample.projectID ?? "")]
        }, timestamps: true)
        return Exposition.render(Exposition.regroupingSummariesAndHistograms(series.filter { one in
            selectors.contains { $0.matches(name: one.family, labels: one.labels) }
        }))
    }
}
