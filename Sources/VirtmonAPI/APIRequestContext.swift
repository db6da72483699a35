import Hummingbird

/// The per-request context: Hummingbird's core storage plus the caller's scope, set by `AuthMiddleware`.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Nil until the middleware has authorised the request (open routes keep it nil).
    public var scope: AccessScope?

    public init(source: Source) {
        coreContext = .init(source: source)
        scope = nil
    }

    /// Batches of 20,000 samples fit; anything larger is refused before it is read whole.
    public var maxUploadSize: Int { 16 * 1024 * 1024 }
}
