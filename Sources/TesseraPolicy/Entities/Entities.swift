/// An immutable entity store with the transitive closure of the hierarchy precomputed.
public struct Entities: Sendable {
    private let store: [EntityUID: StoredEntity]

    /// An empty store.
    public init() { store = [:] }

    /// Builds a store; later duplicates of the same uid are rejected.
    public init(_ entities: [Entity]) throws(CedarError) {
        var direct: [EntityUID: Entity] = [:]
        direct.reserveCapacity(entities.count)
        for e in entities {
            guard direct[e.uid] == nil else { throw CedarError(.entities, "duplicate entity \(e.uid)") }
            direct[e.uid] = e
        }
        var closure: [EntityUID: Set<EntityUID>] = [:]
        closure.reserveCapacity(direct.count)
        func ancestors(of uid: EntityUID, visiting: inout Set<EntityUID>) -> Set<EntityUID> {
            if let done = closure[uid] { return done }
            guard let e = direct[uid], visiting.insert(uid).inserted else { return [] }
            var result = e.parents
            for p in e.parents { result.formUnion(ancestors(of: p, visiting: &visiting)) }
            visiting.remove(uid)
            closure[uid] = result
            return result
        }
        var built: [EntityUID: StoredEntity] = [:]
        built.reserveCapacity(direct.count)
        for (uid, e) in direct {
            var visiting = Set<EntityUID>()
            built[uid] = StoredEntity(entity: e, ancestors: ancestors(of: uid, visiting: &visiting))
        }
        store = built
    }

    /// The entity with this uid, if present.
    public subscript(uid: EntityUID) -> Entity? { store[uid]?.entity }

    /// Number of entities.
    public var count: Int { store.count }

    /// All entities (unordered).
    public var all: [Entity] { store.values.map(\.entity) }

    /// Transitive ancestors of `uid` (empty if unknown).
    public func ancestors(of uid: EntityUID) -> Set<EntityUID> { store[uid]?.ancestors ?? [] }

    /// Whether `uid` is `target` or a transitive descendant of it (Cedar `in`).
    @inline(__always)
    public func isIn(_ uid: EntityUID, _ target: EntityUID) -> Bool {
        uid == target || store[uid]?.ancestors.contains(target) == true
    }

    /// A new store with `more` added (replacing entities with the same uid).
    public func adding(_ more: [Entity]) throws(CedarError) -> Entities {
        var merged: [EntityUID: Entity] = [:]
        for (uid, s) in store { merged[uid] = s.entity }
        for e in more { merged[e.uid] = e }
        return try Entities(Array(merged.values))
    }
}
