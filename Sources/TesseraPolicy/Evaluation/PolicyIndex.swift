/// Buckets policies by their most selective scope constraint so that a request
/// only looks at policies that can possibly apply.
///
/// Each policy lands in exactly one bucket, chosen in this order: principal `==`,
/// principal `in` (also `is T in`), resource `==`, resource `in`, principal `is`,
/// resource `is`, action `==`, action `in`; policies with an unconstrained scope go to `unindexed`.
/// A request collects the buckets for its principal, resource and action uids, their ancestors
/// (for `in` buckets) and their types, then checks each candidate's full scope.
struct PolicyIndex: Sendable {
    private var principalEqual: [EntityUID: [Int32]] = [:]
    private var principalIn: [EntityUID: [Int32]] = [:]
    private var resourceEqual: [EntityUID: [Int32]] = [:]
    private var resourceIn: [EntityUID: [Int32]] = [:]
    private var principalType: [String: [Int32]] = [:]
    private var resourceType: [String: [Int32]] = [:]
    private var actionEqual: [EntityUID: [Int32]] = [:]
    private var actionIn: [EntityUID: [Int32]] = [:]
    private var unindexed: [Int32] = []
    private var hasInBuckets = (principal: false, resource: false, action: false)

    init(_ policies: [Policy]) {
        for (i, p) in policies.enumerated() {
            let n = Int32(i)
            switch (p.principal, p.resource) {
            case (.equal(.uid(let u)), _): principalEqual[u, default: []].append(n)
            case (.isIn(.uid(let u)), _), (.isTypeIn(_, .uid(let u)), _):
                principalIn[u, default: []].append(n)
                hasInBuckets.principal = true
            case (_, .equal(.uid(let u))): resourceEqual[u, default: []].append(n)
            case (_, .isIn(.uid(let u))), (_, .isTypeIn(_, .uid(let u))):
                resourceIn[u, default: []].append(n)
                hasInBuckets.resource = true
            case (.isType(let t), _): principalType[t, default: []].append(n)
            case (_, .isType(let t)): resourceType[t, default: []].append(n)
            default:
                switch p.action {
                case .equal(let u): actionEqual[u, default: []].append(n)
                case .isIn(let us):
                    for u in Set(us) { actionIn[u, default: []].append(n) }
                    hasInBuckets.action = true
                case .any: unindexed.append(n)
                }
            }
        }
    }

    /// Indices (ascending, unique) of policies whose scope may match the request.
    func candidates(_ r: Request, _ entities: Entities) -> [Int32] {
        var out: [Int32] = unindexed
        if let b = principalEqual[r.principal] { out += b }
        if let b = resourceEqual[r.resource] { out += b }
        if let b = principalType[r.principal.type] { out += b }
        if let b = resourceType[r.resource.type] { out += b }
        if let b = actionEqual[r.action] { out += b }
        var needsDedup = false
        if hasInBuckets.principal {
            if let b = principalIn[r.principal] { out += b }
            for a in entities.ancestors(of: r.principal) where a != r.principal {
                if let b = principalIn[a] { out += b }
            }
        }
        if hasInBuckets.resource {
            if let b = resourceIn[r.resource] { out += b }
            for a in entities.ancestors(of: r.resource) where a != r.resource {
                if let b = resourceIn[a] { out += b }
            }
        }
        if hasInBuckets.action {
            if let b = actionIn[r.action] { out += b }
            for a in entities.ancestors(of: r.action) where a != r.action {
                if let b = actionIn[a] {
                    out += b
                    needsDedup = true  // `action in [A, B]` may be reached through both
                }
            }
        }
        if out.count > 1 {
            out.sort()
            if needsDedup {
                var w = 1
                for k in 1..<out.count where out[k] != out[w - 1] {
                    out[w] = out[k]
                    w += 1
                }
                out.removeLast(out.count - w)
            }
        }
        return out
    }
}
