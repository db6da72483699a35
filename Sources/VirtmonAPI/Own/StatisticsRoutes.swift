import Hummingbird
import VirtmonStorage
import VirtmonRequests

/// `GET /api/v1/statistics`: one meter's aggregates per period and group, Ceilometer's fields with UTC `Z`
/// timestamps (`layout=rows`, the default), or each group's periods in columns (`layout=series`).
struct StatisticsRoutes: AuthenticatedRoutes {
    let environment: APIEnvironment

    var routes: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        let env = environment
        routes.get("/api/v1/statistics") { request, context in
            // Written straight to bytes, as the Ceilometer route does: building a JSON value per row took most
            // of a 4,800-row answer's time.
            await RouteHandling.run(.own, logger: env.logger) { try await RouteHandling.bounded(seconds: env.connections.requestTimeout) {
                let parameters = QueryParameters(request.uri.query)
                let layout = try StatisticsRoutes.layout(parameters)
                var query = try StatisticsRoutes.query(parameters, scope: context.scope, env)
                query.maxRows = env.maxStatisticsRows
                try query.validate()
                let rows = try await env.storage.statistics(query)
                try RouteHandling.requireFinite(rows, meter: query.meter)
                switch layout {
                case .rows: return JSONResponse.make(bytes: CeilometerFormat.statisticsBody(rows, aggregates: query.aggregates, zoned: true))
                case .series:
                    return JSONResponse.make(bytes: StatisticsSeriesFormat.body(rows, meter: query.meter, period: query.period, aggregates: query.aggregates))
                }
            } }
        }
        return routes
    }

    enum Layout: String, CaseIterable { case rows, series }

    static func layout(_ parameters: QueryParameters) throws -> Layout {
        guard let text = parameters["layout"] else { return .rows }
        guard let layout = Layout(rawValue: text) else {
            throw APIError.badRequest("layout must be \(Layout.allCases.map(\.rawValue).joined(separator: " or ")), not '\(text)'")
        }
        return layout
    }

    /// meter (required), the own API's filters, period (seconds), groupby and aggregate (`func` or `func:param`), repeated.
    static func query(_ parameters: QueryParameters, scope: AccessScope, _ env: APIEnvironment) throws -> StatisticsQuery {
        guard let meter = parameters["meter"], !meter.isEmpty else { throw APIError.badRequest("statistics needs meter=NAME") }
        var filters = try OwnFormat.filters(parameters, allowTime: true)
        filters.removeAll { $0.field == .meter }
        var period: Int64 = 0
        if let text = parameters["period"], !text.isEmpty {
            guard let value = Int64(text), value >= 0 else { throw APIError.badRequest("period must be a whole number of seconds ≥ 0, not '\(text)'") }
            period = value
        }
        var groupBy: [GroupField] = []
        for name in parameters.all("groupby") where !name.isEmpty { groupBy.append(try GroupField(parsing: name)) }
        var aggregates: [Aggregate] = []
        for text in parameters.all("aggregate") where !text.isEmpty {
            // Splitting keeps empty parts so that ":" names an empty function.
            let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let function = parts.first, !function.isEmpty else {
                throw APIError.badRequest("aggregate '\(text)' names no function (use e.g. aggregate=avg or aggregate=cardinality:resource_id)")
            }
            aggregates.append(try Aggregate(parsing: function, parameter: parts.count > 1 ? parts[1] : nil))
        }
        return StatisticsQuery(meter: meter, filters: env.scoped(filters, scope), period: period, groupBy: groupBy, aggregates: aggregates)
    }
}
