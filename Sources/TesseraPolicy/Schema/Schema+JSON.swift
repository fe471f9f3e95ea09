/// The JSON schema format: `{"Namespace": {"entityTypes": {...}, "actions": {...}, "commonTypes": {...}}}`.
extension Schema {
    /// Parses a schema in Cedar's JSON schema format.
    public static func fromJSON(_ text: String) throws(CedarError) -> Schema {
        let json: JSONValue
        do { json = try JSONValue.parse(text) } catch {
            throw CedarError(.schema, error.reason, line: error.line, column: error.column)
        }
        guard case .object(let namespaces) = json else { throw CedarError(.schema, "schema must be a JSON object", path: "$") }
        var raw = RawSchema()
        for (nsName, body) in namespaces {
            var ns = RawSchema.Namespace(name: nsName)
            let base = "$[\(JSONValue.quote(nsName))]"
            if case .object(let types)? = body["commonTypes"] {
                for (n, t) in types {
                    ns.commonTypes.append((n, try jsonType(t, path: "\(base).commonTypes.\(n)", depth: 0), nil))
                }
            }
            if case .object(let ents)? = body["entityTypes"] {
                for (n, e) in ents {
                    let p = "\(base).entityTypes.\(n)"
                    var parents: [String] = []
                    if case .array(let ps)? = e["memberOfTypes"] { parents = ps.compactMap(\.stringValue) }
                    var shape: [String: RawSchema.RawAttribute] = [:]
                    if let s = e["shape"] {
                        guard case .record(let attrs) = try jsonType(s, path: p + ".shape", depth: 0) else {
                            throw CedarError(.schema, "entity shape must be a record", path: p + ".shape")
                        }
                        shape = attrs
                    }
                    let tags = try e["tags"].map { (t) throws(CedarError) in try jsonType(t, path: p + ".tags", depth: 0) }
                    var enumIDs: [String]? = nil
                    if case .array(let ids)? = e["enum"] { enumIDs = ids.compactMap(\.stringValue) }
                    ns.entities.append(
                        RawSchema.RawEntity(name: n, memberOf: parents, shape: shape, tags: tags, enumIDs: enumIDs, location: nil)
                    )
                }
            }
            if case .object(let acts)? = body["actions"] {
                for (n, a) in acts {
                    let p = "\(base).actions.\(n)"
                    var parents: [RawSchema.RawActionRef] = []
                    if case .array(let ps)? = a["memberOf"] {
                        for m in ps {
                            guard let id = m["id"]?.stringValue else {
                                throw CedarError(.schema, "memberOf entry needs `id`", path: p)
                            }
                            parents.append(RawSchema.RawActionRef(type: m["type"]?.stringValue, id: id))
                        }
                    }
                    var principals: [String] = []
                    var resources: [String] = []
                    var context: RawSchema.RawType? = nil
                    if let applies = a["appliesTo"] {
                        if case .array(let ps)? = applies["principalTypes"] { principals = ps.compactMap(\.stringValue) }
                        if case .array(let rs)? = applies["resourceTypes"] { resources = rs.compactMap(\.stringValue) }
                        if let c = applies["context"] { context = try jsonType(c, path: p + ".appliesTo.context", depth: 0) }
                    }
                    ns.actions.append(
                        RawSchema.RawAction(
                            id: n, memberOf: parents, principals: principals, resources: resources,
                            context: context, location: nil))
                }
            }
            raw.namespaces.append(ns)
        }
        return try SchemaResolver(raw).resolve()
    }

    private static func jsonType(_ j: JSONValue, path: String, depth: Int) throws(CedarError) -> RawSchema.RawType {
        guard depth < CedarLimits.maxDepth else { throw CedarError(.limit, "schema type nesting too deep", path: path) }
        guard let t = j["type"]?.stringValue else { throw CedarError(.schema, "type needs a `type` field", path: path) }
        switch t {
        case "Boolean", "Long", "String": return .name(t == "Boolean" ? "__cedar::Bool" : "__cedar::" + t, nil)
        case "Set":
            guard let e = j["element"] else { throw CedarError(.schema, "Set needs `element`", path: path) }
            return .set(try jsonType(e, path: path + ".element", depth: depth + 1))
        case "Record":
            var attrs: [String: RawSchema.RawAttribute] = [:]
            if case .object(let members)? = j["attributes"] {
                for (k, v) in members {
                    var required = true
                    if case .bool(let b)? = v["required"] { required = b }
                    attrs[k] = RawSchema.RawAttribute(
                        type: try jsonType(v, path: path + ".attributes." + k, depth: depth + 1), required: required)
                }
            }
            return .record(attrs)
        case "Entity":
            guard let n = j["name"]?.stringValue else { throw CedarError(.schema, "Entity needs `name`", path: path) }
            return .entity(n)
        case "Extension":
            guard let n = j["name"]?.stringValue else { throw CedarError(.schema, "Extension needs `name`", path: path) }
            return .ext(n)
        case "EntityOrCommon":
            guard let n = j["name"]?.stringValue else { throw CedarError(.schema, "EntityOrCommon needs `name`", path: path) }
            return .name(n, nil)
        default:
            return .name(t, nil)
        }
    }
}
