/// Types used by the validator (Cedar's strict type system, including singleton booleans).
indirect enum CedarType: Hashable, CustomStringConvertible {
    enum BoolKind: Hashable { case any, yes, no }

    case never
    case bool(BoolKind)
    case long
    case string
    /// A set; `nil` element means "any set" (only used as an expected type).
    case set(CedarType?)
    /// A record; `open` only for the "any record" expected type.
    case record([String: Attr], open: Bool)
    case entity(String)
    case anyEntity
    case ext(String)

    struct Attr: Hashable {
        let type: CedarType
        let required: Bool
    }

    static let anyBool = CedarType.bool(.any)
    static func singleton(_ b: Bool) -> CedarType { .bool(b ? .yes : .no) }
    static let anyRecord = CedarType.record([:], open: true)

    init(_ t: SchemaType) {
        switch t {
        case .bool: self = .bool(.any)
        case .long: self = .long
        case .string: self = .string
        case .set(let e): self = .set(CedarType(e))
        case .record(let r): self = CedarType(r)
        case .entity(let n): self = .entity(n)
        case .ext(let n): self = .ext(n)
        }
    }

    init(_ r: RecordType) {
        self = .record(r.attributes.mapValues { Attr(type: CedarType($0.type), required: $0.required) }, open: false)
    }

    var description: String {
        switch self {
        case .never: "Never"
        case .bool(.yes): "True"
        case .bool(.no): "False"
        case .bool: "Bool"
        case .long: "Long"
        case .string: "String"
        case .set(let e): "Set<\(e.map(\.description) ?? "_")>"
        case .record(let a, _):
            "{" + a.keys.sorted().map { "\($0)\(a[$0]!.required ? "" : "?"): \(a[$0]!.type)" }.joined(separator: ", ") + "}"
        case .entity(let n): n
        case .anyEntity: "entity"
        case .ext(let n): n
        }
    }

    /// Subtyping; `strict` disables width subtyping and entity-to-any-entity subtyping.
    static func isSubtype(_ a: CedarType, _ b: CedarType, strict: Bool) -> Bool {
        switch (a, b) {
        case (.never, _): return true
        case (.bool(let x), .bool(let y)): return x == y || y == .any
        case (.long, .long), (.string, .string): return true
        case (.set(let x), .set(let y)):
            switch (x, y) {
            case (_, nil): return true
            case (nil, _): return false
            case (let x?, let y?): return isSubtype(x, y, strict: strict)
            }
        case (.record(let x, let openX), .record(let y, let openY)):
            guard !openX || openY else { return false }
            func attrOK(_ p: Attr, _ q: Attr) -> Bool {
                let qualifier = strict ? p.required == q.required : (p.required || !q.required)
                return qualifier && isSubtype(p.type, q.type, strict: strict)
            }
            let width = y.allSatisfy { k, q in x[k].map { attrOK($0, q) } ?? false }
            if openY && !strict && width { return true }
            return Set(x.keys) == Set(y.keys) && width
        case (.entity(let x), .entity(let y)): return x == y
        case (.anyEntity, .anyEntity): return true
        case (.entity, .anyEntity): return !strict
        case (.ext(let x), .ext(let y)): return x == y
        default: return false
        }
    }

    /// Strict least upper bound, or nil when the types are incompatible.
    static func lub(_ a: CedarType, _ b: CedarType) -> CedarType? {
        if isSubtype(a, b, strict: true) { return b }
        if isSubtype(b, a, strict: true) { return a }
        switch (a, b) {
        case (.bool, .bool): return .anyBool
        case (.set(nil), .set), (.set, .set(nil)): return .set(nil)
        case (.set(let x?), .set(let y?)):
            guard let e = lub(x, y) else { return nil }
            return .set(e)
        case (.record(let x, let ox), .record(let y, let oy)):
            guard Set(x.keys) == Set(y.keys) else { return nil }
            var out: [String: Attr] = [:]
            for (k, p) in x {
                let q = y[k]!
                guard p.required == q.required, let t = lub(p.type, q.type) else { return nil }
                out[k] = Attr(type: t, required: p.required)
            }
            return .record(out, open: ox || oy)
        default: return nil
        }
    }

    /// Whether no value inhabits both types (only decided for entity types).
    static func disjoint(_ a: CedarType, _ b: CedarType) -> Bool {
        if case .entity(let x) = a, case .entity(let y) = b { return x != y }
        return false
    }
}
