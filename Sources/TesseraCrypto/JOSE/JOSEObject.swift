/// The members of a JSON object read by JOSE: typed accessors with `JSONDecoder`'s `decodeIfPresent` semantics (an
/// absent or `null` member is nil; a member of another type is an error).
public struct JOSEObject: Sendable {
    public let members: JOSEMembers

    /// The object in `bytes`; anything but a JSON object is an error.
    public init(parsing bytes: some Collection<UInt8>, what: String) throws(TesseraCryptoError) {
        guard let members = try JOSEJSON.parse(bytes).members else {
            throw TesseraCryptoError(.malformedJWS, "\(what) is not a JSON object")
        }
        self.members = members
    }

    public init(members: JOSEMembers) { self.members = members }

    private static func wrongType(_ key: String) -> TesseraCryptoError {
        TesseraCryptoError(.malformedJWS, "'\(key.prefix(32))' has the wrong JSON type")
    }

    public func string(_ key: String) throws(TesseraCryptoError) -> String? {
        switch members[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw Self.wrongType(key)
        }
    }

    public func number(_ key: String) throws(TesseraCryptoError) -> Double? {
        switch members[key] {
        case nil, .null?: return nil
        case .number(let value)?: return value
        default: throw Self.wrongType(key)
        }
    }

    public func strings(_ key: String) throws(TesseraCryptoError) -> [String]? {
        switch members[key] {
        case nil, .null?: return nil
        case .array(let elements)?:
            var values: [String] = []
            values.reserveCapacity(elements.count)
            for element in elements {
                guard case .string(let value) = element else { throw Self.wrongType(key) }
                values.append(value)
            }
            return values
        default: throw Self.wrongType(key)
        }
    }

    public func object(_ key: String) throws(TesseraCryptoError) -> JOSEObject? {
        switch members[key] {
        case nil, .null?: return nil
        case .object(let members)?: return JOSEObject(members: members)
        default: throw Self.wrongType(key)
        }
    }
}
