/// Runtime behaviour of the extension functions.
extension ExtensionFunction {
    static func constructor(forType name: String) -> ExtensionFunction? {
        switch name {
        case "ipaddr": .ip
        case "decimal": .decimal
        case "datetime": .datetime
        case "duration": .duration
        default: nil
        }
    }

    /// Applies the function to evaluated arguments (receiver first for methods).
    func apply(_ args: [Value]) throws(CedarError) -> Value {
        let sig = signature
        guard args.count == sig.args.count else {
            throw CedarError(.evaluation, "`\(rawValue)` expects \(sig.args.count) argument(s), got \(args.count)")
        }
        func fail(_ why: String) -> CedarError { CedarError(.evaluation, "`\(rawValue)`: \(why)") }
        func str(_ v: Value) throws(CedarError) -> String {
            if case .string(let s) = v { return s }
            throw fail("expected a string, got \(v.typeName)")
        }
        func ip(_ v: Value) throws(CedarError) -> IPAddress {
            if case .ext(.ipaddr(let a)) = v { return a }
            throw fail("expected ipaddr, got \(v.typeName)")
        }
        func dec(_ v: Value) throws(CedarError) -> Int64 {
            if case .ext(.decimal(let d)) = v { return d }
            throw fail("expected decimal, got \(v.typeName)")
        }
        func dt(_ v: Value) throws(CedarError) -> Int64 {
            if case .ext(.datetime(let d)) = v { return d }
            throw fail("expected datetime, got \(v.typeName)")
        }
        func dur(_ v: Value) throws(CedarError) -> Int64 {
            if case .ext(.duration(let d)) = v { return d }
            throw fail("expected duration, got \(v.typeName)")
        }
        switch self {
        case .ip:
            let s = try str(args[0])
            guard let a = IPAddress(s) else { throw fail("invalid IP address `\(s)`") }
            return .ext(.ipaddr(a))
        case .decimal:
            switch CedarDecimal.parse(try str(args[0])) {
            case .success(let v): return .ext(.decimal(v))
            case .failure(let e): throw e
            }
        case .datetime:
            let s = try str(args[0])
            guard let v = CedarDateTime.parseDatetime(s) else { throw fail("invalid datetime `\(s)`") }
            return .ext(.datetime(v))
        case .duration:
            let s = try str(args[0])
            guard let v = CedarDateTime.parseDuration(s) else { throw fail("invalid duration `\(s)`") }
            return .ext(.duration(v))
        case .isIpv4: return .bool(try ip(args[0]).isIPv4)
        case .isIpv6: return .bool(try ip(args[0]).isV6)
        case .isLoopback: return .bool(try ip(args[0]).isLoopback)
        case .isMulticast: return .bool(try ip(args[0]).isMulticast)
        case .isInRange: return .bool(try ip(args[0]).isInRange(try ip(args[1])))
        case .lessThan: return .bool(try dec(args[0]) < dec(args[1]))
        case .lessThanOrEqual: return .bool(try dec(args[0]) <= dec(args[1]))
        case .greaterThan: return .bool(try dec(args[0]) > dec(args[1]))
        case .greaterThanOrEqual: return .bool(try dec(args[0]) >= dec(args[1]))
        case .offset:
            let (v, o) = try dt(args[0]).addingReportingOverflow(try dur(args[1]))
            if o { throw fail("overflow") }
            return .ext(.datetime(v))
        case .durationSince:
            let (v, o) = try dt(args[0]).subtractingReportingOverflow(try dt(args[1]))
            if o { throw fail("overflow") }
            return .ext(.duration(v))
        case .toDate:
            guard let v = CedarDateTime.toDate(try dt(args[0])) else { throw fail("overflow") }
            return .ext(.datetime(v))
        case .toTime: return .ext(.duration(CedarDateTime.toTime(try dt(args[0]))))
        case .toMilliseconds: return .long(try dur(args[0]))
        case .toSeconds: return .long(try dur(args[0]) / 1000)
        case .toMinutes: return .long(try dur(args[0]) / 60_000)
        case .toHours: return .long(try dur(args[0]) / 3_600_000)
        case .toDays: return .long(try dur(args[0]) / 86_400_000)
        }
    }
}
