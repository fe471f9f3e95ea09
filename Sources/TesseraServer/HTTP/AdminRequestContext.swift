import Hummingbird
import NIOCore

/// The context of an admin route (`/v1/…`): made from the request's context after `AdminAuthenticationMiddleware`
/// authenticated the caller and checked the route against its role, so every handler has its principal, unwrapped
/// once here.
public struct AdminRequestContext: ChildRequestContext {
    public typealias ParentContext = TesseraRequestContext

    public var coreContext: CoreRequestContextStorage
    /// The authenticated administrator (or operator, viewer, signed-in person) making the request.
    public let principal: AdminPrincipal
    /// The peer's IP address, when known.
    public let remoteAddress: String?
    public var maxUploadSize: Int { 64 * 1024 }

    public init(context: TesseraRequestContext) throws {
        // Only reachable without a principal if a route were registered outside the authenticated group.
        guard let principal = context.admin else {
            throw ProblemDetails(.unauthorized, "Unauthorized", detail: "an admin bearer token is required")
        }
        self.coreContext = context.coreContext
        self.principal = principal
        self.remoteAddress = context.remoteAddress
    }
}
