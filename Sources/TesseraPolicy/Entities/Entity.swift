/// One entity: uid, attributes, direct parents and tags.
public struct Entity: Sendable {
    /// The entity's uid.
    public let uid: EntityUID
    /// Attribute values.
    public let attributes: [String: Value]
    /// Direct parents.
    public let parents: Set<EntityUID>
    /// Tag values.
    public let tags: [String: Value]

    /// Creates an entity.
    public init(uid: EntityUID, attributes: [String: Value] = [:], parents: Set<EntityUID> = [], tags: [String: Value] = [:]) {
        self.uid = uid
        self.attributes = attributes
        self.parents = parents
        self.tags = tags
    }
}

/// An entity as stored: with its transitive ancestors precomputed.
struct StoredEntity: Sendable {
    let entity: Entity
    let ancestors: Set<EntityUID>
}
