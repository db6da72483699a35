import Hummingbird

/// The context of every route behind a token. The caller's scope is always present, so a handler cannot
/// forget to ask for it, nor read a missing one as "everything".
public struct AuthenticatedContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// What the caller's token may see and write.
    public let scope: AccessScope

    public init(context: APIRequestContext) throws {
        // AuthMiddleware stands in front of every group of this context and answers 401 before a request without
        // a valid token gets here; this refusal is the second lock on the same door.
        guard let scope = context.scope else { throw HTTPError(.unauthorized, message: "authentication required: send X-Auth-Token") }
        coreContext = context.coreContext
        self.scope = scope
    }

    public var maxUploadSize: Int { APIRequestContext.uploadLimit }
}

/// One family of authenticated routes (one resource, or one API's few small ones). Adding a family is a new
/// type conforming to this and one line in `APIServer.authenticatedRoutes`.
protocol AuthenticatedRoutes {
    init(environment: APIEnvironment)
    /// The family's routes, with full paths.
    var routes: RouteCollection<AuthenticatedContext> { get }
}
