/// Literal conformances and constructors so callers can build contexts and attributes tersely:
/// `["env": "prod", "scopes": ["read", "write"], "depth": 2, "source": .ipaddr("10.0.0.7")!]`.
extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .long(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: Value...) { self = .set(Set(elements)) }
    public init(dictionaryLiteral elements: (String, Value)...) {
        self = .record(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    /// An `ipaddr` value, or nil if `text` is not an IP address or CIDR range.
    public static func ipaddr(_ text: String) -> Value? { IPAddress(text).map { .ext(.ipaddr($0)) } }

    /// A `decimal` value, or nil if `text` is not a Cedar decimal.
    public static func decimal(_ text: String) -> Value? {
        if case .success(let v) = CedarDecimal.parse(text) { return .ext(.decimal(v)) }
        return nil
    }

    /// A `datetime` value from milliseconds since the Unix epoch.
    public static func datetime(millisecondsSince1970 ms: Int64) -> Value { .ext(.datetime(ms)) }

    /// A `datetime` value from a Cedar datetime string (`2024-01-01T00:00:00Z`, ...), or nil.
    public static func datetime(_ text: String) -> Value? { CedarDateTime.parseDatetime(text).map { .ext(.datetime($0)) } }

    /// A `duration` value in milliseconds.
    public static func duration(milliseconds ms: Int64) -> Value { .ext(.duration(ms)) }
}
