import Hummingbird
import NIOCore

/// The context every request starts in: Hummingbird's core storage, plus the scope `AuthMiddleware` found for
/// the caller's token, which `AuthenticatedContext` then carries as a non-optional value. Only the open routes
/// (health, metrics, the OpenAPI document, signed batch ingest) are handled in this context.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthMiddleware` only; read only by `AuthenticatedContext.init`.
    var scope: AccessScope?
    /// The client's address, for limiting failed token checks per client.
    let remoteAddress: SocketAddress?

    public init(source: Source) {
        coreContext = .init(source: source)
        scope = nil
        remoteAddress = source.channel.remoteAddress
    }

    /// Batches of 20,000 samples fit; anything larger is refused before it is read whole.
    static let uploadLimit = 16 * 1024 * 1024
    public var maxUploadSize: Int { APIRequestContext.uploadLimit }
}
