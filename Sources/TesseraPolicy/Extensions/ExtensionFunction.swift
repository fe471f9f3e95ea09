/// The extension functions and methods Cedar defines (ipaddr, decimal, datetime).
public enum ExtensionFunction: String, Sendable, Hashable, CaseIterable {
    // constructors (function style)
    case ip, decimal, datetime, duration
    // ipaddr methods
    case isIpv4, isIpv6, isLoopback, isMulticast, isInRange
    // decimal methods
    case lessThan, lessThanOrEqual, greaterThan, greaterThanOrEqual
    // datetime / duration methods
    case offset, durationSince, toDate, toTime, toMilliseconds, toSeconds, toMinutes, toHours, toDays

    /// Whether it is called as `f(x)` rather than `x.f(...)`.
    public var isConstructor: Bool {
        switch self {
        case .ip, .decimal, .datetime, .duration: true
        default: false
        }
    }

    /// Argument types (receiver first for methods) and the result type.
    var signature: (args: [String], result: String) {
        switch self {
        case .ip: (["String"], "ipaddr")
        case .decimal: (["String"], "decimal")
        case .datetime: (["String"], "datetime")
        case .duration: (["String"], "duration")
        case .isIpv4, .isIpv6, .isLoopback, .isMulticast: (["ipaddr"], "Bool")
        case .isInRange: (["ipaddr", "ipaddr"], "Bool")
        case .lessThan, .lessThanOrEqual, .greaterThan, .greaterThanOrEqual: (["decimal", "decimal"], "Bool")
        case .offset: (["datetime", "duration"], "datetime")
        case .durationSince: (["datetime", "datetime"], "duration")
        case .toDate: (["datetime"], "datetime")
        case .toTime: (["datetime"], "duration")
        case .toMilliseconds, .toSeconds, .toMinutes, .toHours, .toDays: (["duration"], "Long")
        }
    }
}
