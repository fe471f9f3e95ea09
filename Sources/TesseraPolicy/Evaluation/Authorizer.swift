/// Answers authorization requests: forbid overrides permit, default deny, erroring policies are skipped.
public enum Authorizer {
    /// Decides `request` against `policies` and `entities`.
    public static func isAuthorized(_ request: Request, policies: PolicySet, entities: Entities) -> Response {
        let evaluator = Evaluator(request: request, entities: entities)
        var permits: [String] = []
        var forbids: [String] = []
        var errors: [PolicyEvaluationError] = []
        for i in policies.index.candidates(request, entities) {
            let policy = policies.policies[Int(i)]
            guard scopeMatches(policy, request, entities) else { continue }
            if let body = policy.body {
                do {
                    guard try evaluator.bool(body) else { continue }
                } catch {
                    errors.append(PolicyEvaluationError(policyID: policy.id, message: error.reason))
                    continue
                }
            }
            if policy.effect == .forbid { forbids.append(policy.id) } else { permits.append(policy.id) }
        }
        if !forbids.isEmpty { return Response(decision: .deny, reasons: forbids, errors: errors) }
        if !permits.isEmpty { return Response(decision: .allow, reasons: permits, errors: errors) }
        return Response(decision: .deny, reasons: [], errors: errors)
    }

    @inline(__always)
    static func scopeMatches(_ p: Policy, _ r: Request, _ entities: Entities) -> Bool {
        matches(p.principal, r.principal, entities) && matches(p.resource, r.resource, entities)
            && {
                switch p.action {
                case .any: true
                case .equal(let u): r.action == u
                case .isIn(let us): us.contains { entities.isIn(r.action, $0) }
                }
            }()
    }

    @inline(__always)
    private static func matches(_ c: ScopeConstraint, _ uid: EntityUID, _ entities: Entities) -> Bool {
        switch c {
        case .any: true
        case .equal(.uid(let u)): uid == u
        case .isIn(.uid(let u)): entities.isIn(uid, u)
        case .isType(let t): uid.type == t
        case .isTypeIn(let t, .uid(let u)): uid.type == t && entities.isIn(uid, u)
        case .equal(.slot), .isIn(.slot), .isTypeIn(_, .slot): false
        }
    }
}
