import HTTPTypes
import Hummingbird

/// gzip for answers worth it (JSON, text, the dashboard's files; 1 KiB and more) when the client accepts it:
/// the dashboard's VMs view of 1,000 VMs is a few MB of repetitive JSON, a tenth of that compressed.
struct ResponseCompression<Context: RequestContext>: RouterMiddleware {
    static var minimumBytes: Int { 1024 }
    static var compressible: [Substring] { ["application/json", "text/", "image/svg+xml"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard Gzip.isAvailable, ResponseCompression.accepts(request.headers[.acceptEncoding]),
              response.headers[.contentEncoding] == nil, let length = response.body.contentLength,
              length >= ResponseCompression.minimumBytes,
              let type = response.headers[.contentType], ResponseCompression.compressible.contains(where: { type.hasPrefix($0) })
        else { return response }
        // Bodies with a known length are whole buffers already: gather, compress, and only then say gzip.
        let collected = CollectedBody()
        try await response.body.write(collected)
        let compressed = collected.buffer.readableBytesView.withContiguousStorageIfAvailable {
            Gzip.compress(UnsafeRawBufferPointer($0))
        } ?? nil
        guard let compressed else {
            response.body = ResponseBody(byteBuffer: collected.buffer)
            return response
        }
        response.headers[.contentEncoding] = "gzip"
        response.headers[.vary] = "Accept-Encoding"
        response.body = ResponseBody(byteBuffer: ByteBuffer(bytes: compressed))
        return response
    }

    /// True when Accept-Encoding lists gzip with a weight above zero (`gzip;q=0` refuses it).
    static func accepts(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard pieces.first == "gzip" else { continue }
            let weight = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return weight > 0
        }
        return false
    }
}

/// Gathers a body's buffers so it can be compressed whole.
private final class CollectedBody: ResponseBodyWriter {
    var buffer = ByteBuffer()
    func write(_ buffer: ByteBuffer) async throws {
        var copy = buffer
        self.buffer.writeBuffer(&copy)
    }
    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
