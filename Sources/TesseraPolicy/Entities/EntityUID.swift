/// A Cedar entity reference: a (possibly namespaced) entity type and an id, e.g. `A::B::"id"`.
public struct EntityUID: Sendable, Hashable, CustomStringConvertible {
    /// The fully qualified entity type name, e.g. `Tessera::Workload`.
    public let type: String
    /// The entity id.
    public let id: String

    /// Creates an entity reference.
    public init(type: String, id: String) {
        self.type = type
        self.id = id
    }

    /// Whether this is an action entity (type `Action` or `Namespace::Action`).
    public var isAction: Bool { EntityUID.isActionType(type) }

    static func isActionType(_ type: String) -> Bool {
        type == "Action" || type.hasSuffix("::Action")
    }

    public var description: String { "\(type)::\(CedarString.quoted(id))" }
}

extension EntityUID {
    /// Decodes `{"type": "T", "id": "x"}` or `{"__entity": {"type": "T", "id": "x"}}`.
    public init(json: JSONValue) throws(CedarError) {
        self = try ValueDecoder.entityUID(json, path: "$")
    }
}
