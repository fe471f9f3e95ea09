/// Converts Cedar JSON values (entity attributes, tags, context) into `Value`s,
/// optionally guided by a schema type (which enables the implicit entity and extension forms).
struct ValueDecoder {
    let schema: Schema?

    func value(_ json: JSONValue, expected: SchemaType?, path: String, depth: Int = 0) throws(CedarError) -> Value {
        guard depth < CedarLimits.maxDepth else { throw CedarError(.limit, "value nesting exceeds the limit", path: path) }
        func mismatch(_ what: String) -> CedarError {
            CedarError(.entities, "expected \(what), found \(json.kindName)", path: path)
        }
        if case .object = json, json["__extn"] != nil || json["__entity"] != nil {
            let v = try escaped(json, path: path, depth: depth)
            if let expected { try check(v, expected, path: path) }
            return v
        }
        switch expected {
        case nil:
            return try untyped(json, path: path, depth: depth)
        case .bool:
            guard case .bool(let b) = json else { throw mismatch("a boolean") }
            return .bool(b)
        case .long:
            guard case .integer(let i) = json else { throw mismatch("an integer") }
            return .long(i)
        case .string:
            guard case .string(let s) = json else { throw mismatch("a string") }
            return .string(s)
        case .set(let element):
            guard case .array(let items) = json else { throw mismatch("an array") }
            var out = Set<Value>()
            for (i, item) in items.enumerated() {
                out.insert(try value(item, expected: element, path: "\(path)[\(i)]", depth: depth + 1))
            }
            return .set(out)
        case .record(let rt):
            guard case .object(let members) = json else { throw mismatch("an object") }
            var out: [String: Value] = [:]
            for (k, v) in members {
                guard let at = rt.attributes[k] else {
                    throw CedarError(.entities, "attribute `\(k)` is not declared in the schema", path: path)
                }
                guard out[k] == nil else { throw CedarError(.entities, "duplicate key `\(k)`", path: path) }
                out[k] = try value(v, expected: at.type, path: "\(path).\(k)", depth: depth + 1)
            }
            for (k, at) in rt.attributes where at.required && out[k] == nil {
                throw CedarError(.entities, "required attribute `\(k)` is missing", path: path)
            }
            return .record(out)
        case .entity(let type):
            let uid = try ValueDecoder.entityUID(json, path: path)
            guard uid.type == type else {
                throw CedarError(.entities, "expected an entity of type `\(type)`, found `\(uid.type)`", path: path)
            }
            return .entity(uid)
        case .ext(let name):
            if case .string(let s) = json, let f = ExtensionFunction.constructor(forType: name) {
                do { return try f.apply([.string(s)]) } catch { throw CedarError(.entities, error.reason, path: path) }
            }
            if case .object = json, json["fn"] != nil {
                let v = try extCall(json, path: path, depth: depth)
                try check(v, .ext(name), path: path)
                return v
            }
            throw mismatch("an `\(name)` value")
        }
    }

    private func check(_ v: Value, _ expected: SchemaType, path: String) throws(CedarError) {
        let ok: Bool
        switch (v, expected) {
        case (.entity(let uid), .entity(let t)): ok = uid.type == t
        case (.ext(let e), .ext(let n)): ok = e.typeName == n
        default: ok = false
        }
        if !ok { throw CedarError(.entities, "expected \(expected), found \(v.typeName)", path: path) }
    }

    private func untyped(_ json: JSONValue, path: String, depth: Int) throws(CedarError) -> Value {
        switch json {
        case .null: throw CedarError(.entities, "null is not a Cedar value", path: path)
        case .bool(let b): return .bool(b)
        case .integer(let i): return .long(i)
        case .float: throw CedarError(.entities, "only integers are Cedar numbers", path: path)
        case .string(let s): return .string(s)
        case .array(let items):
            var out = Set<Value>()
            for (i, item) in items.enumerated() {
                out.insert(try value(item, expected: nil, path: "\(path)[\(i)]", depth: depth + 1))
            }
            return .set(out)
        case .object(let members):
            var out: [String: Value] = [:]
            for (k, v) in members {
                guard out[k] == nil else { throw CedarError(.entities, "duplicate key `\(k)`", path: path) }
                out[k] = try value(v, expected: nil, path: "\(path).\(k)", depth: depth + 1)
            }
            return .record(out)
        }
    }

    private func escaped(_ json: JSONValue, path: String, depth: Int) throws(CedarError) -> Value {
        if let inner = json["__entity"] { return .entity(try ValueDecoder.entityUID(inner, path: path + ".__entity")) }
        return try extCall(json["__extn"]!, path: path + ".__extn", depth: depth)
    }

    private func extCall(_ json: JSONValue, path: String, depth: Int) throws(CedarError) -> Value {
        guard let fnName = json["fn"]?.stringValue else { throw CedarError(.entities, "missing `fn`", path: path) }
        guard let f = ExtensionFunction(rawValue: fnName == "ipaddr" ? "ip" : fnName) else {
            throw CedarError(.entities, "unknown extension function `\(fnName)`", path: path)
        }
        var args: [Value] = []
        if let arg = json["arg"] {
            args = [try value(arg, expected: nil, path: path + ".arg", depth: depth + 1)]
        } else if case .array(let items)? = json["args"] {
            for (i, item) in items.enumerated() {
                args.append(try value(item, expected: nil, path: "\(path).args[\(i)]", depth: depth + 1))
            }
        } else {
            throw CedarError(.entities, "missing `arg`", path: path)
        }
        do { return try f.apply(args) } catch { throw CedarError(.entities, error.reason, path: path) }
    }

    /// Parses `{"type": "T", "id": "x"}` or `{"__entity": {...}}`.
    static func entityUID(_ json: JSONValue, path: String) throws(CedarError) -> EntityUID {
        if let inner = json["__entity"] { return try entityUID(inner, path: path + ".__entity") }
        guard case .object = json, let type = json["type"]?.stringValue, let id = json["id"]?.stringValue else {
            throw CedarError(.entities, "expected an entity reference {\"type\": ..., \"id\": ...}", path: path)
        }
        return EntityUID(type: type, id: id)
    }
}
