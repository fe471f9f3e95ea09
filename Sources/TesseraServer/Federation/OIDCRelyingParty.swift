import Crypto
import Foundation
import TesseraAudit
import TesseraCore
import TesseraCrypto
import TesseraStore

/// The server as an OIDC relying party of the organisation's IdP: authorization code flow with PKCE (S256),
/// `state` and `nonce`, for the console and `tessera login` (loopback redirect). A verified ID token whose
/// groups map to a role becomes a short admin session.
public actor OIDCRelyingParty {
    private struct Pending {
        let verifier: String
        let nonce: String
        let returnTo: String?
        let createdAt: Date
    }

    /// What a completed sign-in yields.
    public struct SignIn: Sendable {
        public let session: String
        public let human: String
        public let role: AdminRole
        public let expiresAt: Date
        public let returnTo: String?
    }

    let idp: HumanIdPConfiguration
    let callback: String
    let fetcher: HTTPDocumentFetcher
    let issuers: any TrustedIssuerRepository
    let external: ExternalTokenVerifier
    let sessions: HumanSessions
    let audit: AuditLog
    let clock: any TimeSource
    private var pending: [String: Pending] = [:]
    private var endpoints: (authorize: String, token: String)? = nil

    init(
        idp: HumanIdPConfiguration, callback: String, fetcher: HTTPDocumentFetcher, issuers: any TrustedIssuerRepository,
        external: ExternalTokenVerifier, sessions: HumanSessions, audit: AuditLog, clock: any TimeSource
    ) {
        self.idp = idp
        self.callback = callback
        self.fetcher = fetcher
        self.issuers = issuers
        self.external = external
        self.sessions = sessions
        self.audit = audit
        self.clock = clock
    }

    /// Only loopback `http` URLs may receive a session (the CLI's redirect listener).
    static func isLoopback(_ url: String) -> Bool {
        guard let parsed = URL(string: url), parsed.scheme == "http", let host = parsed.host else { return false }
        return host == "127.0.0.1" || host == "localhost" || host == "::1"
    }

    /// The IdP authorization URL for a new sign-in.
    func start(returnTo: String?) async throws(ProblemDetails) -> String {
        if let returnTo, !Self.isLoopback(returnTo) {
            throw ProblemDetails.badRequest("return_to must be an http://127.0.0.1 (loopback) URL")
        }
        let now = clock.now()
        pending = pending.filter { now.timeIntervalSince($0.value.createdAt) < 600 }
        guard pending.count < 10_000 else {
            throw ProblemDetails(.serviceUnavailable, "Unavailable", detail: "too many sign-ins in progress")
        }
        let (authorize, _) = try await discover()
        let state = RandomToken.base64URL(bytes: 24)
        let verifier = RandomToken.base64URL(bytes: 32)
        let nonce = RandomToken.base64URL(bytes: 18)
        pending[state] = Pending(verifier: verifier, nonce: nonce, returnTo: returnTo, createdAt: now)
        let challenge = Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
        var components = URLComponents(string: authorize)
        let existing = components?.queryItems ?? []
        components?.queryItems =
            existing + [
                URLQueryItem(name: "response_type", value: "code"), URLQueryItem(name: "client_id", value: idp.clientID),
                URLQueryItem(name: "redirect_uri", value: callback), URLQueryItem(name: "scope", value: "openid email profile"),
                URLQueryItem(name: "state", value: state), URLQueryItem(name: "nonce", value: nonce),
                URLQueryItem(name: "code_challenge", value: challenge),
                URLQueryItem(name: "code_challenge_method", value: "S256"),
            ]
        guard let url = components?.string else {
            throw ProblemDetails(.internalServerError, "Error", detail: "bad authorize URL")
        }
        return url
    }

    /// Completes a sign-in: redeems the code (with the PKCE verifier), verifies the ID token, maps groups to a role.
    func finish(code: String, state: String, source: String?) async throws(ProblemDetails) -> SignIn {
        guard let login = pending.removeValue(forKey: state), clock.now().timeIntervalSince(login.createdAt) < 600 else {
            throw ProblemDetails.badRequest("unknown or expired sign-in state: start again")
        }
        let (_, tokenEndpoint) = try await discover()
        var fields = [
            "grant_type": "authorization_code", "code": code, "redirect_uri": callback, "client_id": idp.clientID,
            "code_verifier": login.verifier,
        ]
        fields["client_secret"] = idp.clientSecret
        let reply: (Int, Data)
        do {
            reply = try await fetcher.postForm(tokenEndpoint, fields)
        } catch {
            throw ProblemDetails(.badGateway, "IdP unavailable", detail: error.description)
        }
        guard reply.0 == 200, let object = try? JSONSerialization.jsonObject(with: reply.1) as? [String: Any],
            let idToken = object["id_token"] as? String
        else {
            throw ProblemDetails(.badGateway, "IdP refused", detail: "the IdP did not return an ID token (status \(reply.0))")
        }
        let human: String
        let role: AdminRole
        do throws(OAuthError) {
            (human, role) = try await verify(idToken, nonce: login.nonce)
        } catch {
            _ = try? await audit.append(
                AuditEvent(
                    type: "human.sign_in_refused", outcome: .denied, reason: error.description,
                    details: ["issuer": .string(idp.issuer), "source": .string(source ?? "unknown")]))
            throw ProblemDetails(.forbidden, "Sign-in refused", detail: error.description)
        }
        let now = clock.now()
        let minted: (token: String, jti: String, expiresAt: Date)
        do {
            minted = try sessions.mint(human: human, role: role, now: now)
        } catch {
            throw ProblemDetails(.internalServerError, "Error", detail: "could not sign the session")
        }
        do {
            try await audit.append(
                AuditEvent(
                    type: "human.signed_in", outcome: .success, actor: human, subject: human,
                    details: [
                        "role": .string(role.rawValue), "issuer": .string(idp.issuer), "jti": .string(minted.jti),
                        "exp": .int(Int64(minted.expiresAt.timeIntervalSince1970)), "source": .string(source ?? "unknown"),
                    ],
                    lease: Lease(
                        id: minted.jti, kind: "human_session", subject: human, taskID: nil, issuedAt: now,
                        expiresAt: minted.expiresAt)))
        } catch {
            throw ProblemDetails(
                .serviceUnavailable, "Unavailable", detail: "the audit log is unavailable; no session was issued")
        }
        return SignIn(session: minted.token, human: human, role: role, expiresAt: minted.expiresAt, returnTo: login.returnTo)
    }

    private func verify(_ idToken: String, nonce: String) async throws(OAuthError) -> (String, AdminRole) {
        guard let trusted = try await external.trusted(idp.issuer), trusted.kind == .human else {
            throw OAuthError(.accessDenied, "the IdP \(idp.issuer) is not a trusted issuer of kind human")
        }
        let jws: CompactJWS
        let claims: JWTClaims
        do {
            jws = try CompactJWS(parsing: idToken)
            claims = try JWTClaims.decode(jws.payload)
        } catch {
            throw OAuthError(.invalidGrant, "malformed ID token: \(error.reason)")
        }
        guard claims.iss == idp.issuer, claims.aud?.contains(idp.clientID) == true else {
            throw OAuthError(.invalidGrant, "the ID token is not from \(idp.issuer) for client \(idp.clientID)")
        }
        let verified = try await external.verify(jws, claims: claims, issuer: trusted, role: "id_token")
        guard verified.flat["nonce"] == nonce else { throw OAuthError(.invalidGrant, "the ID token's nonce does not match") }
        let groups = verified.flat.lists[trusted.groupsClaim ?? "groups"] ?? []
        guard let role = AdminRole.highest(groups: groups, mappings: trusted.roleMappings) else {
            throw OAuthError(.accessDenied, "none of your IdP groups maps to a Tessera role")
        }
        return ("human:" + (verified.flat["email"] ?? verified.subject), role)
    }

    private func discover() async throws(ProblemDetails) -> (String, String) {
        if let endpoints { return endpoints }
        do {
            let data = try await fetcher.get(idp.issuer + "/.well-known/openid-configuration")
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                object["issuer"] as? String == idp.issuer, let authorize = object["authorization_endpoint"] as? String,
                let token = object["token_endpoint"] as? String, HTTPDocumentFetcher.isAllowed(authorize),
                HTTPDocumentFetcher.isAllowed(token)
            else { throw ProblemDetails(.badGateway, "IdP misconfigured", detail: "the IdP's discovery document is unusable") }
            endpoints = (authorize, token)
            return (authorize, token)
        } catch let error as ProblemDetails {
            throw error
        } catch {
            throw ProblemDetails(.badGateway, "IdP unavailable", detail: "\(error)")
        }
    }
}
