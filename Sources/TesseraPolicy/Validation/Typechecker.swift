/// Cedar's strict typechecker for one request environment.
///
/// Like Cedar, it gives booleans singleton types (`True`/`False`) where it can decide them
/// and does not check code that short-circuiting makes unreachable; `has` / `hasTag` guards
/// produce capabilities that make optional attribute and tag accesses safe.
/// The first error aborts checking (the policy is invalid either way).
struct Typechecker {
    typealias Caps = Set<Capability>
    typealias Answer = (type: CedarType, caps: Caps)

    let schema: Schema
    let env: RequestEnvironment

    func fail(_ message: String) -> CedarError { CedarError(.validation, message) }

    /// Checks that `e` has a type that is (permissively) a subtype of one of `expected`.
    func expect(_ e: Expr, _ expected: [CedarType], _ prior: Caps) throws(CedarError) -> Answer {
        let a = try check(e, prior)
        guard expected.contains(where: { CedarType.isSubtype(a.type, $0, strict: false) }) else {
            throw fail("expected \(expected.map(\.description).joined(separator: " or ")), found \(a.type)")
        }
        return a
    }

    func check(_ e: Expr, _ prior: Caps) throws(CedarError) -> Answer {
        switch e {
        case .value(let v):
            return (try literalType(v), [])
        case .variable(let v):
            switch v {
            case .principal: return (.entity(env.principal), [])
            case .action: return (.entity(env.action.type), [])
            case .resource: return (.entity(env.resource), [])
            case .context: return (env.context, [])
            }
        case .slot(let s):
            let t = s == .principal ? env.principalSlot : env.resourceSlot
            return (t.map { .entity($0) } ?? .anyEntity, [])
        case .ifThenElse(let c, let t, let f):
            let test = try expect(c, [.anyBool], prior)
            if test.type == .singleton(true) {
                let then = try check(t, prior.union(test.caps))
                return (then.type, then.caps.union(test.caps))
            }
            if test.type == .singleton(false) {
                return try check(f, prior)
            }
            let then = try check(t, prior.union(test.caps))
            let other = try check(f, prior)
            guard let lub = CedarType.lub(then.type, other.type) else {
                throw fail("the branches of `if` have incompatible types \(then.type) and \(other.type)")
            }
            return (lub, other.caps.intersection(then.caps.union(test.caps)))
        case .and(let items):
            // Left fold, exactly as Cedar's binary `&&` chain.
            guard let first = items.first else { return (.singleton(true), []) }
            var left = try expect(first, [.anyBool], prior)
            for r in items.dropFirst() {
                if left.type == .singleton(false) {
                    left = (left.type, [])
                    continue
                }
                let right = try expect(r, [.anyBool], prior.union(left.caps))
                if right.type == .singleton(false) {
                    left = (.singleton(false), [])
                } else if right.type == .singleton(true) {
                    left = (left.type, left.caps.union(right.caps))
                } else if left.type == .singleton(true) {
                    left = right
                } else {
                    left = (.anyBool, left.caps.union(right.caps))
                }
            }
            return left
        case .or(let items):
            guard let first = items.first else { return (.singleton(false), []) }
            var left = try expect(first, [.anyBool], prior)
            for r in items.dropFirst() {
                if left.type == .singleton(true) { continue }
                let right = try expect(r, [.anyBool], prior)
                if right.type == .singleton(true) {
                    left = (.singleton(true), right.caps)
                } else if right.type == .singleton(false) {
                    continue
                } else if left.type == .singleton(false) {
                    left = right
                } else {
                    left = (.anyBool, left.caps.intersection(right.caps))
                }
            }
            return left
        case .not(let a):
            let arg = try expect(a, [.anyBool], prior)
            switch arg.type {
            case .bool(.yes): return (.singleton(false), [])
            case .bool(.no): return (.singleton(true), [])
            default: return (.anyBool, [])
            }
        case .negate(let a):
            _ = try expect(a, [.long], prior)
            return (.long, [])
        case .isEmpty(let a):
            _ = try expect(a, [.set(nil)], prior)
            return (.anyBool, [])
        case .like(let a, _):
            _ = try expect(a, [.string], prior)
            return (.anyBool, [])
        case .isType(let a, let type):
            let arg = try expect(a, [.anyEntity], prior)
            if case .entity(let n) = arg.type { return (.singleton(n == type), []) }
            return (.anyBool, [])
        case .getAttr(let target, let attr):
            let t = try expect(target, [.anyEntity, .anyRecord], prior)
            guard let at = attributeType(t.type, attr) else {
                throw fail("attribute `\(attr)` not found on \(t.type)")
            }
            guard at.required || prior.contains(.attribute(target, attr)) else {
                throw fail("unsafe access to optional attribute `\(attr)`; guard it with `has`")
            }
            return (at.type, [])
        case .hasAttr(let target, let attr):
            let t = try expect(target, [.anyEntity, .anyRecord], prior)
            let cap = Capability.attribute(target, attr)
            if let at = attributeType(t.type, attr) {
                let isRecord = if case .record = t.type { true } else { false }
                let known = prior.contains(cap) || (at.required && isRecord)
                return (known ? .singleton(true) : .anyBool, [cap])
            }
            return (mayHaveAttribute(t.type, attr) ? .anyBool : .singleton(false), [])
        case .set(let items):
            var lub: CedarType = .never
            for item in items {
                let a = try check(item, prior)
                guard let l = CedarType.lub(lub, a.type) else {
                    throw fail("set elements have incompatible types \(lub) and \(a.type)")
                }
                lub = l
            }
            if items.isEmpty { throw fail("empty set literals are not allowed in strict validation") }
            return (.set(lub), [])
        case .record(let entries):
            var attrs: [String: CedarType.Attr] = [:]
            for entry in entries { attrs[entry.key] = CedarType.Attr(type: try check(entry.value, prior).type, required: true) }
            return (.record(attrs, open: false), [])
        case .call(let f, let args):
            return try checkCall(f, args, prior)
        case .binary(let op, let l, let r):
            return try checkBinary(op, l, r, prior)
        }
    }

    func literalType(_ v: Value) throws(CedarError) -> CedarType {
        switch v {
        case .bool(let b): return .singleton(b)
        case .long: return .long
        case .string: return .string
        case .entity(let uid):
            if uid.isAction {
                guard schema.actions[uid] != nil else { throw fail("unknown action \(uid)") }
                return .entity(uid.type)
            }
            guard schema.entityTypes[uid.type] != nil else { throw fail("unknown entity type `\(uid.type)`") }
            return .entity(uid.type)
        case .ext(let x): return .ext(x.typeName)
        case .set, .record: throw fail("unexpected literal")
        }
    }

    /// The declared type of `attr` on an entity or record type.
    func attributeType(_ t: CedarType, _ attr: String) -> CedarType.Attr? {
        switch t {
        case .record(let attrs, _): return attrs[attr]
        case .entity(let n):
            guard let def = schema.entityTypes[n], let a = def.shape.attributes[attr] else { return nil }
            return CedarType.Attr(type: CedarType(a.type), required: a.required)
        default: return nil
        }
    }

    func mayHaveAttribute(_ t: CedarType, _ attr: String) -> Bool {
        switch t {
        case .never, .anyEntity: return true
        case .entity(let n):
            if EntityUID.isActionType(n) { return false }
            guard let def = schema.entityTypes[n] else { return true }
            return def.shape.attributes[attr] != nil
        case .record(let attrs, let open): return open || attrs[attr] != nil
        default: return false
        }
    }
}
