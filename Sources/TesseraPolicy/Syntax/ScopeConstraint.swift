/// An entity reference in a scope: a concrete uid or a template slot.
public enum EntityReference: Sendable, Hashable {
    /// A concrete entity.
    case uid(EntityUID)
    /// A template slot, filled in by linking.
    case slot(SlotID)
}

/// The principal or resource part of a policy scope.
public enum ScopeConstraint: Sendable, Hashable {
    /// No constraint.
    case any
    /// `== E`.
    case equal(EntityReference)
    /// `in E` (transitively, or equal).
    case isIn(EntityReference)
    /// `is T`.
    case isType(String)
    /// `is T in E`.
    case isTypeIn(String, EntityReference)

    var slot: SlotID? {
        switch self {
        case .equal(.slot(let s)), .isIn(.slot(let s)), .isTypeIn(_, .slot(let s)): s
        default: nil
        }
    }

    func linking(_ slots: [SlotID: EntityUID]) -> ScopeConstraint {
        func link(_ r: EntityReference) -> EntityReference {
            if case .slot(let s) = r, let uid = slots[s] { return .uid(uid) }
            return r
        }
        switch self {
        case .any, .isType: return self
        case .equal(let r): return .equal(link(r))
        case .isIn(let r): return .isIn(link(r))
        case .isTypeIn(let t, let r): return .isTypeIn(t, link(r))
        }
    }
}
