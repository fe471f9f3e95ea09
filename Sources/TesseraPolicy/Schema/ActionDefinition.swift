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
