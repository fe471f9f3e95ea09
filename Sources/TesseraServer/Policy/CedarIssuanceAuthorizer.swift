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
                policySetVersion: bundle.version, denial: granted.denial
            ).recording(Self.inventoryInput)
        }
        let owner = request.identity.owner.trimmingCharacters(in: .whitespaces)
        let cedarRequest = CedarRequestBuilder(request: request, ownerDeparted: !owner.isEmpty && departedOwners.contains(owner))
        let response: Response
        let input = Self.input(cedarRequest)
        do {
            response = try input.decide(policies: bundle.policies, store: bundle.entities)
        } catch {
            return PolicyDecision(
                outcome: .deny, reasons: ["policy input could not be built: \(error.reason)"], determiningPolicies: [],
                policySetVersion: bundle.version, denial: .policy)
        }
        let ids = response.reasons.sorted()
        let recorded = Self.recorded(input.with(decision: response.decision))
        if response.decision == .allow {
            return PolicyDecision(
                outcome: .allow, reasons: [], determiningPolicies: ids, policySetVersion: bundle.version
            ).recording(recorded)
        }
        var reasons =
            ids.isEmpty
            ? ["no policy permits this request (default deny)"] : ["forbidden by policy: \(ids.joined(separator: ", "))"]
        if !response.errors.isEmpty {
            reasons.append(
                "policies that failed to evaluate: \(response.errors.map(\.policyID).sorted().joined(separator: ", "))")
        }
        return PolicyDecision(
            outcome: .deny, reasons: reasons, determiningPolicies: ids, policySetVersion: bundle.version, denial: .policy
        ).recording(recorded)
    }

    /// The recorded input of a refusal by the inventory's grants, before any policy: no policy edit changes it.
    static let inventoryInput = #"{"stage":"inventory"}"#

    /// The request as built and its entities: the identity and task always, the owner and audience only where the
    /// policy set declares no entity of that uid (what `CedarRequestBuilder.entities(known:)` decides).
    static func input(_ builder: CedarRequestBuilder) -> DecisionInput {
        let all = builder.entities(known: Entities())
        let defaultTypes: Set<String> = ["\(CedarRequestBuilder.namespace)::Owner", "\(CedarRequestBuilder.namespace)::Audience"]
        return DecisionInput(
            request: builder.request, entities: all.filter { !defaultTypes.contains($0.uid.type) },
            defaults: all.filter { defaultTypes.contains($0.uid.type) })
    }

    /// The stored text, or nil when it would exceed the record's bound (replay then reports it as lacking an input).
    static func recorded(_ input: DecisionInput) -> String? {
        let text = input.json
        return text.utf8.count <= DecisionInput.maximumRecordedBytes ? text : nil
    }
}

extension PolicyDecision {
    /// The same decision carrying its recorded input.
    func recording(_ input: String?) -> PolicyDecision {
        var decision = self
        decision.input = input
        return decision
    }
}
