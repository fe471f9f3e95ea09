/// A Cedar runtime value.
public enum Value: Sendable, Hashable, CustomStringConvertible {
    /// `true` / `false`.
    case bool(Bool)
    /// A 64-bit integer (`Long`); arithmetic overflow is an error.
    case long(Int64)
    /// A string.
    case string(String)
    /// An entity reference.
    case entity(EntityUID)
    /// A set (unordered, no duplicates).
    case set(Set<Value>)
    /// A record of named attributes.
    case record([String: Value])
    /// A value of an extension type (`ipaddr`, `decimal`, `datetime`, `duration`).
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
