/// Requests written as JSON (for `tessera policy eval` and test tooling).
extension Request {
    /// Decodes `{"principal": P, "action": A, "resource": R, "context": {...}}` where each entity is
    /// `{"type": "T", "id": "x"}`, `{"__entity": {...}}` or a Cedar literal string `T::"x"`.
    /// With a schema the context is interpreted by the action's declared context type.
    public static func fromJSON(_ json: JSONValue, schema: Schema? = nil) throws(CedarError) -> Request {
        func entity(_ key: String) throws(CedarError) -> EntityUID {
            guard let v = json[key] else { throw CedarError(.request, "missing `\(key)`", path: "$.\(key)") }
            if let text = v.stringValue {
                do { return try EntityUID.parse(text) } catch { throw CedarError(.request, error.reason, path: "$.\(key)") }
            }
            do { return try EntityUID(json: v) } catch { throw CedarError(.request, error.reason, path: "$.\(key)") }
        }
        let action = try entity("action")
        return Request(
            principal: try entity("principal"), action: action, resource: try entity("resource"),
            context: try Request.context(
                fromJSON: json["context"] ?? .object([]), schema: schema, action: schema == nil ? nil : action))
    }
}

extension EntityUID {
    /// Parses a Cedar entity literal such as `Tessera::Workload::"billing"`.
    public static func parse(_ text: String) throws(CedarError) -> EntityUID {
        var parser = try Parser(text)
        let uid = try parser.parseEntityUID()
        guard parser.peek.kind == .eof else {
            throw CedarError(.parse, "unexpected `\(parser.peek.text)` after the entity reference", at: parser.peek.location)
        }
        return uid
    }
}
