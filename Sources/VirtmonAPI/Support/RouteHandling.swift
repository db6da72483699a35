import Foundation
import Hummingbird
import Logging
import NIOCore
import VirtmonCollector
import VirtmonModel
import VirtmonStorage
import VirtmonRequests

/// Runs a handler and turns every failure into an answer in the route family's error shape; unexpected
/// failures are logged and answered 500 without crashing anything.
enum RouteHandling {
    enum Shape { case ceilometer, own }

    /// Server-side failures are logged at most every 10 s per kind of answer, however many requests fail.
    static let failureLog = LogThrottle()

    static func run(_ shape: Shape, logger: Logger, _ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch {
            let apiError = classify(error)
            if apiError.status >= 500 {
                let (log, suppressed) = failureLog.shouldLog("\(apiError.status)")
                if log {
                    logger.error("request failed: \(apiError.message)", metadata: suppressed > 0 ? ["not_logged_since_last": "\(suppressed)"] : [:])
                }
            }
            return shape == .ceilometer ? JSONResponse.ceilometerError(apiError) : JSONResponse.error(apiError)
        }
    }

    /// A query handler's JSON answer, bounded by the collector's request timeout, with failures in the
    /// family's error shape.
    static func json(_ shape: Shape, _ env: APIEnvironment, _ body: @escaping @Sendable () async throws -> JSONValue) async -> Response {
        await run(shape, logger: env.logger) {
            try await bounded(seconds: env.connections.requestTimeout) { JSONResponse.make(try await body()) }
        }
    }

    /// Runs a query handler for at most `seconds`: past that the client is answered 503 (the store's work
    /// under way finishes on its own, since a store's transaction is not torn down midway).
    static func bounded(seconds: TimeInterval, _ body: @escaping @Sendable () async throws -> Response) async throws -> Response {
        try await withThrowingTaskGroup(of: Response?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let response = first else {
                throw APIError(503, "the query took longer than \(Int(seconds)) s and was abandoned; narrow its time range or filters")
            }
            return response
        }
    }

    /// JSON has no infinity: a statistic that overflowed a double is refused with the reason rather than
    /// answered as null.
    static func requireFinite(_ rows: [StatisticsRow], meter: String) throws {
        for row in rows where !(row.sum.isFinite && row.avg.isFinite && row.min.isFinite && row.max.isFinite) {
            throw APIError(422, "the statistics of \(meter) for the period starting \(WireTimestamp.format(row.periodStart)) exceed the largest number a double holds (about 1.8e308), so they cannot be answered; query shorter periods or fewer resources")
        }
    }

    static func classify(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: error
        case let error as QueryError: .badRequest(error.description)
        case let error as IngestError: APIError(error.reason.httpStatus, error.detail)
        default: APIError(500, "internal error: \(error)")
        }
    }

    /// The request body, bounded, decoded as any JSON value.
    static func jsonBody(_ request: Request, context: some RequestContext) async throws -> JSONValue {
        let buffer: NIOCore.ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw APIError(413, "request body larger than \(context.maxUploadSize) bytes")
        }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
        } catch let DecodingError.dataCorrupted(context) {
            let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? context.debugDescription
            throw APIError.badRequest("body is not valid JSON: \(detail)")
        } catch {
            throw APIError.badRequest("body is not valid JSON")
        }
    }

    /// A path segment as the client meant it: percent-decoded (the router hands segments over as sent), so
    /// `/v2/resources/a%20b` names `a b` and `%00` is seen as the NUL it is.
    static func pathParameter(_ context: some RequestContext, _ name: String) throws -> String {
        let raw = try context.parameters.require(name)
        guard let decoded = raw.removingPercentEncoding else {
            throw APIError.badRequest("'\(raw)' in the path is not valid percent-encoding")
        }
        return decoded
    }

    /// The base URL links in answers start with, from the request's Host.
    static func base(_ request: Request) -> String {
        "http://\(request.head.authority ?? "localhost")"
    }
}
