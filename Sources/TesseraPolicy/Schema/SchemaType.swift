/// A type in a Cedar schema, with every name resolved.
public indirect enum SchemaType: Sendable, Hashable, CustomStringConvertible {
    case bool
    case long
    case string
    case set(SchemaType)
    case record(RecordType)
    case entity(String)
    case ext(String)

    public var description: String {
        switch self {
        case .bool: "Bool"
        case .long: "Long"
        case .string: "String"
        case .set(let t): "Set<\(t)>"
        case .record(let r): r.description
        case .entity(let n): n
        case .ext(let n): n
        }
    }
}
