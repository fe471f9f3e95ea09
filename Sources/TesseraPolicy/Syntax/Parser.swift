/// Recursive-descent parser for Cedar policies.
struct Parser {
    var tokens: [Token]
    var pos = 0
    var depth = 0
    /// Depth of the expression tree being built (nesting plus operator chains), bounded so that
    /// evaluation, validation and deallocation never recurse too deep.
    var treeDepth = 0

    static let reserved: Set<String> = ["true", "false", "if", "then", "else", "in", "is", "has", "like"]

    init(_ text: String) throws(CedarError) {
        tokens = try Lexer(text).tokenize()
    }

    var peek: Token { tokens[pos] }

    func peek(_ offset: Int) -> Token { tokens[min(pos + offset, tokens.count - 1)] }

    mutating func advance() -> Token {
        let t = tokens[pos]
        if pos < tokens.count - 1 { pos += 1 }
        return t
    }

    mutating func expect(_ p: String) throws(CedarError) {
        guard peek.isPunct(p) else { throw unexpected("`\(p)`") }
        pos += 1
    }

    mutating func accept(_ p: String) -> Bool {
        if peek.isPunct(p) {
            pos += 1
            return true
        }
        return false
    }

    func unexpected(_ wanted: String) -> CedarError {
        CedarError(.parse, "expected \(wanted), found `\(peek.text)`", at: peek.location)
    }

    mutating func identifier(_ what: String) throws(CedarError) -> String {
        guard case .identifier(let s) = peek.kind else { throw unexpected(what) }
        pos += 1
        return s
    }

    mutating func stringLiteral(_ what: String) throws(CedarError) -> String {
        guard case .string(let raw) = peek.kind else { throw unexpected(what) }
        let loc = peek.location
        pos += 1
        return try StringEscapes.unescape(raw, at: loc)
    }

    // MARK: policies

    /// Parses every policy in the text; ids default to `policyN` (or `@id` when `useIDAnnotations`).
    mutating func parsePolicies(useIDAnnotations: Bool) throws(CedarError) -> [Policy] {
        var policies: [Policy] = []
        while peek.kind != .eof {
            policies.append(try parsePolicy(defaultID: "policy\(policies.count)", useIDAnnotations: useIDAnnotations))
        }
        return policies
    }

    mutating func parsePolicy(defaultID: String, useIDAnnotations: Bool) throws(CedarError) -> Policy {
        let start = peek.location
        var annotations: [(key: String, value: String)] = []
        while peek.isPunct("@") {
            pos += 1
            let keyLoc = peek.location
            let key = try identifier("an annotation name")
            var value = ""
            if accept("(") {
                value = try stringLiteral("an annotation value string")
                try expect(")")
            }
            if annotations.contains(where: { $0.key == key }) {
                throw CedarError(.parse, "duplicate annotation `@\(key)`", at: keyLoc)
            }
            annotations.append((key, value))
        }
        let effectTok = peek
        let effectName = try identifier("`permit` or `forbid`")
        guard let effect = Effect(rawValue: effectName) else {
            throw CedarError(.parse, "expected `permit` or `forbid`, found `\(effectName)`", at: effectTok.location)
        }
        try expect("(")
        let principal = try parsePrincipalOrResource("principal")
        try expect(",")
        let action = try parseAction()
        try expect(",")
        let resource = try parsePrincipalOrResource("resource")
        if peek.isPunct(",") && !peek(1).isPunct(")") {
            throw CedarError(.parse, "policy scope has more than three variables", at: peek.location)
        }
        _ = accept(",")  // Cedar accepts a trailing comma
        try expect(")")
        var conditions: [Condition] = []
        while case .identifier(let word) = peek.kind {
            let loc = peek.location
            guard word == "when" || word == "unless" else {
                throw CedarError(.parse, "expected `when`, `unless` or `;`, found `\(word)`", at: loc)
            }
            pos += 1
            try expect("{")
            if peek.isPunct("}") { throw CedarError(.parse, "`\(word)` condition is empty", at: loc) }
            let body = try parseExpr()
            try expect("}")
            conditions.append(Condition(isWhen: word == "when", body: body))
        }
        try expect(";")
        let id = useIDAnnotations ? (annotations.first { $0.key == "id" }?.value ?? defaultID) : defaultID
        let policy = Policy(
            id: id, effect: effect, annotations: annotations, principal: principal, action: action, resource: resource,
            conditions: conditions, location: start)
        try checkSlots(in: policy, at: start)
        return policy
    }

    private func checkSlots(in policy: Policy, at loc: SourceLocation) throws(CedarError) {
        for c in policy.conditions where c.body.containsSlot {
            throw CedarError(.parse, "template slots may only appear in the policy scope", at: loc)
        }
    }

