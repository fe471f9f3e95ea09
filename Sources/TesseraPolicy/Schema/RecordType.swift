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
