/// Checks that a request conforms to a schema: declared action, principal and resource types it
/// applies to, and a context of the declared type.
public enum RequestValidator {
    /// Throws a `.request` error if `request` does not conform to `schema`.
    public static func validate(_ request: Request, schema: Schema) throws(CedarError) {
        guard let action = schema.actions[request.action] else {
            throw CedarError(.request, "action `\(request.action)` is not declared in the schema")
        }
        guard action.principalTypes.contains(request.principal.type) else {
            throw CedarError(.request, "principal type `\(request.principal.type)` is not valid for `\(request.action)`")
        }
        guard action.resourceTypes.contains(request.resource.type) else {
            throw CedarError(.request, "resource type `\(request.resource.type)` is not valid for `\(request.action)`")
        }
        for uid in [request.principal, request.resource] {
            if let ids = schema.entityTypes[uid.type]?.enumIDs, !ids.contains(uid.id) {
                throw CedarError(.request, "`\(uid)` is not one of the enumerated ids of `\(uid.type)`")
            }
        }
        try conforms(.record(request.context), to: .record(action.context), path: "context")
    }

    static func conforms(_ v: Value, to t: SchemaType, path: String) throws(CedarError) {
        func fail() -> CedarError { CedarError(.request, "`\(path)` should be \(t), found \(v.typeName)") }
        switch (v, t) {
        case (.bool, .bool), (.long, .long), (.string, .string): return
        case (.entity(let uid), .entity(let n)): if uid.type != n { throw fail() }
        case (.ext(let e), .ext(let n)): if e.typeName != n { throw fail() }
        case (.set(let items), .set(let e)):
            for item in items { try conforms(item, to: e, path: path + "[]") }
        case (.record(let r), .record(let rt)):
            for (k, x) in r {
                guard let at = rt.attributes[k] else { throw CedarError(.request, "`\(path).\(k)` is not declared") }
                try conforms(x, to: at.type, path: path + "." + k)
            }
            for (k, at) in rt.attributes where at.required && r[k] == nil {
                throw CedarError(.request, "`\(path).\(k)` is required")
            }
        default: throw fail()
        }
    }
}
