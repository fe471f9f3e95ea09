/// Strict validation (type checking) of policies against a schema, following Cedar's rules:
/// every entity type and action a policy names must be declared (and enumerated ids valid),
/// the scope must match at least one (principal, action, resource) the schema allows, and the
/// policy must typecheck in every request environment the schema defines.
public enum Validator {
    /// Validates every static policy and template in `policies` against `schema`.
    public static func validate(_ policies: PolicySet, schema: Schema) -> ValidationResult {
        var errors: [ValidationIssue] = []
        var warnings: [ValidationIssue] = []
        for p in policies.templates + policies.policies where p.templateID == nil {
            let (e, w) = check(p, schema: schema)
            errors += e
            warnings += w
        }
        for p in policies.policies where p.templateID != nil {
            errors.append(contentsOf: validateLinkedSlots(p, schema: schema))
        }
        return ValidationResult(errors: errors, warnings: warnings)
    }

    /// Validates one policy or template; returns its errors.
    public static func validate(_ policy: Policy, schema: Schema) -> [ValidationIssue] {
        check(policy, schema: schema).errors
    }

    private static func check(_ policy: Policy, schema: Schema) -> (errors: [ValidationIssue], warnings: [ValidationIssue]) {
        func issue(_ m: String) -> ValidationIssue {
            ValidationIssue(policyID: policy.id, message: m, location: policy.location, source: policy.source)
        }
        var messages: [String] = []
        messages.append(contentsOf: checkNames(policy, schema))
        if let m = checkActionApplication(policy, schema) { messages.append(m) }
        let (typeError, alwaysFalse) = typecheck(policy, schema)
        if let typeError { messages.append(typeError) }
        let warnings =
            messages.isEmpty && alwaysFalse
            ? [issue("impossible policy: it evaluates to false for every request the schema allows")] : []
        return (messages.map(issue), warnings)
    }

    private static func validateLinkedSlots(_ policy: Policy, schema: Schema) -> [ValidationIssue] {
        var out: [ValidationIssue] = []
        for c in [policy.principal, policy.resource] {
            let uid: EntityUID? =
                switch c {
                case .equal(.uid(let u)), .isIn(.uid(let u)), .isTypeIn(_, .uid(let u)): u
                default: nil
                }
            if let uid, !schema.isKnownEntityType(uid.type) && !uid.isAction {
                out.append(
                    ValidationIssue(
                        policyID: policy.id, message: "unknown entity type `\(uid.type)`", location: policy.location,
                        source: policy.source))
            }
        }
        return out
    }

    /// The whole condition as Cedar sees it: `principal-scope && (action-scope && (resource-scope && body))`.
    static func condition(_ p: Policy) -> Expr {
        func scope(_ v: Variable, _ c: ScopeConstraint) -> Expr {
            func ref(_ r: EntityReference) -> Expr {
                switch r {
                case .uid(let u): .value(.entity(u))
                case .slot(let s): .slot(s)
                }
            }
            switch c {
            case .any: return .value(.bool(true))
            case .equal(let r): return .binary(.equal, .variable(v), ref(r))
            case .isIn(let r): return .binary(.isIn, .variable(v), ref(r))
            case .isType(let t): return .isType(.variable(v), t)
            case .isTypeIn(let t, let r): return .and([.isType(.variable(v), t), .binary(.isIn, .variable(v), ref(r))])
            }
        }
        let action: Expr =
            switch p.action {
            case .any: .value(.bool(true))
            case .equal(let u): .binary(.equal, .variable(.action), .value(.entity(u)))
            case .isIn(let us): .binary(.isIn, .variable(.action), .set(us.map { .value(.entity($0)) }))
            }
        let rest: Expr = .and([action, .and([scope(.resource, p.resource), p.body ?? .value(.bool(true))])])
        return .and([scope(.principal, p.principal), rest])
    }

    /// Unknown entity types, unknown actions and invalid enumerated ids anywhere in the policy.
    private static func checkNames(_ p: Policy, _ schema: Schema) -> [String] {
        var uids: [EntityUID] = []
        var types: [String] = []
        for c in [p.principal, p.resource] {
            switch c {
            case .equal(.uid(let u)), .isIn(.uid(let u)): uids.append(u)
            case .isType(let t): types.append(t)
            case .isTypeIn(let t, let r):
                types.append(t)
                if case .uid(let u) = r { uids.append(u) }
            default: break
            }
        }
        switch p.action {
        case .any: break
        case .equal(let u): uids.append(u)
        case .isIn(let us): uids.append(contentsOf: us)
        }
        p.body?.collectNames(uids: &uids, types: &types)
        var out: [String] = []
        for t in types + uids.map(\.type) where !(EntityUID.isActionType(t) || schema.entityTypes[t] != nil) {
            out.append("unrecognized entity type `\(t)`")
        }
        for u in uids {
            if u.isAction {
                if schema.actions[u] == nil { out.append("unrecognized action \(u)") }
            } else if let ids = schema.entityTypes[u.type]?.enumIDs, !ids.contains(u.id) {
                out.append("\(u) is not a valid enumerated entity")
            }
        }
        return out
    }

