import Foundation
import Synchronization
import TesseraAudit
import TesseraCore
import TesseraCrypto
import TesseraStore

/// A client that proved possession of a registered key with an RFC 7523 assertion.
public struct AuthenticatedClient: Sendable {
    public let identity: Identity
    public let assertionJTI: String
    /// Until when the assertion's `jti` must be remembered.
    public let replayExpiry: Date
    /// `base64url(SHA-256(DER))` of the client certificate when the client authenticated with mTLS
    /// (`tls_client_auth`, RFC 8705): tokens are then bound to it (`cnf.x5t#S256`) and there is no assertion.
    public var certificateThumbprint: String? = nil
}

/// Why client authentication failed: the RFC 6749 error, and the client it claimed to be (for the audit log).
public struct ClientAuthenticationFailure: Error, Sendable {
    public let error: OAuthError
    /// The client the request claimed to be (unverified unless `verifiedClient` is set).
    public let claimedClient: String?
    /// Set only when the credential verified and was refused afterwards (ineligible, undeclared method): the audit
    /// record may name this client; a claimed one it may not.
    public var verifiedClient: String? = nil

    public init(error: OAuthError, claimedClient: String?, verifiedClient: String? = nil) {
        self.error = error
        self.claimedClient = claimedClient
        self.verifiedClient = verifiedClient
    }

    /// The OAuth error to answer with (this one, or `code` and `description` when a caller rephrases it), carrying the
    /// verified client for the audit record.
    func attributed(_ code: OAuthError.Code? = nil, _ description: String? = nil) -> OAuthError {
        var refusal = code == nil && description == nil ? error : OAuthError(code ?? error.code, description ?? error.description)
        refusal.verifiedParty = verifiedClient
        return refusal
    }
}

/// Verifies `private_key_jwt` client assertions (RFC 7523 §3, RFC 8725).
public final class ClientAssertionVerifier: Sendable {
    public static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    private let identities: any IdentityRepository
    private let replay: ReplayCache
    /// Where a `jti` is claimed for every server sharing the storage (PostgreSQL), after the local cache
    /// let it through; `nil` when this server is alone on its database.
    private let sharedReplay: (any TokenStateRepository)?
    private let clock: any TimeSource
    private let maximumLifetime: TimeInterval
    private let skew: TimeInterval
    private let keyCache = Mutex<[String: (Date, [KeyedVerificationKey])]>([:])
    /// JWT-SVID keys of the trust domain: JWT-SVIDs are accepted as assertions (docs/spiffe.md).
    private let jwtSVIDKeys: JWTSVIDKeySource
    /// Leases of JWT-SVIDs (`jti`): a revoked JWT-SVID is no client assertion. Nil in protocol tests.
    private let leases: (any TaskRepository)?

    public init(
        identities: any IdentityRepository, replay: ReplayCache, clock: any TimeSource, maximumLifetime: Int, skew: Int,
        jwtSVIDKeys: JWTSVIDKeySource = JWTSVIDKeySource(), sharedReplay: (any TokenStateRepository)? = nil,
        leases: (any TaskRepository)? = nil
    ) {
        self.leases = leases
        self.jwtSVIDKeys = jwtSVIDKeys
        self.sharedReplay = sharedReplay
        self.identities = identities
        self.replay = replay
        self.clock = clock
        self.maximumLifetime = TimeInterval(maximumLifetime)
        self.skew = TimeInterval(skew)
    }

