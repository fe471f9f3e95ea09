/// A value of one of Cedar's extension types.
public enum ExtensionValue: Sendable, Hashable, CustomStringConvertible {
    /// `decimal`: the value times 10^4.
    case decimal(Int64)
    /// `ipaddr`: an IPv4 or IPv6 address or CIDR range.
    case ipaddr(IPAddress)
    /// `datetime`: milliseconds since the Unix epoch.
    case datetime(Int64)
    /// `duration`: milliseconds.
    case duration(Int64)

    /// The schema name of the extension type.
    public var typeName: String {
        switch self {
        case .decimal: "decimal"
        case .ipaddr: "ipaddr"
        case .datetime: "datetime"
        case .duration: "duration"
        }
    }

    public var description: String {
        switch self {
        case .decimal(let v): "decimal(\"\(CedarDecimal.format(v))\")"
        case .ipaddr(let ip): "ip(\"\(ip)\")"
        case .datetime(let ms): "datetime(\"1970-01-01\").offset(duration(\"\(ms)ms\"))"
        case .duration(let ms): "duration(\"\(ms)ms\")"
        }
    }
}
