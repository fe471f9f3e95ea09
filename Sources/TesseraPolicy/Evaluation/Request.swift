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

/// The outcome of an authorization request.
public enum Decision: String, Sendable, Hashable {
    /// Some permit was satisfied and no forbid was.
    case allow
    /// A forbid was satisfied, or no permit was (default deny).
    case deny
}

/// A policy that failed to evaluate for a request.
public struct PolicyEvaluationError: Sendable, Hashable, CustomStringConvertible {
    /// The failing policy's id.
    public let policyID: String
    /// Why it failed.
    public let message: String

    public var description: String { "\(policyID): \(message)" }
}

/// The answer to an authorization request.
public struct Response: Sendable {
    /// Allow or deny.
    public let decision: Decision
    /// Ids of the policies that determined the decision (satisfied forbids on deny, permits on allow).
    public let reasons: [String]
    /// Policies that errored during evaluation (they are skipped, never decide).
    public let errors: [PolicyEvaluationError]
}