    /// Authenticates the client of a request; `audiences` are the values `aud` may name. `issuesAfterAudit`: the
    /// caller issues nothing on this authentication before a durable audit append (the token endpoint), so the shared
    /// claim of the `jti` need not wait for its own flush (`TokenStateRepository.claimReplayKeyBeforeAudit`).
    public func authenticate(
        _ form: FormBody, audiences: Set<String>, issuesAfterAudit: Bool = false
    ) async throws(ClientAuthenticationFailure) -> AuthenticatedClient {
        var claimed: String? = form.nonEmpty("client_id")
        func fail(_ description: String, _ code: OAuthError.Code = .invalidClient) -> ClientAuthenticationFailure {
            ClientAuthenticationFailure(error: OAuthError(code, description), claimedClient: claimed)
        }
        if form["client_secret"] != nil {
            throw fail("client secrets are not accepted: workloads authenticate with private_key_jwt (RFC 7523)")
        }
        guard let type = form.nonEmpty("client_assertion_type"), let assertion = form.nonEmpty("client_assertion") else {
            throw fail("client authentication is required: send client_assertion_type and client_assertion")
        }
        guard type == Self.assertionType else { throw fail("client_assertion_type must be \(Self.assertionType)") }

        let jws: CompactJWS
        let claims: JWTClaims
        do {
            jws = try CompactJWS(parsing: assertion)
            claims = try JWTClaims.decode(jws.payload)
        } catch {
            throw fail("malformed client assertion: \(error.reason)")
        }
        if let typ = jws.header.typ?.lowercased(), !["jwt", "client-authentication+jwt"].contains(typ) {
            throw fail("client assertion has typ '\(typ.prefix(32))'; an access token is not a client assertion")
        }
        // A JWT-SVID has no iss (or the trust domain's JWT-SVID issuer): its sub is the client and the trust domain's
        // JWT-SVID key signs it.
        let isJWTSVID =
            (claims.iss == nil || (jwtSVIDKeys.issuer != nil && claims.iss == jwtSVIDKeys.issuer))
            && jws.header.kid.map { jwtSVIDKeys.contains(kid: $0) } == true
        guard let subject = claims.sub, let issuer = isJWTSVID ? subject : claims.iss, issuer == subject else {
            throw fail("client assertion must carry iss and sub, both equal to the client id")
        }
        // A client id is a SPIFFE ID (ASCII, at most 2,048 bytes): checked before the inventory lookup hashes it, as a
        // String is hashed after Unicode normalisation, which a long run of combining marks makes slow (attacker review).
        guard issuer.utf8.count <= 2048, issuer.utf8.allSatisfy({ $0 < 0x80 }) else {
            throw fail("client assertion iss must be a SPIFFE ID")
        }
        if let clientID = claimed, clientID != issuer {
            throw fail("client_id does not match the assertion's issuer")
        }
        claimed = issuer

        let identity: Identity?
        do {
            identity = try await identities.get(spiffeID: issuer)
        } catch {
            throw ClientAuthenticationFailure(
                error: OAuthError(.temporarilyUnavailable, "inventory unavailable", status: .serviceUnavailable),
                claimedClient: claimed)
        }
        guard let identity else { throw fail("unknown client") }
        // Nothing verified yet: an identity without private_key_jwt has no key an assertion could be checked with.
        if !isJWTSVID, !identity.accepts(.privateKeyJWT) {
            throw fail("this client does not authenticate with private_key_jwt (see its auth_methods)")
        }
        do {
            try jws.verify(with: isJWTSVID ? jwtSVIDKeys.keys : try keys(for: identity))
        } catch {
            throw fail("client assertion signature is not valid for the registered key: \(error.reason)")
        }
        let now = clock.now()

        // One audience, and it must be this server (RFC 7523 §3, RFC 8725 §3.9): an assertion meant for several
        // parties could be replayed here by any of them.
        guard let aud = claims.aud, aud.values.count == 1, audiences.contains(aud.values[0]) else {
            throw fail("client assertion aud must be exactly one value: this authorization server's token endpoint or issuer")
        }
        guard let exp = claims.exp?.date else { throw fail("client assertion has no exp") }
        guard exp.addingTimeInterval(skew) > now else { throw fail("client assertion has expired") }
        guard exp <= now.addingTimeInterval(maximumLifetime + skew) else {
            throw fail("client assertion expires too far in the future (at most \(Int(maximumLifetime)) s)")
        }
        if let nbf = claims.nbf?.date, nbf > now.addingTimeInterval(skew) {
            throw fail("client assertion is not valid yet (nbf)")
        }
        if let iat = claims.iat?.date {
            guard iat <= now.addingTimeInterval(skew) else { throw fail("client assertion was issued in the future") }
            guard iat >= now.addingTimeInterval(-(maximumLifetime + skew)) else {
                throw fail("client assertion is too old (iat)")
            }
        }
        guard let jti = claims.jti, !jti.isEmpty, jti.utf8.count <= 256 else {
            throw fail("client assertion must carry a jti of at most 256 bytes")
        }
        let replayExpiry = exp.addingTimeInterval(skew)
        let replayKey = Self.replayKey(client: issuer, jti: jti)
        guard replay.insert(replayKey, expiresAt: replayExpiry, now: now) else {
            throw fail("client assertion jti was already used (replay)")
        }
        if let sharedReplay {
            let fresh: Bool
            do {
                fresh =
                    issuesAfterAudit
                    ? try await sharedReplay.claimReplayKeyBeforeAudit(replayKey, expiresAt: replayExpiry, now: now)
                    : try await sharedReplay.claimReplayKey(replayKey, expiresAt: replayExpiry, now: now)
            } catch {
                throw ClientAuthenticationFailure(
                    error: OAuthError(.temporarilyUnavailable, "replay protection unavailable", status: .serviceUnavailable),
                    claimedClient: claimed)
            }
            guard fresh else { throw fail("client assertion jti was already used (replay)") }
        } else {
            // Only in memory until the request's audit record stores it: note it, so a refusal persists it.
            RefusalScope.current?.consumed.add(ReplayGuard(key: replayKey, expiresAt: replayExpiry))
        }
        // Only now, with the signature, audience, lifetime and single use checked, does the assertion prove its
        // client: an expired, foreign or replayed one proves nothing and must not name anyone in a record (attacker
        // re-check finding: a dead assertion of a suspended identity wrote one record per replay).
        if case .ineligible(let reason) = identity.eligibility(at: now) {
            throw ClientAuthenticationFailure(
                error: OAuthError(.invalidClient, reason), claimedClient: claimed, verifiedClient: identity.clientID)
        }
        // A genuine, fresh JWT-SVID of an identity that did not declare jwt_svid: refused, and (being after the
        // signature and replay checks) recorded on its own rather than counted.
        if isJWTSVID, !identity.accepts(.jwtSVID) {
            throw ClientAuthenticationFailure(
                error: OAuthError(.invalidClient, Self.undeclared(.jwtSVID, identity)), claimedClient: claimed,
                verifiedClient: identity.clientID)
        }
        // A JWT-SVID whose lease was revoked (`tessera lease revoke <jti>`) proves nothing any more.
        if isJWTSVID, let leases {
            let revoked: Bool
            do {
                revoked = try await leases.isRevoked(leaseID: jti, kind: AgentService.jwtLeaseKind, subject: identity.clientID)
            } catch {
                throw ClientAuthenticationFailure(
                    error: OAuthError(.temporarilyUnavailable, "lease store unavailable", status: .serviceUnavailable),
                    claimedClient: claimed)
            }
            if revoked {
                throw ClientAuthenticationFailure(
                    error: OAuthError(.invalidClient, "this JWT-SVID was revoked"), claimedClient: claimed,
                    verifiedClient: identity.clientID)
            }
        }
        return AuthenticatedClient(identity: identity, assertionJTI: jti, replayExpiry: replayExpiry)
    }

    /// The refusal of a genuine credential by a method `identity` did not declare.
    static func undeclared(_ method: AuthMethod, _ identity: Identity) -> String {
        "\(identity.clientID) does not authenticate with \(method.rawValue) (its auth_methods: "
            + "\(identity.authMethods.map(\.rawValue).joined(separator: ", ")))"
    }

    /// Whether accepted `jti`s are already claimed durably in the shared store (PostgreSQL storage).
    public var claimsDurably: Bool { sharedReplay != nil }

    /// The key under which an assertion's `jti` is remembered.
    public static func replayKey(client: String, jti: String) -> String { "assertion|\(client)|\(jti)" }

    private func keys(for identity: Identity) throws(TesseraCryptoError) -> [KeyedVerificationKey] {
        if let cached = keyCache.withLock({ $0[identity.id] }), cached.0 == identity.updatedAt { return cached.1 }
        let keys = try KeyedVerificationKey.from(try JWKSet.parse(identity.jwks))
        keyCache.withLock { cache in
            if cache.count > 100_000 { cache.removeAll(keepingCapacity: true) }
            cache[identity.id] = (identity.updatedAt, keys)
        }
        return keys
    }
}
