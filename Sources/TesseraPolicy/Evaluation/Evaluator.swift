/// Evaluates expressions for one request against an entity store.
struct Evaluator {
    let request: Request
    let entities: Entities

    @inline(__always)
    private func typeError(_ expected: String, _ got: Value) -> CedarError {
        CedarError(.evaluation, "type error: expected \(expected), got \(got.typeName)")
    }

    func bool(_ e: Expr) throws(CedarError) -> Bool {
        let v = try eval(e)
        guard case .bool(let b) = v else { throw typeError("bool", v) }
        return b
    }

    private func long(_ e: Expr) throws(CedarError) -> Int64 {
        let v = try eval(e)
        guard case .long(let l) = v else { throw typeError("long", v) }
        return l
    }

    private func entity(_ e: Expr) throws(CedarError) -> EntityUID {
        let v = try eval(e)
        guard case .entity(let uid) = v else { throw typeError("entity", v) }
        return uid
    }

    private func set(_ e: Expr) throws(CedarError) -> Set<Value> {
        let v = try eval(e)
        guard case .set(let s) = v else { throw typeError("set", v) }
        return s
    }

    func eval(_ e: Expr) throws(CedarError) -> Value {
        switch e {
        case .value(let v):
            return v
        case .variable(let v):
            switch v {
            case .principal: return .entity(request.principal)
            case .action: return .entity(request.action)
            case .resource: return .entity(request.resource)
            case .context: return .record(request.context)
            }
        case .slot(let s):
            throw CedarError(.evaluation, "unlinked template slot \(s.rawValue)")
        case .ifThenElse(let c, let t, let f):
            return try bool(c) ? try eval(t) : try eval(f)
        case .and(let items):
            for item in items where !(try bool(item)) { return .bool(false) }
            return .bool(true)
        case .or(let items):
            for item in items where try bool(item) { return .bool(true) }
            return .bool(false)
        case .not(let a):
            return .bool(!(try bool(a)))
        case .negate(let a):
            let (v, o) = Int64(0).subtractingReportingOverflow(try long(a))
            if o { throw CedarError(.evaluation, "integer overflow in negation") }
            return .long(v)
        case .binary(let op, let a, let b):
            return try binary(op, a, b)
        case .getAttr(let target, let name):
            return try getAttr(try eval(target), name)
        case .hasAttr(let target, let name):
            switch try eval(target) {
            case .record(let r): return .bool(r[name] != nil)
            case .entity(let uid): return .bool(entities[uid]?.attributes[name] != nil)
            case let other: throw typeError("entity or record", other)
            }
        case .like(let target, let pattern):
            let v = try eval(target)
            guard case .string(let s) = v else { throw typeError("string", v) }
            return .bool(pattern.matches(s))
        case .isType(let target, let type):
            return .bool(try entity(target).type == type)
        case .set(let items):
            var out = Set<Value>(minimumCapacity: items.count)
            for item in items { out.insert(try eval(item)) }
            return .set(out)
        case .record(let entries):
            var out = [String: Value](minimumCapacity: entries.count)
            for entry in entries { out[entry.key] = try eval(entry.value) }
            return .record(out)
        case .call(let f, let args):
            var values: [Value] = []
            values.reserveCapacity(args.count)
            for a in args { values.append(try eval(a)) }
            return try f.apply(values)
        case .isEmpty(let target):
            return .bool(try set(target).isEmpty)
        }
    }

    private func getAttr(_ v: Value, _ name: String) throws(CedarError) -> Value {
        switch v {
        case .record(let r):
            guard let x = r[name] else { throw CedarError(.evaluation, "record does not have attribute `\(name)`") }
            return x
        case .entity(let uid):
            guard let ent = entities[uid] else { throw CedarError(.evaluation, "entity \(uid) does not exist") }
            guard let x = ent.attributes[name] else {
                throw CedarError(.evaluation, "entity \(uid) does not have attribute `\(name)`")
            }
            return x
        default:
            throw typeError("entity or record", v)
        }
    }

    private func binary(_ op: BinaryOp, _ a: Expr, _ b: Expr) throws(CedarError) -> Value {
        switch op {
        case .equal:
            return .bool(try eval(a) == eval(b))
        case .less, .lessEqual:
            let x = try eval(a)
            let y = try eval(b)
            let lhs: Int64
            let rhs: Int64
            switch (x, y) {
            case (.long(let l), .long(let r)): (lhs, rhs) = (l, r)
            case (.ext(.datetime(let l)), .ext(.datetime(let r))): (lhs, rhs) = (l, r)
            case (.ext(.duration(let l)), .ext(.duration(let r))): (lhs, rhs) = (l, r)
            default:
                throw CedarError(.evaluation, "type error: cannot compare \(x.typeName) with \(y.typeName)")
            }
            return .bool(op == .less ? lhs < rhs : lhs <= rhs)
        case .add, .subtract, .multiply:
            let l = try long(a)
            let r = try long(b)
            let (v, o) =
                switch op {
                case .add: l.addingReportingOverflow(r)
                case .subtract: l.subtractingReportingOverflow(r)
                default: l.multipliedReportingOverflow(by: r)
                }
            if o { throw CedarError(.evaluation, "integer overflow in `\(op.rawValue)`") }
            return .long(v)
        case .isIn:
            let lhs = try entity(a)
            let rhs = try eval(b)
            switch rhs {
            case .entity(let target):
                return .bool(entities.isIn(lhs, target))
            case .set(let items):
                var targets: [EntityUID] = []
                targets.reserveCapacity(items.count)
                for item in items {
                    guard case .entity(let t) = item else { throw typeError("set of entities", item) }
                    targets.append(t)
                }
                return .bool(targets.contains { entities.isIn(lhs, $0) })
            default:
                throw typeError("entity or set of entities", rhs)
            }
        case .contains:
            let s = try set(a)
            return .bool(s.contains(try eval(b)))
        case .containsAll:
            let s = try set(a)
            return .bool(try set(b).isSubset(of: s))
        case .containsAny:
            let s = try set(a)
            return .bool(!(try set(b).isDisjoint(with: s)))
        case .getTag, .hasTag:
            let uid = try entity(a)
            let k = try eval(b)
            guard case .string(let key) = k else { throw typeError("string", k) }
            let tag = entities[uid]?.tags[key]
            if op == .hasTag { return .bool(tag != nil) }
            guard let tag else {
                if entities[uid] == nil { throw CedarError(.evaluation, "entity \(uid) does not exist") }
                throw CedarError(.evaluation, "entity \(uid) does not have tag `\(key)`")
            }
            return tag
        }
    }
}
