/// A Cedar schema: entity types and actions with all names resolved.
public struct Schema: Sendable {
    /// Entity types by fully qualified name.
    public let entityTypes: [String: EntityTypeDefinition]
    /// Actions by uid.
    public let actions: [EntityUID: ActionDefinition]
    /// Transitive descendants: for each entity type, the types that may be (transitively) in it.
    let descendantTypes: [String: Set<String>]
    /// Transitive action ancestors.
    let actionAncestors: [EntityUID: Set<EntityUID>]

    init(entityTypes: [String: EntityTypeDefinition], actions: [EntityUID: ActionDefinition]) throws(CedarError) {
        self.entityTypes = entityTypes
        self.actions = actions
        for (name, def) in entityTypes {
            for parent in def.memberOf where entityTypes[parent] == nil {
                throw CedarError(.schema, "entity type `\(name)` is a member of undeclared type `\(parent)`")
            }
        }
        for (uid, def) in actions {
            for parent in def.memberOf where actions[parent] == nil {
                throw CedarError(.schema, "action `\(uid)` is a member of undeclared action `\(parent)`")
            }
            for t in def.principalTypes + def.resourceTypes where entityTypes[t] == nil {
                throw CedarError(.schema, "action `\(uid)` applies to undeclared entity type `\(t)`")
            }
        }
        var ancestors: [EntityUID: Set<EntityUID>] = [:]
        for uid in actions.keys {
            var seen = Set<EntityUID>()
            var stack = actions[uid]!.memberOf
            while let next = stack.popLast() {
                if seen.insert(next).inserted { stack.append(contentsOf: actions[next]?.memberOf ?? []) }
            }
            if seen.contains(uid) { throw CedarError(.schema, "action hierarchy has a cycle through `\(uid)`") }
            ancestors[uid] = seen
        }
        actionAncestors = ancestors
        var typeAncestors: [String: Set<String>] = [:]
        for name in entityTypes.keys {
            var seen = Set<String>()
            var stack = entityTypes[name]!.memberOf
            while let next = stack.popLast() {
                if seen.insert(next).inserted { stack.append(contentsOf: entityTypes[next]?.memberOf ?? []) }
            }
            typeAncestors[name] = seen
        }
        var descendants: [String: Set<String>] = [:]
        for (name, ancs) in typeAncestors {
            for a in ancs { descendants[a, default: []].insert(name) }
        }
        descendantTypes = descendants
    }

    /// Whether `type` names a declared entity type or an action entity type.
    public func isKnownEntityType(_ type: String) -> Bool {
        entityTypes[type] != nil || actionEntityTypes.contains(type)
    }

    /// The entity types used by actions (`Action`, `NS::Action`).
    public var actionEntityTypes: Set<String> { Set(actions.keys.map(\.type)) }

    /// Whether an entity of type `child` may be a (transitive) member of an entity of type `parent`.
    func mayBeIn(_ child: String, _ parent: String) -> Bool {
        child == parent || descendantTypes[parent]?.contains(child) == true
    }

    /// The action entities the schema declares, with their hierarchy.
    public var actionEntities: [Entity] {
        actions.values.map { Entity(uid: $0.uid, attributes: [:], parents: Set($0.memberOf), tags: [:]) }
    }
}
