/// An immutable entity store with the transitive closure of the hierarchy precomputed.
public struct Entities: Sendable {
    private let store: [EntityUID: StoredEntity]
    /// Per-request entities layered over `store` (see `overlaying(_:)`); nil when there are none.
    private let overlay: [EntityUID: StoredEntity]?

    /// An empty store.
    public init() {
        store = [:]
        overlay = nil
    }

    private init(store: [EntityUID: StoredEntity], overlay: [EntityUID: StoredEntity]?) {
        self.store = store
        self.overlay = overlay
    }

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
        overlay = nil
    }

    @inline(__always)
    private func stored(_ uid: EntityUID) -> StoredEntity? {
        if let overlay, let s = overlay[uid] { return s }
        return store[uid]
    }

    /// The entity with this uid, if present.
    public subscript(uid: EntityUID) -> Entity? { stored(uid)?.entity }

    /// Number of entities.
    public var count: Int { store.count + (overlay?.keys.count { store[$0] == nil } ?? 0) }

    /// All entities (unordered).
    public var all: [Entity] {
        guard let overlay else { return store.values.map(\.entity) }
        return overlay.values.map(\.entity) + store.filter { overlay[$0.key] == nil }.map(\.value.entity)
    }

    /// Transitive ancestors of `uid` (empty if unknown).
    public func ancestors(of uid: EntityUID) -> Set<EntityUID> { stored(uid)?.ancestors ?? [] }

    /// Whether `uid` is `target` or a transitive descendant of it (Cedar `in`).
    @inline(__always)
    public func isIn(_ uid: EntityUID, _ target: EntityUID) -> Bool {
        uid == target || stored(uid)?.ancestors.contains(target) == true
    }

    /// A cheap view with per-request entities (e.g. the calling workload) layered over this store,
    /// without recomputing the closure of the whole store. Overlay entities replace stored ones
    /// with the same uid and may have stored entities (or each other) as parents; stored entities
    /// do not gain ancestors through the overlay.
    public func overlaying(_ extra: [Entity]) throws(CedarError) -> Entities {
        var direct: [EntityUID: Entity] = [:]
        for e in extra {
            guard direct[e.uid] == nil else { throw CedarError(.entities, "duplicate entity \(e.uid)") }
            direct[e.uid] = e
        }
        var done: [EntityUID: StoredEntity] = [:]
        func closure(_ uid: EntityUID, _ visiting: inout Set<EntityUID>) -> Set<EntityUID> {
            if let d = done[uid] { return d.ancestors }
            guard let e = direct[uid] else { return store[uid]?.ancestors ?? [] }
            guard visiting.insert(uid).inserted, visiting.count <= CedarLimits.maxDepth else { return [] }
            var result = e.parents
            for p in e.parents { result.formUnion(closure(p, &visiting)) }
            visiting.remove(uid)
            done[uid] = StoredEntity(entity: e, ancestors: result)
            return result
        }
        for uid in direct.keys {
            var visiting = Set<EntityUID>()
            _ = closure(uid, &visiting)
        }
        var merged = overlay ?? [:]
        for (k, v) in done { merged[k] = v }
        return Entities(store: store, overlay: merged)
    }

    /// A new store with `more` added (replacing entities with the same uid).
    public func adding(_ more: [Entity]) throws(CedarError) -> Entities {
        var merged: [EntityUID: Entity] = [:]
        for e in all { merged[e.uid] = e }
        for e in more { merged[e.uid] = e }
        return try Entities(Array(merged.values))
    }
}
