/// The outcome of an authorization decision, with the reasons that determined it.
public struct PolicyDecision: Sendable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        case allow
        case deny
    }

    public let outcome: Outcome
    /// Human-readable reasons, safe to return to the caller.
    public let reasons: [String]
    /// Identifiers of the rules or policies that determined the outcome.
    public let determiningPolicies: [String]
    /// The version of the rule set that decided (e.g. a policy-set digest).
    public let policySetVersion: String
    /// The `policySetVersion` of a refusal by a response rule's hold (docs/risk.md): no policy decided it.
    public static let responseHoldVersion = "response-rules"

    /// What kind of rule denied, so the caller can answer with the right error (`invalid_scope`, ...).
    public enum Denial: String, Sendable {
        case scope
        case audience
        case policy
    }

    public let denial: Denial?
    /// The decision's complete input as compact JSON (the Cedar request, the entities it used and the outcome), for
    /// the audit record's `decision_input` so `tessera policy replay` can re-decide it; nil when not recorded.
    public var input: String? = nil

    /// The risk assessment the policies saw, when one was made (recorded with the decision).
    public var risk: RiskAssessment? = nil

    public init(
        outcome: Outcome, reasons: [String], determiningPolicies: [String], policySetVersion: String,
        denial: Denial? = nil
    ) {
        self.denial = outcome == .deny ? (denial ?? .policy) : nil
        self.outcome = outcome
        self.reasons = reasons
        self.determiningPolicies = determiningPolicies
        self.policySetVersion = policySetVersion
    }

    public var isAllowed: Bool { outcome == .allow }
}

/// The decision point called on every issuance. The Cedar engine plugs in here.
public protocol IssuanceAuthorizer: Sendable {
    func authorize(_ request: IssuanceRequest) async -> PolicyDecision
}
