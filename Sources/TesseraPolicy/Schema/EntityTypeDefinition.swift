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
