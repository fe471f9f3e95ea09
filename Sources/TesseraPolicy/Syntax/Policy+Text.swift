/// Printing policies and expressions back to Cedar text (e.g. for generated least-privilege
/// suggestions). Parsing the output yields the same policy.
extension Policy: CustomStringConvertible {
    /// The policy in Cedar syntax.
    public var description: String {
        var out = ""
        for a in annotations { out += "@\(a.key)(\(CedarString.quoted(a.value)))\n" }
        let scope = [Self.scope("principal", principal), actionText, Self.scope("resource", resource)]
        out += "\(effect.rawValue) (\n  " + scope.joined(separator: ",\n  ") + "\n)"
        for c in conditions { out += "\n\(c.isWhen ? "when" : "unless") { \(c.body.cedarText) }" }
        return out + ";"
    }

    private var actionText: String {
        switch action {
        case .any: "action"
        case .equal(let u): "action == \(u)"
        case .isIn(let us): "action in [\(us.map(\.description).joined(separator: ", "))]"
        }
    }

    private static func scope(_ v: String, _ c: ScopeConstraint) -> String {
        func ref(_ r: EntityReference) -> String {
            switch r {
            case .uid(let u): u.description
            case .slot(let s): s.rawValue
            }
        }
        switch c {
        case .any: return v
        case .equal(let r): return "\(v) == \(ref(r))"
        case .isIn(let r): return "\(v) in \(ref(r))"
        case .isType(let t): return "\(v) is \(t)"
        case .isTypeIn(let t, let r): return "\(v) is \(t) in \(ref(r))"
        }
    }
}

extension PolicySet: CustomStringConvertible {
    /// All templates and policies in Cedar syntax (ids as `@id` annotations when not already annotated).
    public var description: String {
        (templates + policies.filter { $0.templateID == nil }).map { p in
            p.annotation("id") == nil ? "@id(\(CedarString.quoted(p.id)))\n\(p)" : p.description
        }.joined(separator: "\n\n")
    }
}

extension Expr {
    /// The expression in Cedar syntax, parenthesized so that it parses back to the same tree.
    public var cedarText: String {
        switch self {
        case .value(let v): return Self.literal(v)
        case .variable(let v): return v.rawValue
        case .slot(let s): return s.rawValue
        case .ifThenElse(let c, let t, let e): return "if \(c.cedarText) then \(t.cedarText) else \(e.cedarText)"
        case .and(let es): return es.map(\.operand).joined(separator: " && ")
        case .or(let es): return es.map(\.operand).joined(separator: " || ")
        case .not(let a): return "!\(a.operand)"
        case .negate(.value(.long(let l))) where l >= 0: return "-(\(l))"  // not the literal -l
        case .negate(let a): return "-\(a.operand)"
        case .binary(let op, let l, let r):
            switch op {
            case .contains, .containsAll, .containsAny, .getTag, .hasTag: return "\(l.operand).\(op.rawValue)(\(r.cedarText))"
            default: return "\(l.operand) \(op.rawValue) \(r.operand)"
            }
        case .getAttr(let t, let a): return "\(t.operand)[\(CedarString.quoted(a))]"
        case .hasAttr(let t, let a): return "\(t.operand) has \(CedarString.quoted(a))"
        case .like(let t, let p): return "\(t.operand) like \(p.cedarText)"
        case .isType(let t, let type): return "\(t.operand) is \(type)"
        case .set(let es): return "[" + es.map(\.cedarText).joined(separator: ", ") + "]"
        case .record(let es):
            return "{" + es.map { "\(CedarString.quoted($0.key)): \($0.value.cedarText)" }.joined(separator: ", ") + "}"
        case .call(let f, let args):
            if f.isConstructor { return "\(f.rawValue)(\(args.map(\.cedarText).joined(separator: ", ")))" }
            guard let receiver = args.first else { return "\(f.rawValue)()" }
            return "\(receiver.operand).\(f.rawValue)(\(args.dropFirst().map(\.cedarText).joined(separator: ", ")))"
        case .isEmpty(let a): return "\(a.operand).isEmpty()"
        }
    }

    /// The text of this expression when used as an operand: atomic forms bare, everything else parenthesized.
    private var operand: String {
        switch self {
        case .value(.long(let l)) where l < 0: return "(\(cedarText))"
        case .value, .variable, .slot, .set, .record, .call, .getAttr, .isEmpty: return cedarText
        case .binary(let op, _, _) where [.contains, .containsAll, .containsAny, .getTag, .hasTag].contains(op): return cedarText
        default: return "(\(cedarText))"
        }
    }

    private static func literal(_ v: Value) -> String {
        switch v {
        case .set(let items): return "[" + items.map { literal($0) }.sorted().joined(separator: ", ") + "]"
        case .record(let r):
            return "{" + r.keys.sorted().map { "\(CedarString.quoted($0)): \(literal(r[$0]!))" }.joined(separator: ", ") + "}"
        default: return v.description
        }
    }
}

extension LikePattern {
    /// The pattern as a Cedar string literal (`*` wildcards, `\*` literal stars).
    var cedarText: String {
        var out = String.UnicodeScalarView()
        out.append("\"")
        for piece in pieces {
            switch piece {
            case .wildcard: out.append("*")
            case .char("*"): out.append(contentsOf: "\\*".unicodeScalars)
            case .char(let c):
                // Escape like a string literal, without the surrounding quotes (scalar-wise: a
                // combining mark must not merge with the quote).
                let quoted = Array(CedarString.quoted(String(c)).unicodeScalars)
                out.append(contentsOf: quoted[1..<(quoted.count - 1)])
            }
        }
        out.append("\"")
        return String(out)
    }
}
