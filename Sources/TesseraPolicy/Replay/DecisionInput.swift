/// Everything one authorization decision read, stored with its audit record so the decision can be
/// re-made exactly under another policy set (`tessera policy replay`): the request as built (principal,
/// action, resource, context), the per-request entities, and the outcome it had.
///
/// `entities` are always layered over the policy set's own entities; `defaults` only when the policy set does
/// not declare them (a server adds, e.g., a bare audience entity only when the policy folder has none).
public struct DecisionInput: Sendable {
    public let request: Request
    public let entities: [Entity]
    public let defaults: [Entity]
    /// The decision as recorded (`nil` when the input is built to be recorded before deciding).
    public let decision: Decision?

    public init(request: Request, entities: [Entity], defaults: [Entity] = [], decision: Decision? = nil) {
        self.request = request
        self.entities = entities
        self.defaults = defaults
        self.decision = decision
    }

    /// The same input with its outcome.
    public func with(decision: Decision) -> DecisionInput {
        DecisionInput(request: request, entities: entities, defaults: defaults, decision: decision)
    }

    /// The entities to decide with over `store` (a policy set's entities): `entities` always, `defaults` where
    /// the store has no entity of that uid.
    public func entities(over store: Entities) throws(CedarError) -> Entities {
        try store.overlaying(entities + defaults.filter { store[$0.uid] == nil })
    }

    /// Decides this input under `policies` with `store` as the policy set's entities.
    public func decide(policies: PolicySet, store: Entities) throws(CedarError) -> Response {
        Authorizer.isAuthorized(request, policies: policies, entities: try entities(over: store))
    }
}
