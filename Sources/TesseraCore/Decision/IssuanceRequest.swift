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
    /// Assessed risk: `low`, `medium` or `high` (set by the risk assessment before the policies decide).
    public var risk: String
    /// The request signals that raised the risk (`new-network`, `new-audience`, `rate-spike`, ...).
    public var signals: [String] = []
    /// Categories of the identity's open posture findings.
    public var openFindings: [String] = []
    /// The task's stated intent, when the request belongs to a task.
    public let intent: String?
    /// How many actors stand between the original subject and this request (0 for direct requests).
    public let delegationDepth: Int
    /// The task the credential is for, when the client named one.
    public let task: WorkTask?
    /// The token exchange being decided (action `exchange_token`), if any.
    public var delegation: Delegation? = nil

    public init(
        action: String, identity: Identity, requestedScopes: [String], audience: String, grantType: String,
        sourceAddress: String?, time: Date, risk: String = "low", intent: String? = nil, delegationDepth: Int = 0,
        task: WorkTask? = nil
    ) {
        self.task = task
        self.risk = risk
        self.intent = intent
        self.delegationDepth = delegationDepth
        self.action = action
        self.identity = identity
        self.requestedScopes = requestedScopes
        self.audience = audience
        self.grantType = grantType
        self.sourceAddress = sourceAddress
        self.time = time
    }
}