    private static func typesSatisfying(_ c: ScopeConstraint, _ schema: Schema) -> Set<String> {
        let all = Set(schema.entityTypes.keys)
        func typesIn(_ t: String) -> Set<String> { (schema.descendantTypes[t] ?? []).union([t]) }
        switch c {
        case .any, .equal(.slot), .isIn(.slot): return all
        case .equal(.uid(let u)): return [u.type]
        case .isIn(.uid(let u)): return typesIn(u.type)
        case .isType(let t), .isTypeIn(let t, .slot): return schema.isKnownEntityType(t) ? [t] : []
        case .isTypeIn(let t, .uid(let u)): return typesIn(u.type).filter { $0 == t }
        }
    }

    private static func actionsSatisfying(_ c: ActionConstraint, _ schema: Schema) -> [ActionDefinition] {
        switch c {
        case .any: return Array(schema.actions.values)
        case .equal(let u): return schema.actions[u].map { [$0] } ?? []
        case .isIn(let us):
            guard us.allSatisfy({ schema.actions[$0] != nil }) else { return [] }
            let targets = Set(us)
            return schema.actions.values.filter {
                targets.contains($0.uid) || !(schema.actionAncestors[$0.uid] ?? []).isDisjoint(with: targets)
            }
        }
    }

    /// Cedar's "invalid action application": no action in scope applies to a principal and resource in scope.
    private static func checkActionApplication(_ p: Policy, _ schema: Schema) -> String? {
        let principals = typesSatisfying(p.principal, schema)
        let resources = typesSatisfying(p.resource, schema)
        let ok = actionsSatisfying(p.action, schema).contains { a in
            !principals.isDisjoint(with: a.principalTypes) && !resources.isDisjoint(with: a.resourceTypes)
        }
        return ok ? nil : "unable to find an applicable action given the policy scope constraints"
    }

    private static func slotLinks(_ c: ScopeConstraint, _ varType: String, _ schema: Schema) -> [String?] {
        guard c.slot != nil else { return [nil] }
        switch c {
        case .equal: return [varType]
        case .isIn, .isTypeIn:
            return schema.entityTypes.keys.filter { schema.descendantTypes[$0]?.contains(varType) == true } + [varType]
        default: return Array(schema.entityTypes.keys)
        }
    }

    /// Typechecks the policy in every request environment; returns the first error, and whether the
    /// condition has type `False` in every environment (Cedar's "impossible policy" warning).
    private static func typecheck(_ p: Policy, _ schema: Schema) -> (error: String?, alwaysFalse: Bool) {
        let cond = condition(p)
        var alwaysFalse = true
        for action in schema.actions.values.sorted(by: { $0.uid.id < $1.uid.id }) {
            let context = CedarType(action.context)
            for principal in action.principalTypes {
                for resource in action.resourceTypes {
                    for ps in slotLinks(p.principal, principal, schema) {
                        for rs in slotLinks(p.resource, resource, schema) {
                            let env = RequestEnvironment(
                                principal: principal, action: action.uid, resource: resource,
                                context: context, principalSlot: ps, resourceSlot: rs)
                            do {
                                let answer = try Typechecker(schema: schema, env: env).expect(cond, [.anyBool], [])
                                if answer.type != .singleton(false) { alwaysFalse = false }
                            } catch {
                                let message =
                                    "\(error.reason) (principal \(principal), action \(action.uid), resource \(resource))"
                                return (message, false)
                            }
                        }
                    }
                }
            }
        }
        return (nil, alwaysFalse)
    }
}

extension Expr {
    /// Collects entity uid literals and `is` type names.
    func collectNames(uids: inout [EntityUID], types: inout [String]) {
        switch self {
        case .value(.entity(let u)): uids.append(u)
        case .value, .variable, .slot: break
        case .isType(let a, let t):
            types.append(t)
            a.collectNames(uids: &uids, types: &types)
        case .ifThenElse(let a, let b, let c):
            for x in [a, b, c] { x.collectNames(uids: &uids, types: &types) }
        case .and(let es), .or(let es): for x in es { x.collectNames(uids: &uids, types: &types) }
        case .binary(_, let a, let b):
            a.collectNames(uids: &uids, types: &types)
            b.collectNames(uids: &uids, types: &types)
        case .not(let a), .negate(let a), .getAttr(let a, _), .hasAttr(let a, _), .like(let a, _), .isEmpty(let a):
            a.collectNames(uids: &uids, types: &types)
        case .set(let es): for x in es { x.collectNames(uids: &uids, types: &types) }
        case .record(let es): for x in es { x.value.collectNames(uids: &uids, types: &types) }
        case .call(_, let args): for x in args { x.collectNames(uids: &uids, types: &types) }
        }
    }
}
