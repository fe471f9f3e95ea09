/// An authorization request: who (principal) wants to do what (action) to which resource, in which context.
public struct Request: Sendable {
    /// The principal entity.
    public let principal: EntityUID
    /// The action entity.
    public let action: EntityUID
    /// The resource entity.
    public let resource: EntityUID
    /// The context record.
    public let context: [String: Value]

    /// Creates a request.
    public init(principal: EntityUID, action: EntityUID, resource: EntityUID, context: [String: Value] = [:]) {
        self.principal = principal
        self.action = action
        self.resource = resource
        self.context = context
    }

    /// Decodes a context JSON object; with a schema, values are interpreted by the action's declared context type.
    public static func context(fromJSON json: JSONValue, schema: Schema? = nil, action: EntityUID? = nil) throws(CedarError)
        -> [String: Value]
    {
        var expected: SchemaType? = nil
        if let schema, let action {
            guard let def = schema.actions[action] else {
                throw CedarError(.request, "action `\(action)` is not declared in the schema", path: "$.context")
            }
            expected = .record(def.context)
        }
        let v: Value
        do {
            v = try ValueDecoder(schema: schema).value(json, expected: expected, path: "$.context")
        } catch {
            throw CedarError(.request, error.reason, path: error.path)
        }
        guard case .record(let r) = v else { throw CedarError(.request, "context must be a JSON object", path: "$.context") }
        return r
    }
}