    mutating func parsePrincipalOrResource(_ variable: String) throws(CedarError) -> ScopeConstraint {
        let tok = peek
        guard tok.isIdent(variable) else { throw unexpected("`\(variable)`") }
        pos += 1
        if accept("==") {
            return .equal(try parseScopeEntity(variable))
        }
        if peek.isIdent("is") {
            pos += 1
            let type = try parsePath()
            if peek.isIdent("in") {
                pos += 1
                return .isTypeIn(type, try parseScopeEntity(variable))
            }
            return .isType(type)
        }
        if peek.isIdent("in") {
            pos += 1
            return .isIn(try parseScopeEntity(variable))
        }
        return .any
    }

    mutating func parseScopeEntity(_ variable: String) throws(CedarError) -> EntityReference {
        if case .slot(let name) = peek.kind {
            guard name == variable else {
                throw CedarError(.parse, "slot `?\(name)` is not allowed in the \(variable) scope", at: peek.location)
            }
            pos += 1
            return .slot(variable == "principal" ? .principal : .resource)
        }
        return .uid(try parseEntityUID())
    }

    mutating func parseAction() throws(CedarError) -> ActionConstraint {
        guard peek.isIdent("action") else { throw unexpected("`action`") }
        pos += 1
        if accept("==") {
            return .equal(try parseActionUID())
        }
        if peek.isIdent("in") {
            pos += 1
            if accept("[") {
                var uids: [EntityUID] = []
                while !peek.isPunct("]") {
                    uids.append(try parseActionUID())
                    if !accept(",") { break }
                }
                try expect("]")
                return .isIn(uids)
            }
            return .isIn([try parseActionUID()])
        }
        if peek.isIdent("is") {
            throw CedarError(.parse, "`is` is not allowed in the action scope", at: peek.location)
        }
        return .any
    }

    mutating func parseActionUID() throws(CedarError) -> EntityUID {
        let loc = peek.location
        let uid = try parseEntityUID()
        guard uid.isAction else {
            throw CedarError(.parse, "expected an action entity (type `Action`), found `\(uid)`", at: loc)
        }
        return uid
    }

    /// Rejects reserved words where Cedar requires an ordinary identifier (attribute names, record keys).
    func checkUnreserved(_ name: String, at loc: SourceLocation) throws(CedarError) {
        if Parser.reserved.contains(name) {
            throw CedarError(.parse, "this identifier is reserved and cannot be used: \(name)", at: loc)
        }
    }

    /// Rejects type paths in the reserved `__cedar` namespace.
    func checkNamespace(_ path: [String], at loc: SourceLocation) throws(CedarError) {
        if path.contains("__cedar") {
            throw CedarError(.parse, "the name `\(path.joined(separator: "::"))` contains `__cedar`, which is reserved", at: loc)
        }
    }

    /// `A::B::"id"`.
    mutating func parseEntityUID() throws(CedarError) -> EntityUID {
        let loc = peek.location
        var path: [String] = []
        while true {
            guard case .identifier(let name) = peek.kind else { throw unexpected("an entity type name") }
            if Parser.reserved.contains(name) { throw CedarError(.parse, "`\(name)` is a reserved word", at: peek.location) }
            pos += 1
            path.append(name)
            try expect("::")
            if case .string = peek.kind { break }
        }
        let id = try stringLiteral("an entity id string")
        guard !path.isEmpty else { throw CedarError(.parse, "expected an entity reference", at: loc) }
        try checkNamespace(path, at: loc)
        return EntityUID(type: path.joined(separator: "::"), id: id)
    }

    /// `A::B::C` (a type name, no trailing id).
    mutating func parsePath() throws(CedarError) -> String {
        let loc = peek.location
        var path: [String] = []
        while true {
            guard case .identifier(let name) = peek.kind else { throw unexpected("a type name") }
            if Parser.reserved.contains(name) { throw CedarError(.parse, "`\(name)` is a reserved word", at: peek.location) }
            pos += 1
            path.append(name)
            if peek.isPunct("::"), case .identifier = peek(1).kind {
                pos += 1
                continue
            }
            break
        }
        try checkNamespace(path, at: loc)
        return path.joined(separator: "::")
    }
}

extension Expr {
    var containsSlot: Bool {
        switch self {
        case .slot: true
        case .value, .variable: false
        case .ifThenElse(let a, let b, let c): a.containsSlot || b.containsSlot || c.containsSlot
        case .and(let es), .or(let es): es.contains { $0.containsSlot }
        case .binary(_, let a, let b): a.containsSlot || b.containsSlot
        case .not(let a), .negate(let a), .getAttr(let a, _), .hasAttr(let a, _), .like(let a, _), .isType(let a, _),
            .isEmpty(let a):
            a.containsSlot
        case .set(let es): es.contains { $0.containsSlot }
        case .record(let es): es.contains { $0.value.containsSlot }
        case .call(_, let args): args.contains { $0.containsSlot }
        }
    }
}
