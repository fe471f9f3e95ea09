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
        if peek.isPunct(p) { pos += 1; return true }
        return false
    }

    private mutating func ident(_ what: String) throws(CedarError) -> String {
        guard case .identifier(let s) = peek.kind else { throw fail(what) }
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
            _ = try ident("an annotation name")
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
                var ns = RawSchema.Namespace(name: try path())
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
            if peek.isIdent("enum") {
                pos += 1
                try expect("[")
                var ids = [try string()]
                while accept(",") { ids.append(try string()) }
                try expect("]")
                try expect(";")
                for n in names {
                    ns.entities.append(RawSchema.RawEntity(name: n, memberOf: [], shape: [:], tags: nil, enumIDs: ids, location: loc))
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
                ns.entities.append(RawSchema.RawEntity(name: n, memberOf: parents, shape: shape, tags: tags, enumIDs: nil, location: loc))
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
                while !peek.isPunct("}") {
                    let key = try ident("`principal`, `resource` or `context`")
                    try expect(":")
                    switch key {
                    case "principal": principals = try typeList()
                    case "resource": resources = try typeList()
                    case "context": context = try type()
                    default: throw CedarError(.schema, "unexpected `\(key)` in appliesTo", at: loc)
                    }
                    if !accept(",") { break }
                }
                try expect("}")
            }
            if peek.isIdent("attributes") { throw CedarError(.schema, "action attributes are not supported", at: peek.location) }
            try expect(";")
            for n in names {
                ns.actions.append(RawSchema.RawAction(id: n, memberOf: parents, principals: principals, resources: resources,
                                                      context: context, location: loc))
            }
        case "type":
            let n = try ident("a type name")
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
            let loc = peek.location
            let n = try name()
            let optional = accept("?")
            try expect(":")
            let t = try type()
            guard attrs[n] == nil else { throw CedarError(.schema, "duplicate attribute `\(n)`", at: loc) }
            attrs[n] = RawSchema.RawAttribute(type: t, required: !optional)
            if !accept(",") { break }
        }
        try expect("}")
        return attrs
    }
}
