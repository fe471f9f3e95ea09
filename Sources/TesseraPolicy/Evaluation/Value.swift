/// A Cedar runtime value.
public enum Value: Sendable, Hashable, CustomStringConvertible {
    case bool(Bool)
    case long(Int64)
    case string(String)
    case entity(EntityUID)
    case set(Set<Value>)
    case record([String: Value])
    case ext(ExtensionValue)

    /// The Cedar type name of this value, used in error messages.
    public var typeName: String {
        switch self {
        case .bool: "bool"
        case .long: "long"
        case .string: "string"
        case .entity: "entity"
        case .set: "set"
        case .record: "record"
        case .ext(let e): e.typeName
        }
    }

    public var description: String {
        switch self {
        case .bool(let b): return b ? "true" : "false"
        case .long(let l): return String(l)
        case .string(let s): return CedarString.quoted(s)
        case .entity(let uid): return uid.description
        case .set(let s): return "[" + s.map(\.description).sorted().joined(separator: ", ") + "]"
        case .record(let r):
            let items = r.keys.sorted().map { "\(CedarString.quoted($0)): \(r[$0]!.description)" }
            return "{" + items.joined(separator: ", ") + "}"
        case .ext(let e): return e.description
        }
    }
}
