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
        // Transitive closure by iterative post-order DFS (no recursion, so deep chains cannot
        // overflow the stack); cycles are tolerated and the total size is bounded.
        var closure: [EntityUID: Set<EntityUID>] = [:]
        closure.reserveCapacity(direct.count)
        var visiting = Set<EntityUID>()
        var total = 0
        for root in direct.keys where closure[root] == nil {
            var stack: [(EntityUID, Bool)] = [(root, false)]
            while let (u, expanded) = stack.popLast() {
                guard let e = direct[u] else { continue }
                if expanded {
                    var result = e.parents
                    for p in e.parents { if let c = closure[p] { result.formUnion(c) } }
                    total += result.count
                    if total > CedarLimits.maxAncestorEntries {
                        throw CedarError(.limit, "entity hierarchy closure exceeds \(CedarLimits.maxAncestorEntries) entries")
                    }
                    closure[u] = result
                    visiting.remove(u)
                    continue
                }
                guard closure[u] == nil, visiting.insert(u).inserted else { continue }
                stack.append((u, true))
                for p in e.parents where closure[p] == nil && !visiting.contains(p) { stack.append((p, false)) }
            }
        }
        var built: [EntityUID: StoredEntity] = [:]
        built.reserveCapacity(direct.count)
        for (uid, e) in direct {
            built[uid] = StoredEntity(entity: e, ancestors: closure[uid] ?? [])
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
