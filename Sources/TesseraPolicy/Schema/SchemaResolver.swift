/// Resolves names in a `RawSchema` (common types, entity types, builtins, action references).
struct SchemaResolver {
    let raw: RawSchema
    private var commonTypes: [String: RawSchema.RawType] = [:]
    private var entityNames = Set<String>()

    static let builtins: [String: SchemaType] = [
        "Bool": .bool, "Boolean": .bool, "Long": .long, "String": .string,
        "ipaddr": .ext("ipaddr"), "decimal": .ext("decimal"), "datetime": .ext("datetime"), "duration": .ext("duration"),
    ]

    init(_ raw: RawSchema) throws(CedarError) {
        self.raw = raw
        for ns in raw.namespaces {
            for e in ns.entities {
                let full = SchemaResolver.qualify(ns.name, e.name)
                guard entityNames.insert(full).inserted else {
                    throw CedarError(
                        .schema, "duplicate entity type `\(full)`", line: e.location?.line, column: e.location?.column)
                }
            }
            for (n, t, loc) in ns.commonTypes {
                let full = SchemaResolver.qualify(ns.name, n)
                guard commonTypes[full] == nil else {
                    throw CedarError(.schema, "duplicate common type `\(full)`", line: loc?.line, column: loc?.column)
                }
                commonTypes[full] = t
            }
        }
    }

    static func namespace(of name: String) -> String {
        let parts = name.split(separator: ":", omittingEmptySubsequences: true)
        return parts.dropLast().joined(separator: "::")
    }

    static func qualify(_ ns: String, _ name: String) -> String { ns.isEmpty ? name : "\(ns)::\(name)" }

    func resolve() throws(CedarError) -> Schema {
        var entityTypes: [String: EntityTypeDefinition] = [:]
        var actions: [EntityUID: ActionDefinition] = [:]
        for ns in raw.namespaces {
            for e in ns.entities {
                let full = SchemaResolver.qualify(ns.name, e.name)
                var parents: [String] = []
                for p in e.memberOf { parents.append(try entityType(p, in: ns.name, at: e.location)) }
                let shape = try record(e.shape, in: ns.name, depth: 0)
                let tags = try e.tags.map { (t) throws(CedarError) -> SchemaType in try type(t, in: ns.name, depth: 0) }
                entityTypes[full] = EntityTypeDefinition(
                    name: full, memberOf: parents, shape: shape, tags: tags, enumIDs: e.enumIDs)
            }
        }
        for ns in raw.namespaces {
            let actionType = SchemaResolver.qualify(ns.name, "Action")
            for a in ns.actions {
                let uid = EntityUID(type: actionType, id: a.id)
                guard actions[uid] == nil else {
                    throw CedarError(.schema, "duplicate action `\(uid)`", line: a.location?.line, column: a.location?.column)
                }
                let parents = a.memberOf.map { ref in
                    EntityUID(type: ref.type.map { $0 == "Action" ? actionType : $0 } ?? actionType, id: ref.id)
                }
                var principals: [String] = []
                for p in a.principals { principals.append(try entityType(p, in: ns.name, at: a.location)) }
                var resources: [String] = []
                for r in a.resources { resources.append(try entityType(r, in: ns.name, at: a.location)) }
                var context = RecordType(attributes: [:])
                if let c = a.context {
                    guard case .record(let rt) = try type(c, in: ns.name, depth: 0) else {
                        throw CedarError(
                            .schema, "context of action `\(uid)` must be a record", line: a.location?.line,
                            column: a.location?.column)
                    }
                    context = rt
                }
                actions[uid] = ActionDefinition(
                    uid: uid, memberOf: parents, principalTypes: principals, resourceTypes: resources,
                    context: context)
            }
        }
        return try Schema(entityTypes: entityTypes, actions: actions)
    }

    private func entityType(_ name: String, in ns: String, at loc: SourceLocation?) throws(CedarError) -> String {
        let local = SchemaResolver.qualify(ns, name)
        if entityNames.contains(local) { return local }
        if entityNames.contains(name) { return name }
        throw CedarError(.schema, "undeclared entity type `\(name)`", line: loc?.line, column: loc?.column)
    }

    private func record(_ attrs: [String: RawSchema.RawAttribute], in ns: String, depth: Int) throws(CedarError) -> RecordType {
        var out: [String: AttributeType] = [:]
        for (k, a) in attrs { out[k] = AttributeType(type: try type(a.type, in: ns, depth: depth + 1), required: a.required) }
        return RecordType(attributes: out)
    }

    private func type(_ t: RawSchema.RawType, in ns: String, depth: Int) throws(CedarError) -> SchemaType {
        guard depth < CedarLimits.maxDepth else {
            throw CedarError(.limit, "schema type nesting too deep (or a cyclic common type)")
        }
        switch t {
        case .set(let e): return .set(try type(e, in: ns, depth: depth + 1))
        case .record(let attrs): return .record(try record(attrs, in: ns, depth: depth))
        case .entity(let n): return .entity(try entityType(n, in: ns, at: nil))
        case .ext(let n):
            guard let b = SchemaResolver.builtins[n], case .ext = b else {
                throw CedarError(.schema, "unknown extension type `\(n)`")
            }
            return b
        case .name(let n, let loc):
            if n.hasPrefix("__cedar::"), let b = SchemaResolver.builtins[String(n.dropFirst(9))] { return b }
            let local = SchemaResolver.qualify(ns, n)
            if let c = commonTypes[local] { return try type(c, in: ns, depth: depth + 1) }
            if entityNames.contains(local) { return .entity(local) }
            if let c = commonTypes[n] { return try type(c, in: SchemaResolver.namespace(of: n), depth: depth + 1) }
            if entityNames.contains(n) { return .entity(n) }
            if let b = SchemaResolver.builtins[n], n != "Boolean" { return b }
            throw CedarError(.schema, "unknown type `\(n)`", line: loc?.line, column: loc?.column)
        }
    }
}

extension Schema {
    /// Parses a schema in the human-readable `.cedarschema` format.
    public static func parse(_ text: String) throws(CedarError) -> Schema {
        var parser = try SchemaParser(text)
        return try SchemaResolver(try parser.parse()).resolve()
    }
}
