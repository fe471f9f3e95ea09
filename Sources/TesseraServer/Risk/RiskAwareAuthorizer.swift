import Foundation
import TesseraCore

/// Puts the risk assessment into every request before the policies decide (`context.risk`, `context.signals`,
/// `principal.openFindings`) and returns it with the decision for the audit record. An allowed request is learned
/// into the identity's baseline; a refused one is not (a probe from a new network stays new).
struct RiskAwareAuthorizer: IssuanceAuthorizer {
    let inner: any IssuanceAuthorizer
    let assessor: RiskAssessor

    func authorize(_ request: IssuanceRequest) async -> PolicyDecision {
        let assessment = assessor.assess(request)
        assessor.report(signals: assessment.signals, identity: request.identity, at: request.time)
        if let rule = assessor.hold(of: request.identity.clientID) {
            var held = PolicyDecision(
                outcome: .deny,
                reasons: [
                    "held by response rule \(rule): a person must approve the next issuance "
                        + "(tessera identity release \(request.identity.id) --reason ...)"
                ],
                determiningPolicies: [Self.heldPolicy(rule)], policySetVersion: PolicyDecision.responseHoldVersion,
                denial: .policy)
            held.risk = assessment
            return held
        }
        var assessed = request
        assessed.risk = assessment.level.rawValue
        assessed.signals = assessment.signals
        assessed.openFindings = assessment.openFindings
        var decision = await inner.authorize(assessed)
        decision.risk = assessment
        if decision.isAllowed { assessor.learn(request) }
        return decision
    }

    /// The deciding "policy" a hold by response rule `rule` names.
    static func heldPolicy(_ rule: String) -> String { "response:" + rule }

    /// Whether `decision` is a response hold's refusal (by its policy version: a Cedar policy may carry any id, even
    /// one that starts with `response:`).
    static func isHeld(_ decision: PolicyDecision) -> Bool { decision.policySetVersion == PolicyDecision.responseHoldVersion }
}
