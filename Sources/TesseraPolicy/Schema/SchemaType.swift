/// A type in a Cedar schema, with every name resolved.
public indirect enum SchemaType: Sendable, Hashable, CustomStringConvertible {
    case bool
    case long
    case string
    case set(SchemaType)
    case record(RecordType)
    case entity(String)
    case ext(String)

    public var description: String {
        switch self {
        case .bool: "Bool"
        case .long: "Long"
        case .string: "String"
        case .set(let t): "Set<\(t)>"
        case .record(let r): r.description
        case .entity(let n): n
        case .ext(let n): n
        }
    }
}

/// A record type: attributes that may be required or optional.
public struct RecordType: Sendable, Hashable, CustomStringConvertible {
    /// Attribute name to type.
    public let attributes: [String: AttributeType]

    /// Creates a record type.
    public init(attributes: [String: AttributeType]) {
        self.attributes = attributes
    }

    public var description: String {
        "{"
            + attributes.keys.sorted().map { "\($0)\(attributes[$0]!.required ? "" : "?"): \(attributes[$0]!.type)" }
            .joined(separator: ", ") + "}"
    }
}

/// The type of one record attribute.
public struct AttributeType: Sendable, Hashable {
    /// The attribute's type.
    public let type: SchemaType
    /// Whether the attribute must be present.
    public let required: Bool

    /// Creates an attribute type.
    public init(type: SchemaType, required: Bool) {
        self.type = type
        self.required = required
    }
}

/// An entity type declared in a schema.
public struct EntityTypeDefinition: Sendable {
    /// Fully qualified name.
    public let name: String
    /// Entity types this type's entities may be members of.
    public let memberOf: [String]
    /// The attributes.
    public let shape: RecordType
    /// The type of tag values, if the type has tags.
    public let tags: SchemaType?
    /// For enumerated entity types, the allowed ids.
    public let enumIDs: [String]?
}

/// An action declared in a schema.
public struct ActionDefinition: Sendable {
    /// The action's uid.
    public let uid: EntityUID
    /// Action groups this action belongs to.
    public let memberOf: [EntityUID]
    /// Principal types it applies to.
    public let principalTypes: [String]
    /// Resource types it applies to.
    public let resourceTypes: [String]
    /// The context record type.
    public let context: RecordType
}
