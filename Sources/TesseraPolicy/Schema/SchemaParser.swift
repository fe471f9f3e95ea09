/// Parser for the human-readable `.cedarschema` format.
struct SchemaParser {
    private var tokens: [Token]
    private var pos = 0
    private var depth = 0

    init(_ text: String) throws(CedarError) {
        do {
            tokens = try Lexer(text, schemaMode: true).tokenize()
        } catch {
            throw CedarError(.schema, error.reason, line: error.line, column: error.column)
        }
    }

    private var peek: Token { tokens[pos] }

    private func fail(_ wanted: String) -> CedarError {
        CedarError(.schema, "expected \(wanted), found `\(peek.text)`", at: peek.location)
    }

    private mutating func expect(_ p: String) throws(CedarError) {
        guard peek.isPunct(p) else { throw fail("`\(p)`") }
        pos += 1
    }

    private mutating func accept(_ p: String) -> Bool {
        if peek.isPunct(p) {
            pos += 1
            return true
        }
        return false
    }

    private mutating func ident(_ what: String) throws(CedarError) -> String {
        guard case .identifier(let s) = peek.kind else { throw fail(what) }
        if Parser.reserved.contains(s) { throw CedarError(.schema, "`\(s)` is a reserved identifier", at: peek.location) }
        pos += 1
        return s
    }

    private mutating func string() throws(CedarError) -> String {
        guard case .string(let raw) = peek.kind else { throw fail("a string") }
        let loc = peek.location
        pos += 1
        do { return try StringEscapes.unescape(raw, at: loc) } catch { throw CedarError(.schema, error.reason, at: loc) }
    }

    private mutating func name() throws(CedarError) -> String {
        if case .string = peek.kind { return try string() }
        return try ident("a name")
    }

    private mutating func path() throws(CedarError) -> String {
        var parts = [try ident("a type name")]
        while peek.isPunct("::"), case .identifier = tokens[pos + 1].kind {
            pos += 1
            parts.append(try ident("a type name"))
        }
        return parts.joined(separator: "::")
    }

    private mutating func skipAnnotations() throws(CedarError) {
        while accept("@") {
            guard case .identifier = peek.kind else { throw fail("an annotation name") }  // any word, even reserved ones
            pos += 1
            if accept("(") {
                _ = try string()
                try expect(")")
            }
        }
    }

    mutating func parse() throws(CedarError) -> RawSchema {
        var schema = RawSchema()
        var global = RawSchema.Namespace(name: "")
        while peek.kind != .eof {
            try skipAnnotations()
            if peek.isIdent("namespace") {
                pos += 1
                let loc = peek.location
                var ns = RawSchema.Namespace(name: try path())
                if ns.name.split(separator: ":").contains("__cedar") {
                    throw CedarError(.schema, "use of the reserved `__cedar` namespace", at: loc)
                }
                if schema.namespaces.contains(where: { $0.name == ns.name }) {
                    throw CedarError(.schema, "duplicate namespace `\(ns.name)`", at: loc)
                }
                try expect("{")
                while !peek.isPunct("}") {
                    guard peek.kind != .eof else { throw fail("`}`") }
                    try skipAnnotations()
                    try declaration(into: &ns)
                }
                pos += 1
                schema.namespaces.append(ns)
            } else {
                try declaration(into: &global)
            }
        }
        schema.namespaces.insert(global, at: 0)
        return schema
    }

