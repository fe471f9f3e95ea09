import Foundation
import TesseraCore
import TesseraCrypto

extension TokenService {
    static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"
    static let jwtTokenType = "urn:ietf:params:oauth:token-type:jwt"
    static let idTokenType = "urn:ietf:params:oauth:token-type:id_token"
    static let exchangeableTokenTypes: Set<String> = [accessTokenType, jwtTokenType, idTokenType]

    /// Verifies a `subject_token` or `actor_token`: one of Tessera's own access tokens (genuine, unexpired,
    /// not revoked), a JWT from a trusted issuer (mapped to an identity by rules, or a person for a human IdP),
    /// or a JWT-SVID / client assertion signed by a registered workload key.
    func party(token: String, type: String?, role: String, services: TokenExchangeServices) async throws(OAuthError)
        -> ExchangeParty
    {
        func fail(_ reason: String) -> OAuthError { OAuthError(.invalidRequest, "\(role): \(reason)") }
        guard let type else { throw fail("\(role)_type is required (RFC 8693 §2.1)") }
        guard Self.exchangeableTokenTypes.contains(type) else { throw fail("\(role)_type '\(type.prefix(80))' is not supported") }
        let jws: CompactJWS
        let claims: JWTClaims
        do {
            jws = try CompactJWS(parsing: token)
            claims = try JWTClaims.decode(jws.payload)
        } catch {
            throw fail("malformed token: \(error.reason)")
        }
        let now = clock.now()
        if claims.iss == issuer {
            return try await own(token, role: role, now: now, services: services)
        }
        // A JWT-SVID of another trust domain has no iss: its trust domain (`spiffe://<td>`) is the issuer.
        var iss = claims.iss
        // This trust domain's JWT-SVIDs carry the JWT-SVID issuer when one is configured: verified below, as without it.
        let ownJWTSVIDIssuer = configuration.spiffe.jwtIssuer
        if iss != nil, iss == ownJWTSVIDIssuer { iss = nil }
        if iss == nil, claims.iss == nil, let sub = claims.sub, let id = try? SPIFFEID(parsing: sub),
            id.trustDomain != configuration.trustDomain
        {
            iss = "spiffe://" + id.trustDomain
        }
        if let iss, let trusted = try await services.external.trusted(iss) {
            let verified = try await services.external.verify(jws, claims: claims, issuer: trusted, role: role)
            var party: ExchangeParty
            switch trusted.kind {
            case .human:
                // People are keyed on (iss, sub), never on the email claim (see HumanName).
                party = ExchangeParty(
                    subject: HumanName.key(issuer: trusted.issuer, subject: verified.subject), identity: nil, kind: .human,
                    expiresAt: verified.expiresAt, sourceIssuer: iss)
            case .workload:
                switch ClaimMapper.map(verified.flat, rules: trusted.rules) {
                case .noMatch:
                    throw OAuthError(.invalidGrant, "\(role): no claim-mapping rule of \(iss.prefix(200)) matches this token")
                case .ambiguous(let identities):
                    throw OAuthError(
                        .invalidGrant, "\(role): claim-mapping rules are ambiguous (\(identities.joined(separator: ", ")))")
                case .mapped(let spiffeID, let rule):
                    let identity = try await eligibleIdentity(spiffeID, role: role, services: services, now: now)
                    party = ExchangeParty(
                        subject: spiffeID, identity: identity, kind: .workload, expiresAt: verified.expiresAt,
                        sourceIssuer: iss)
                    party.mappingRule = rule
                }
            }
            party.jti = verified.claims.jti
            party.claims = verified.flat
            party.mayAct = verified.claims.mayAct
            party.audience = verified.claims.aud?.values ?? []
            return party
        }
        if let iss = claims.iss, iss != claims.sub, iss != ownJWTSVIDIssuer {
            throw OAuthError(.invalidGrant, "\(role): issuer \(iss.prefix(200)) is not trusted")
        }
        // A JWT-SVID or a client assertion: the workload proves itself with its registered key.
        let client: AuthenticatedClient
        do {
            client = try await verifier.authenticate(
                FormBody(values: ["client_assertion_type": ClientAssertionVerifier.assertionType, "client_assertion": token]),
                audiences: [tokenEndpoint, issuer])
        } catch {
            throw error.attributed(
                error.error.code == .serverError ? .serverError : .invalidRequest, "\(role): \(error.error.description)")
        }
        var party = ExchangeParty(
            subject: client.identity.clientID, identity: client.identity, kind: .workload,
            expiresAt: claims.exp?.date ?? now, sourceIssuer: claims.iss ?? "spiffe://\(configuration.trustDomain)")
        party.jti = claims.jti
        party.mayAct = claims.mayAct
        party.assertion = client
        return party
    }

    /// One of Tessera's own tokens.
    private func own(_ token: String, role: String, now: Date, services: TokenExchangeServices) async throws(OAuthError)
        -> ExchangeParty
    {
        guard let claims = validator.validate(token), let jti = claims.jti, let exp = claims.exp?.date, let sub = claims.sub
        else { throw OAuthError(.invalidRequest, "\(role): not a genuine Tessera access token") }
        guard exp > now else { throw OAuthError(.invalidGrant, "\(role): the token has expired") }
        let revoked: Bool
        do {
            revoked = try await isRevoked(claims)
        } catch {
            throw OAuthError(.temporarilyUnavailable, "revocation state unavailable", status: .serviceUnavailable)
        }
        guard !revoked else { throw OAuthError(.invalidGrant, "\(role): the token was revoked") }
        let human = sub.hasPrefix("human:")
        var identity: Identity? = nil
        if !human {
            do {
                identity = try await services.identities.get(spiffeID: sub)
            } catch {
                throw OAuthError(.temporarilyUnavailable, "inventory unavailable", status: .serviceUnavailable)
            }
            guard let identity else { throw OAuthError(.invalidGrant, "\(role): the token's subject is not in the inventory") }
            if case .ineligible(let reason) = identity.eligibility(at: now) {
                throw OAuthError(.invalidGrant, "\(role): \(reason)")
            }
        }
        var party = ExchangeParty(
            subject: sub, identity: identity, kind: human ? .human : .workload, expiresAt: exp, sourceIssuer: issuer)
        party.chain = claims.act?.subjects ?? []
        party.scopes = claims.scope.map { $0.split(separator: " ").map(String.init) } ?? []
        party.taskID = claims.taskID
        party.jti = jti
        party.mayAct = claims.mayAct
        party.dpopThumbprint = claims.cnf?.jkt
        party.certificateThumbprint = claims.cnf?.x5tS256
        party.audience = claims.aud?.values ?? []
        party.clientID = claims.clientID
        party.parentJTIs = claims.parentJTIs ?? []
        return party
    }

    private func eligibleIdentity(_ spiffeID: String, role: String, services: TokenExchangeServices, now: Date)
        async throws(OAuthError) -> Identity
    {
        let identity: Identity?
        do {
            identity = try await services.identities.get(spiffeID: spiffeID)
        } catch {
            throw OAuthError(.temporarilyUnavailable, "inventory unavailable", status: .serviceUnavailable)
        }
        guard let identity else {
            throw OAuthError(.invalidGrant, "\(role): the mapped identity \(spiffeID) is not in the inventory")
        }
        if case .ineligible(let reason) = identity.eligibility(at: now) { throw OAuthError(.invalidGrant, "\(role): \(reason)") }
        return identity
    }
}
