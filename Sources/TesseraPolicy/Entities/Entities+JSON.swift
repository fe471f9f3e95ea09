/// Cedar JSON entity format: `[{"uid": {...}, "attrs": {...}, "parents": [...], "tags": {...}}]`.
extension Entities {
    /// Parses Cedar JSON entities. With a schema, attribute and tag values are interpreted by their
    /// declared types (implicit entity/extension forms allowed) and the schema's action entities are added.
    public static func fromJSON(_ text: String, schema: Schema? = nil) throws(CedarError) -> Entities {
        try fromJSON(try JSONValue.parse(text), schema: schema)
    }

    /// Parses already-decoded Cedar JSON entities.
    public static func fromJSON(_ json: JSONValue, schema: Schema? = nil) throws(CedarError) -> Entities {
        guard case .array(let items) = json else {
            throw CedarError(.entities, "entities must be a JSON array", path: "$")
        }
        let decoder = ValueDecoder(schema: schema)
        var entities: [Entity] = []
        var seen = Set<EntityUID>()
        for (i, item) in items.enumerated() {
            let path = "$[\(i)]"
            guard case .object = item, let uidJSON = item["uid"] else {
                throw CedarError(.entities, "entity needs a `uid`", path: path)
            }
            let uid = try ValueDecoder.entityUID(uidJSON, path: path + ".uid")
            var def: EntityTypeDefinition? = nil
            if let schema {
                if uid.isAction, schema.actionEntityTypes.contains(uid.type) {
                    continue  // the schema's action hierarchy is authoritative
                }
                guard let d = schema.entityTypes[uid.type] else {
                    throw CedarError(.entities, "entity type `\(uid.type)` is not declared in the schema", path: path + ".uid")
                }
                if let ids = d.enumIDs, !ids.contains(uid.id) {
                    throw CedarError(.entities, "`\(uid)` is not one of the enumerated ids", path: path + ".uid")
                }
                def = d
            }
            var attrs: [String: Value] = [:]
            if let a = item["attrs"] {
                let expected: SchemaType? = def.map { .record($0.shape) }
                guard case .record(let r) = try decoder.value(a, expected: expected, path: path + ".attrs") else {
                    throw CedarError(.entities, "`attrs` must be an object", path: path + ".attrs")
                }
                attrs = r
            } else if let def, def.shape.attributes.values.contains(where: \.required) {
                throw CedarError(.entities, "entity is missing required attributes", path: path)
            }
            var parents = Set<EntityUID>()
            if let p = item["parents"] {
                guard case .array(let ps) = p else { throw CedarError(.entities, "`parents` must be an array", path: path) }
                for (j, pj) in ps.enumerated() {
                    let parent = try ValueDecoder.entityUID(pj, path: "\(path).parents[\(j)]")
                    if let def, !def.memberOf.contains(parent.type) {
                        throw CedarError(
                            .entities, "`\(uid.type)` entities cannot be members of `\(parent.type)`",
                            path: "\(path).parents[\(j)]")
                    }
                    parents.insert(parent)
                }
            }
            var tags: [String: Value] = [:]
            if let t = item["tags"] {
                guard case .object(let members) = t else { throw CedarError(.entities, "`tags` must be an object", path: path) }
                if let def, def.tags == nil, !members.isEmpty {
                    throw CedarError(.entities, "entity type `\(uid.type)` does not allow tags", path: path + ".tags")
                }
                for (k, v) in members {
                    tags[k] = try decoder.value(v, expected: def?.tags, path: "\(path).tags.\(k)")
                }
            }
            guard seen.insert(uid).inserted else { throw CedarError(.entities, "duplicate entity \(uid)", path: path) }
            entities.append(Entity(uid: uid, attributes: attrs, parents: parents, tags: tags))
        }
        if let schema { entities.append(contentsOf: schema.actionEntities) }
        return try Entities(entities)
    }
}
