import Foundation
import TesseraCore
import TesseraPolicy

/// The decision point backed by Cedar: the inventory's grants are the ceiling, then the active policy
/// bundle decides with the identity, the audience and the request context.
public struct CedarIssuanceAuthorizer: IssuanceAuthorizer {
    public let engine: PolicyEngine
    let ceiling: GrantedScopesAuthorizer
    /// Owners who left: their identities' `Owner` entity has `status: "departed"`.
    public let departedOwners: DepartedOwners

    public init(engine: PolicyEngine, defaultAudiences: Set<String>, departedOwners: DepartedOwners = DepartedOwners()) {
        self.engine = engine
        self.ceiling = GrantedScopesAuthorizer(defaultAudiences: defaultAudiences)
        self.departedOwners = departedOwners
    }

    public func authorize(_ request: IssuanceRequest) async -> PolicyDecision {
        let bundle = engine.bundle
        let granted = await ceiling.authorize(request)
        guard granted.isAllowed else {
            return PolicyDecision(
                outcome: .deny, reasons: granted.reasons, determiningPolicies: granted.determiningPolicies,
                policySetVersion: bundle.version, denial: granted.denial)
        }
        let owner = request.identity.owner.trimmingCharacters(in: .whitespaces)
        let cedarRequest = CedarRequestBuilder(request: request, ownerDeparted: !owner.isEmpty && departedOwners.contains(owner))
        let response: Response
        do {
            let entities = try bundle.entities.overlaying(cedarRequest.entities(known: bundle.entities))
            response = Authorizer.isAuthorized(cedarRequest.request, policies: bundle.policies, entities: entities)
        } catch {
            return PolicyDecision(
                outcome: .deny, reasons: ["policy input could not be built: \(error.reason)"], determiningPolicies: [],
                policySetVersion: bundle.version, denial: .policy)
        }
        let ids = response.reasons.sorted()
        if response.decision == .allow {
            return PolicyDecision(outcome: .allow, reasons: [], determiningPolicies: ids, policySetVersion: bundle.version)
        }
        var reasons =
            ids.isEmpty
            ? ["no policy permits this request (default deny)"] : ["forbidden by policy: \(ids.joined(separator: ", "))"]
        if !response.errors.isEmpty {
            reasons.append(
                "policies that failed to evaluate: \(response.errors.map(\.policyID).sorted().joined(separator: ", "))")
        }
        return PolicyDecision(
            outcome: .deny, reasons: reasons, determiningPolicies: ids, policySetVersion: bundle.version, denial: .policy)
    }
}
