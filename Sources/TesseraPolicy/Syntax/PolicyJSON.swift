/// Decoding of one JSON policy and its expressions.
enum PolicyJSON {
    static func fail(_ why: String, _ path: String) -> CedarError { CedarError(.parse, why, path: path) }

    static func policy(_ j: JSONValue, id: String, path: String) throws(CedarError) -> Policy {
        guard let effectName = j["effect"]?.stringValue, let effect = Effect(rawValue: effectName) else {
            throw fail("`effect` must be \"permit\" or \"forbid\"", path + ".effect")
        }
        var annotations: [(key: String, value: String)] = []
        if case .object(let members)? = j["annotations"] {
            for (k, v) in members { annotations.append((k, v.stringValue ?? "")) }
        }
        var conditions: [Condition] = []
        if case .array(let items)? = j["conditions"] {
            for (i, c) in items.enumerated() {
                let p = "\(path).conditions[\(i)]"
                guard let kind = c["kind"]?.stringValue, kind == "when" || kind == "unless", let body = c["body"] else {
                    throw fail("a condition needs `kind` (when/unless) and `body`", p)
                }
                conditions.append(Condition(isWhen: kind == "when", body: try expr(body, p + ".body", depth: 0)))
            }
        }
        let policy = Policy(
            id: id, effect: effect, annotations: annotations,
            principal: try scope(j["principal"], "principal", path + ".principal"),
            action: try action(j["action"], path + ".action"), resource: try scope(j["resource"], "resource", path + ".resource"),
            conditions: conditions, location: SourceLocation(line: 1, column: 1))
        for c in conditions where c.body.containsSlot { throw fail("template slots may only appear in the scope", path) }
        return policy
    }

    static func reference(_ j: JSONValue, _ variable: String, _ path: String) throws(CedarError) -> EntityReference {
        if let slot = j["slot"]?.stringValue {
            guard slot == "?\(variable)", let s = SlotID(rawValue: slot) else {
                throw fail("slot `\(slot)` not allowed here", path)
            }
            return .slot(s)
        }
        guard let e = j["entity"] else { throw fail("expected `entity` or `slot`", path) }
        return .uid(try ValueDecoder.entityUID(e, path: path + ".entity"))
    }

    static func scope(_ j: JSONValue?, _ variable: String, _ path: String) throws(CedarError) -> ScopeConstraint {
        guard let j, let op = j["op"]?.stringValue else { throw fail("missing `op`", path) }
        switch op {
        case "All": return .any
        case "==": return .equal(try reference(j, variable, path))
        case "in": return .isIn(try reference(j, variable, path))
        case "is":
            guard let type = j["entity_type"]?.stringValue else { throw fail("`is` needs `entity_type`", path) }
            if let inner = j["in"] { return .isTypeIn(type, try reference(inner, variable, path + ".in")) }
            return .isType(type)
        default: throw fail("unknown scope operator `\(op)`", path)
        }
    }

    static func action(_ j: JSONValue?, _ path: String) throws(CedarError) -> ActionConstraint {
        guard let j, let op = j["op"]?.stringValue else { throw fail("missing `op`", path) }
        func uid(_ v: JSONValue, _ p: String) throws(CedarError) -> EntityUID {
            let u = try ValueDecoder.entityUID(v, path: p)
            guard u.isAction else { throw fail("expected an action entity, found `\(u)`", p) }
            return u
        }
        switch op {
        case "All": return .any
        case "==":
            guard let e = j["entity"] else { throw fail("`==` needs `entity`", path) }
            return .equal(try uid(e, path + ".entity"))
        case "in":
            if let e = j["entity"] { return .isIn([try uid(e, path + ".entity")]) }
            guard case .array(let items)? = j["entities"] else { throw fail("`in` needs `entity` or `entities`", path) }
            var out: [EntityUID] = []
            for (i, item) in items.enumerated() { out.append(try uid(item, "\(path).entities[\(i)]")) }
            return .isIn(out)
        default: throw fail("unknown action operator `\(op)`", path)
        }
    }
}
