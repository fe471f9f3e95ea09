import Foundation

/// The registered claims Tessera reads from a JWT (RFC 7519), plus `scope` and `client_id` (RFC 9068).
public struct JWTClaims: Sendable, Decodable, Equatable {
    public let iss: String?
    public let sub: String?
    public let aud: Audience?
    public let exp: NumericDate?
    public let nbf: NumericDate?
    public let iat: NumericDate?
    public let jti: String?
    public let scope: String?
    public let clientID: String?
    /// Tessera's `task_id` claim: the task a token belongs to.
    public let taskID: String?
    /// RFC 8705 / RFC 9449 confirmation (`cnf`): the certificate or DPoP key a token is bound to.
    public let cnf: Confirmation?
    /// RFC 8693 `act`: the delegation chain, outermost actor first.
    public let act: ActorChain?
    /// RFC 8693 `may_act`: who may act for the subject.
    public let mayAct: MayAct?
    /// Tessera's `parent_jti`: the `jti`s of the Tessera tokens an exchanged token was derived from, nearest first.
    /// Revoking any of them revokes this token.
    public let parentJTIs: [String]?

    /// The `cnf` claim (RFC 7800), as far as Tessera uses it.
    public struct Confirmation: Sendable, Decodable, Equatable {
        /// `x5t#S256`: base64url SHA-256 thumbprint of the bound client certificate (RFC 8705 §3.1).
        public let x5tS256: String?
        /// `jkt`: RFC 7638 thumbprint of the DPoP key the token is bound to (RFC 9449 §6.1).
        public let jkt: String?

        enum CodingKeys: String, CodingKey {
            case x5tS256 = "x5t#S256"
            case jkt
        }
    }

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, nbf, iat, jti, scope, cnf, act
        case clientID = "client_id"
        case taskID = "task_id"
        case mayAct = "may_act"
        case parentJTIs = "parent_jti"
    }

    /// Decodes a claim set, refusing anything that is not a JSON object with well-typed registered claims.
    public static func decode(_ payload: Data) throws(TesseraCryptoError) -> JWTClaims {
        try decodeWithObject(payload).claims
    }

    /// `decode`, also giving the claim set's JSON object (for members beyond the registered claims).
    public static func decodeWithObject(_ payload: Data) throws(TesseraCryptoError) -> (claims: JWTClaims, object: JOSEObject) {
        do {
            let object = try JOSEObject(parsing: payload, what: "the JWT claim set")
            return (try JWTClaims(object), object)
        } catch {
            throw TesseraCryptoError(.malformedJWS, "the JWT claim set is not a JSON object with well-typed claims")
        }
    }

    /// Reads the claims from the claim set's JSON object (the token path's reader; the `Decodable` conformance reads
    /// the same claims with the same types).
    public init(_ object: JOSEObject) throws(TesseraCryptoError) {
        iss = try object.string("iss")
        sub = try object.string("sub")
        switch object.members["aud"] {
        case nil, .null?: aud = nil
        case .string(let single)?: aud = Audience(values: [single])
        default: aud = Audience(values: try object.strings("aud") ?? [])
        }
        exp = try NumericDate(object.number("exp"))
        nbf = try NumericDate(object.number("nbf"))
        iat = try NumericDate(object.number("iat"))
        jti = try object.string("jti")
        scope = try object.string("scope")
        clientID = try object.string("client_id")
        taskID = try object.string("task_id")
        cnf = try object.object("cnf").map { confirmation throws(TesseraCryptoError) in
            Confirmation(x5tS256: try confirmation.string("x5t#S256"), jkt: try confirmation.string("jkt"))
        }
        act = try object.object("act").map { actor throws(TesseraCryptoError) in try ActorChain(actor) }
        mayAct = try object.object("may_act").map { mayAct throws(TesseraCryptoError) in
            MayAct(sub: try mayAct.string("sub"), iss: try mayAct.string("iss"))
        }
        parentJTIs = try object.strings("parent_jti")
    }

    /// `aud`: a single string or an array of strings.
    public struct Audience: Sendable, Decodable, Equatable {
        public let values: [String]

        init(values: [String]) { self.values = values }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let single = try? container.decode(String.self) {
                values = [single]
            } else {
                values = try container.decode([String].self)
            }
        }

        public func contains(_ value: String) -> Bool { values.contains(value) }
    }

    /// A NumericDate: seconds since the epoch, integer or fractional.
    public struct NumericDate: Sendable, Decodable, Equatable {
        public let date: Date

        /// The date of a claim's number (nil when absent); out of range is an error, as when decoding.
        init?(_ seconds: Double?) throws(TesseraCryptoError) {
            guard let seconds else { return nil }
            guard seconds.isFinite, abs(seconds) < 1e11 else {
                throw TesseraCryptoError(.malformedJWS, "a NumericDate claim is out of range")
            }
            date = Date(timeIntervalSince1970: seconds)
        }

        public init(from decoder: any Decoder) throws {
            let seconds = try decoder.singleValueContainer().decode(Double.self)
            guard seconds.isFinite, abs(seconds) < 1e11 else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad date"))
            }
            date = Date(timeIntervalSince1970: seconds)
        }
    }
}
