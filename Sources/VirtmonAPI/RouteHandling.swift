import Foundation
import Hummingbird
import Logging
import NIOCore
import VirtmonCollector
import VirtmonModel
import VirtmonStorage

/// Runs a handler and turns every failure into an answer in the route family's error shape; unexpected
/// failures are logged and answered 500 without crashing anything.
enum RouteHandling {
    enum Shape { case ceilometer, own }

    static func run(_ shape: Shape, logger: Logger, _ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch {
            let apiError = classify(error)
            if apiError.status >= 500 { logger.error("request failed: \(error)") }
            return shape == .ceilometer ? JSONResponse.ceilometerError(apiError) : JSONResponse.error(apiError)
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
    static func jsonBody(_ request: Request, context: APIRequestContext) async throws -> JSONValue {
        let buffer: NIOCore.ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw APIError(413, "request body larger than \(context.maxUploadSize) bytes")
        }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError.badRequest("body is not JSON: \(error.localizedDescription)")
        }
    }

    /// The base URL links in answers start with, from the request's Host.
    static func base(_ request: Request) -> String {
        "http://\(request.head.authority ?? "localhost")"
    }
}
