import Foundation
import HTTPTypes
import Hummingbird
import VirtmonCollector
import VirtmonModel
import VirtmonRequests

/// `POST /api/v1/batches`: agents' signed batches. Open to the token check: the batch's signature
/// authenticates it (VirtmonCollector/Transports/HTTPBatchIngest verifies and stores it).
struct BatchRoutes {
    let environment: APIEnvironment

    var routes: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        let env = environment
        let batches = HTTPBatchIngest(ingestor: env.ingestor)
        routes.post("/api/v1/batches") { request, _ in
            await RouteHandling.run(.own, logger: env.logger) {
                let buffer: ByteBuffer
                do {
                    buffer = try await request.body.collect(upTo: batches.maxBodyBytes)
                } catch {
                    throw batches.oversized
                }
                let signature = request.headers[HTTPField.Name(SignedFrame.signatureHeader)!]
                do {
                    return JSONResponse.make(try await batches.ingest(body: Data(buffer.readableBytesView), signature: signature))
                } catch let error as IngestError where error.reason == .stale {
                    // Refused only because the agent's clock is off from this one: nothing is wrong with the
                    // batch, so the agent keeps it and sends it again (stamped anew) once the clocks agree.
                    var response = JSONResponse.error(APIError(error.reason.httpStatus, error.detail))
                    response.headers[.retryAfter] = "30"
                    return response
                }
            }
        }
        return routes
    }
}
