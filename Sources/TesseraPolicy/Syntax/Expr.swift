/// A request variable.
public enum Variable: String, Sendable, Hashable {
    case principal, action, resource, context
}

/// A template slot.
public enum SlotID: String, Sendable, Hashable {
    case principal = "?principal"
    case resource = "?resource"
}

/// Binary operators after desugaring (`!=`, `>`, `>=` are rewritten).
public enum BinaryOp: String, Sendable, Hashable {
    case equal = "=="
    case less = "<"
    case lessEqual = "<="
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case isIn = "in"
    case contains, containsAll, containsAny, getTag, hasTag
}

/// A Cedar expression (abstract syntax).
public indirect enum Expr: Sendable, Hashable {
    case value(Value)
    case variable(Variable)
    case slot(SlotID)
    case ifThenElse(Expr, Expr, Expr)
    /// `a && b && ...` (two or more operands, evaluated left to right with short-circuiting).
    case and([Expr])
    /// `a || b || ...` (two or more operands, evaluated left to right with short-circuiting).
    case or([Expr])
    case not(Expr)
    case negate(Expr)
    case binary(BinaryOp, Expr, Expr)
    case getAttr(Expr, String)
    case hasAttr(Expr, String)
    case like(Expr, LikePattern)
    case isType(Expr, String)
    case set([Expr])
    case record([RecordEntry])
    case call(ExtensionFunction, [Expr])
    case isEmpty(Expr)

    /// One `key: value` pair of a record literal.
    public struct RecordEntry: Sendable, Hashable {
        /// The attribute name.
        public let key: String
        /// The attribute's expression.
        public let value: Expr

        /// Creates an entry.
        public init(key: String, value: Expr) {
            self.key = key
            self.value = value
        }
    }

    /// Replaces template slots with entity references.
    func linking(_ slots: [SlotID: EntityUID]) -> Expr {
        switch self {
        case .slot(let s): if let uid = slots[s] { return .value(.entity(uid)) } else { return self }
        case .value, .variable: return self
        case .ifThenElse(let a, let b, let c): return .ifThenElse(a.linking(slots), b.linking(slots), c.linking(slots))
        case .and(let es): return .and(es.map { $0.linking(slots) })
        case .or(let es): return .or(es.map { $0.linking(slots) })
        case .not(let a): return .not(a.linking(slots))
        case .negate(let a): return .negate(a.linking(slots))
        case .binary(let op, let a, let b): return .binary(op, a.linking(slots), b.linking(slots))
        case .getAttr(let a, let k): return .getAttr(a.linking(slots), k)
        case .hasAttr(let a, let k): return .hasAttr(a.linking(slots), k)
        case .like(let a, let p): return .like(a.linking(slots), p)
        case .isType(let a, let t): return .isType(a.linking(slots), t)
        case .set(let es): return .set(es.map { $0.linking(slots) })
        case .record(let es): return .record(es.map { RecordEntry(key: $0.key, value: $0.value.linking(slots)) })
        case .call(let f, let args): return .call(f, args.map { $0.linking(slots) })
        case .isEmpty(let a): return .isEmpty(a.linking(slots))
        }
    }
}