    private mutating func declaration(into ns: inout RawSchema.Namespace) throws(CedarError) {
        let loc = peek.location
        let keyword = try ident("`entity`, `action`, `type` or `namespace`")
        switch keyword {
        case "entity":
            var names = [try ident("an entity type name")]
            while accept(",") { names.append(try ident("an entity type name")) }
            for n in names where n == "Action" || n == "__cedar" {
                throw CedarError(.schema, "`\(n)` cannot be declared as an entity type", at: loc)
            }
            if peek.isIdent("enum") {
                pos += 1
                try expect("[")
                var ids = [try string()]
                while accept(",") { ids.append(try string()) }
                try expect("]")
                try expect(";")
                for n in names {
                    ns.entities.append(
                        RawSchema.RawEntity(name: n, memberOf: [], shape: [:], tags: nil, enumIDs: ids, location: loc))
                }
                return
            }
            var parents: [String] = []
            if peek.isIdent("in") {
                pos += 1
                parents = try typeList()
            }
            var shape: [String: RawSchema.RawAttribute] = [:]
            _ = accept("=")
            if peek.isPunct("{") { shape = try recordBody() }
            var tags: RawSchema.RawType? = nil
            if peek.isIdent("tags") {
                pos += 1
                tags = try type()
            }
            try expect(";")
            for n in names {
                ns.entities.append(
                    RawSchema.RawEntity(name: n, memberOf: parents, shape: shape, tags: tags, enumIDs: nil, location: loc))
            }
        case "action":
            var names = [try name()]
            while accept(",") { names.append(try name()) }
            var parents: [RawSchema.RawActionRef] = []
            if peek.isIdent("in") {
                pos += 1
                if accept("[") {
                    if !peek.isPunct("]") {
                        repeat { parents.append(try actionRef()) } while accept(",")
                    }
                    try expect("]")
                } else {
                    parents.append(try actionRef())
                }
            }
            var principals: [String] = []
            var resources: [String] = []
            var context: RawSchema.RawType? = nil
            if peek.isIdent("appliesTo") {
                pos += 1
                try expect("{")
                var seen = Set<String>()
                repeat {
                    let keyLoc = peek.location
                    let key = try ident("`principal`, `resource` or `context`")
                    guard seen.insert(key).inserted else {
                        throw CedarError(.schema, "duplicate `\(key)` in appliesTo", at: keyLoc)
                    }
                    try expect(":")
                    switch key {
                    case "principal": principals = try typeList()
                    case "resource": resources = try typeList()
                    case "context": context = try type()
                    default: throw CedarError(.schema, "unexpected `\(key)` in appliesTo", at: keyLoc)
                    }
                    if !accept(",") { break }
                } while !peek.isPunct("}")
                try expect("}")
                for (key, list) in [("principal", principals), ("resource", resources)] {
                    if !seen.contains(key) { throw CedarError(.schema, "missing `\(key)` declaration in appliesTo", at: loc) }
                    if list.isEmpty { throw CedarError(.schema, "`\(key)` is `[]`, which is invalid", at: loc) }
                }
            }
            if peek.isIdent("attributes") { throw CedarError(.schema, "action attributes are not supported", at: peek.location) }
            try expect(";")
            for n in names {
                ns.actions.append(
                    RawSchema.RawAction(
                        id: n, memberOf: parents, principals: principals, resources: resources,
                        context: context, location: loc))
            }
        case "type":
            let nameLoc = peek.location
            let n = try ident("a type name")
            if ["Bool", "Boolean", "Entity", "Extension", "Long", "Record", "Set", "String", "__cedar"].contains(n) {
                throw CedarError(.schema, "this uses a reserved schema keyword: `\(n)`", at: nameLoc)
            }
            try expect("=")
            let t = try type()
            try expect(";")
            ns.commonTypes.append((n, t, loc))
        default:
            throw CedarError(.schema, "expected `entity`, `action`, `type` or `namespace`, found `\(keyword)`", at: loc)
        }
    }

    private mutating func actionRef() throws(CedarError) -> RawSchema.RawActionRef {
        if case .string = peek.kind { return RawSchema.RawActionRef(type: nil, id: try string()) }
        var parts = [try ident("an action name")]
        while accept("::") {
            if case .string = peek.kind {
                return RawSchema.RawActionRef(type: parts.joined(separator: "::"), id: try string())
            }
            parts.append(try ident("an action name"))
        }
        guard parts.count == 1 else { throw fail("an action reference") }
        return RawSchema.RawActionRef(type: nil, id: parts[0])
    }

    private mutating func typeList() throws(CedarError) -> [String] {
        if accept("[") {
            var out: [String] = []
            if !peek.isPunct("]") {
                repeat { out.append(try path()) } while accept(",")
            }
            try expect("]")
            return out
        }
        return [try path()]
    }

    private mutating func type() throws(CedarError) -> RawSchema.RawType {
        depth += 1
        defer { depth -= 1 }
        guard depth < CedarLimits.maxDepth else { throw CedarError(.limit, "schema type nesting too deep", at: peek.location) }
        if peek.isPunct("{") { return .record(try recordBody()) }
        let loc = peek.location
        let p = try path()
        if p == "Set" && peek.isPunct("<") {
            pos += 1
            let element = try type()
            try expect(">")
            return .set(element)
        }
        return .name(p, loc)
    }

    private mutating func recordBody() throws(CedarError) -> [String: RawSchema.RawAttribute] {
        try expect("{")
        var attrs: [String: RawSchema.RawAttribute] = [:]
        while !peek.isPunct("}") {
            try skipAnnotations()
            let n = try name()
            let optional = accept("?")
            try expect(":")
            // Like Cedar, a repeated attribute replaces the earlier one.
            attrs[n] = RawSchema.RawAttribute(type: try type(), required: !optional)
            if !accept(",") { break }
        }
        try expect("}")
        return attrs
    }
}
