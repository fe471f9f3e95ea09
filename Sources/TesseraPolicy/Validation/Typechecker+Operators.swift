/// Typechecking of binary operators and extension function calls.
extension Typechecker {
    /// `action` becomes the environment's action uid so literal comparisons can be decided.
    private func literalUID(_ e: Expr) -> EntityUID? {
        switch e {
        case .variable(.action): env.action
        case .value(.entity(let uid)): uid
        default: nil
        }
    }

    private func literalValue(_ e: Expr) -> Value? {
        if case .variable(.action) = e { return .entity(env.action) }
        if case .value(let v) = e { return v }
        return nil
    }

    private func strictCompatible(_ a: CedarType, _ b: CedarType, _ what: String) throws(CedarError) {
        guard CedarType.lub(a, b) != nil else { throw fail("\(what): incompatible types \(a) and \(b)") }
    }

    private static func isComparable(_ t: CedarType) -> Bool {
        switch t {
        case .long, .ext("datetime"), .ext("duration"): true
        default: false
        }
    }

    func checkBinary(_ op: BinaryOp, _ l: Expr, _ r: Expr, _ prior: Caps) throws(CedarError) -> Answer {
        switch op {
        case .equal:
            let a = try check(l, prior).type
            let b = try check(r, prior).type
            if CedarType.disjoint(a, b) { return (.singleton(false), []) }
            if let x = literalValue(l), let y = literalValue(r) { return (.singleton(x == y), []) }
            try strictCompatible(a, b, "`==`")
            return (.anyBool, [])
        case .less, .lessEqual:
            let a = try check(l, prior).type
            let b = try check(r, prior).type
            switch (a, b) {
            case (.never, .never): throw fail("cannot compare values of unknown type")
            case (.never, let t), (let t, .never):
                guard Self.isComparable(t) else { throw fail("expected Long, datetime or duration, found \(t)") }
            default:
                guard a == b, Self.isComparable(a) else { throw fail("cannot compare \(a) with \(b)") }
            }
            return (.anyBool, [])
        case .add, .subtract, .multiply:
            _ = try expect(l, [.long], prior)
            _ = try expect(r, [.long], prior)
            return (.long, [])
        case .isIn:
            return try checkIn(l, r, prior)
        case .contains:
            let s = try expect(l, [.set(nil)], prior).type
            let x = try check(r, prior).type
            if case .set(let e?) = s { try strictCompatible(e, x, "`contains`") }
            return (.anyBool, [])
        case .containsAll, .containsAny:
            let s = try expect(l, [.set(nil)], prior).type
            let t = try expect(r, [.set(nil)], prior).type
            try strictCompatible(s, t, "`\(op.rawValue)`")
            return (.anyBool, [])
        case .hasTag:
            let t = try expect(l, [.anyEntity], prior).type
            _ = try expect(r, [.string], prior)
            let cap = Capability.tag(l, r)
            if tagTypes(t).isEmpty { return (.singleton(false), [cap]) }
            return (prior.contains(cap) ? .singleton(true) : .anyBool, [cap])
        case .getTag:
            let t = try expect(l, [.anyEntity], prior).type
            _ = try expect(r, [.string], prior)
            guard prior.contains(.tag(l, r)) else { throw fail("unsafe tag access; guard it with `hasTag`") }
            let types = tagTypes(t)
            guard var lub = types.first else { throw fail("\(t) does not allow tags") }
            for other in types.dropFirst() {
                guard let l2 = CedarType.lub(lub, other) else { throw fail("incompatible tag types") }
                lub = l2
            }
            return (lub, [])
        }
    }

    private func tagTypes(_ t: CedarType) -> [CedarType] {
        switch t {
        case .entity(let n): return schema.entityTypes[n]?.tags.map { [CedarType($0)] } ?? []
        case .anyEntity: return Array(Set(schema.entityTypes.values.compactMap { $0.tags.map(CedarType.init) }))
        default: return []
        }
    }

    private func checkIn(_ l: Expr, _ r: Expr, _ prior: Caps) throws(CedarError) -> Answer {
        let lt = try expect(l, [.anyEntity], prior).type
        let rt = try expect(r, [.set(.anyEntity), .anyEntity], prior).type
        if let lhs = literalUID(l), lhs.isAction {
            var rhs: [EntityUID]? = nil
            if let one = literalUID(r) {
                rhs = [one]
            } else if case .set(let items) = r {
                var all: [EntityUID] = []
                for item in items {
                    guard let u = literalUID(item) else {
                        all = []
                        rhs = nil
                        break
                    }
                    all.append(u)
                }
                if !items.isEmpty && all.count == items.count { rhs = all }
            }
            if let rhs {
                let actions = rhs.filter(\.isAction)
                if actions.isEmpty { return (.singleton(false), []) }
                for a in actions where schema.actions[a] == nil { throw fail("unknown action \(a)") }
                let isIn = actions.contains { $0 == lhs || schema.actionAncestors[lhs]?.contains($0) == true }
                return (.singleton(isIn), [])
            }
        }
        var rhsType: String? = nil
        switch rt {
        case .entity(let n): rhsType = n
        case .set(.entity(let n)?): rhsType = n
        default: break
        }
        if case .entity(let lhsType) = lt, let rhsType, !mayBeDescendant(lhsType, of: rhsType) {
            return (.singleton(false), [])
        }
        return (.anyBool, [])
    }

    private func mayBeDescendant(_ lhs: String, of rhs: String) -> Bool {
        if lhs == rhs || schema.descendantTypes[rhs]?.contains(lhs) == true { return true }
        // action hierarchy: some action of type `rhs` has a descendant action of type `lhs`
        for (uid, ancestors) in schema.actionAncestors where uid.type == lhs {
            if ancestors.contains(where: { $0.type == rhs }) { return true }
        }
        return false
    }

    func checkCall(_ f: ExtensionFunction, _ args: [Expr], _ prior: Caps) throws(CedarError) -> Answer {
        let sig = f.signature
        guard args.count == sig.args.count else {
            throw fail("`\(f.rawValue)` expects \(sig.args.count) argument(s), got \(args.count)")
        }
        if f.isConstructor {
            guard case .value(let v) = args[0] else {
                throw fail("extension constructor `\(f.rawValue)` needs a literal argument in strict validation")
            }
            if case .string = v {
                do { _ = try f.apply([v]) } catch { throw fail(error.reason) }
            }
        }
        for (arg, typeName) in zip(args, sig.args) {
            _ = try expect(arg, [Self.namedType(typeName)], prior)
        }
        return (Self.namedType(sig.result), [])
    }

    static func namedType(_ name: String) -> CedarType {
        switch name {
        case "String": .string
        case "Long": .long
        case "Bool": .anyBool
        default: .ext(name)
        }
    }
}
