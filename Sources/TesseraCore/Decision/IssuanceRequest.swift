import Foundation

/// Everything the decision point knows about a credential request.
public struct IssuanceRequest: Sendable {
    /// The operation, e.g. `issue_token`.
    public let action: String
    /// The requesting identity, already authenticated.
    public let identity: Identity
    /// Scopes the client asked for (after defaulting).
    public let requestedScopes: [String]
    /// The destination (token audience).
    public let audience: String
    /// The OAuth grant type used.
    public let grantType: String
    /// The caller's network address, when known.
    public let sourceAddress: String?
    /// When the request is being decided.
    public let time: Date

    public init(
        action: String, identity: Identity, requestedScopes: [String], audience: String, grantType: String,
        sourceAddress: String?, time: Date
    ) {
        self.action = action
        self.identity = identity
        self.requestedScopes = requestedScopes
        self.audience = audience
        self.grantType = grantType
        self.sourceAddress = sourceAddress
        self.time = time
    }
}
