import Crypto
import Foundation
import TesseraAudit
import TesseraCore
import TesseraCrypto
import TesseraStore

/// The server as an OIDC relying party of the organisation's IdP: authorization code flow with PKCE (S256),
/// `state` and `nonce`, for the console and `tessera login`. A verified ID token whose groups map to a role
/// becomes a short admin session.
///
/// A sign-in in progress is held by the browser, not the server: `state` is a sealed ``PendingSignIn``
/// (verifier, nonce, browser binding, the CLI's redirect and challenge, expiry), and the browser carries the
/// binding in an HttpOnly cookie, so the callback is accepted only from the browser that started it. Any
/// number of `GET /auth/login` costs the server no memory. Callbacks are single use (best effort: a bounded
/// set of used states until they expire; the IdP's code is single use and bound to the verifier anyway).
public actor OIDCRelyingParty {
    /// What `state` carries (sealed).
    struct PendingSignIn: Codable {
        let id: String
        let verifier: String
        let nonce: String
        /// The value of the browser's sign-in cookie.
        let binding: String
        /// `tessera login`: the CLI's exact loopback redirect and its PKCE challenge (S256).
        let cliRedirect: String?
        let cliChallenge: String?
        /// The console: its PKCE challenge (S256); the code comes back in the fragment of `consoleRedirect`.
        var consoleChallenge: String? = nil
        let expiresAt: Date
    }

    /// A person whose ID token was verified and whose groups map to a role.
    struct Person: Codable {
        let human: String
        let role: AdminRole
        let email: String?
    }

    /// What `GET /auth/login` answers: where to send the browser and the cookie that binds the sign-in to it.
    public struct Start: Sendable {
        public let authorizeURL: String
        public let cookie: String
    }

    /// What a completed sign-in yields.
    public struct SignIn: Sendable {
        public let session: String
        public let human: String
        public let email: String?
        public let role: AdminRole
        public let expiresAt: Date
    }

    /// How a callback ends: a session for the browser, or a one-time code for the CLI's loopback redirect.
    public enum Completion: Sendable {
        case session(SignIn)
        case cliRedirect(String)
        /// `tessera login`: the person confirms on a Tessera page before the code goes to the loopback listener.
        case cliConfirm(CLIConfirmation)
    }

    /// What the confirmation page shows and carries: who signs in, where the code goes, the sealed code.
    public struct CLIConfirmation: Sendable {
        public let code: String
        public let redirect: String
        public let person: String
        public let role: AdminRole
    }

    static let cookieName = "tessera_signin"
    static let statePurpose = "tessera sign-in state v1"
    /// A sign-in must come back within this long.
    static let lifetime: TimeInterval = 600

    let idp: HumanIdPConfiguration
    let callback: String
    /// Where the console's sign-in ends: `<public base>/console/` (the one-time code rides in the fragment).
    let consoleRedirect: String
    let fetcher: HTTPDocumentFetcher
    let issuers: any TrustedIssuerRepository
    let external: ExternalTokenVerifier
    let sessions: HumanSessions
    let audit: AuditLog
    let clock: any TimeSource
    let seal = SignInSeal()
    var used = UsedOnce(capacity: 10_000)
    private var endpoints: (authorize: String, token: String)? = nil

    init(
        idp: HumanIdPConfiguration, callback: String, fetcher: HTTPDocumentFetcher, issuers: any TrustedIssuerRepository,
        external: ExternalTokenVerifier, sessions: HumanSessions, audit: AuditLog, clock: any TimeSource
    ) {
        self.idp = idp
        self.callback = callback
        self.consoleRedirect = String(callback.dropLast("/auth/callback".count)) + "/console/"
        self.fetcher = fetcher
        self.issuers = issuers
        self.external = external
        self.sessions = sessions
        self.audit = audit
        self.clock = clock
    }

    /// The IdP authorization URL for a new sign-in, and the cookie binding it to this browser. With
    /// `cliRedirect`, the sign-in ends on `tessera login`'s loopback listener (see ``cliRedirectRefusal(_:)``).
    func start(cliRedirect: String?, cliChallenge: String?, consoleChallenge: String? = nil) async throws(ProblemDetails)
        -> Start
    {
        if let consoleChallenge {
            guard cliRedirect == nil, cliChallenge == nil else {
                throw ProblemDetails.badRequest(
                    "console_challenge is for the console; tessera login sends redirect_uri and code_challenge")
            }
            guard Self.isChallenge(consoleChallenge) else {
                throw ProblemDetails.badRequest("console_challenge must be an S256 PKCE challenge (43 base64url characters)")
            }
        }
        switch (cliRedirect, cliChallenge) {
        case (nil, nil): break
        case (let redirect?, let challenge?):
            if let refusal = Self.cliRedirectRefusal(redirect) { throw ProblemDetails.badRequest(refusal) }
            guard Self.isChallenge(challenge) else {
                throw ProblemDetails.badRequest("code_challenge must be an S256 PKCE challenge (43 base64url characters)")
            }
        default: throw ProblemDetails.badRequest("redirect_uri and code_challenge go together (tessera login sends both)")
        }
        let (authorize, _) = try await discover()
        let binding = RandomToken.base64URL(bytes: 18)
        let pending = PendingSignIn(
            id: RandomToken.base64URL(bytes: 12), verifier: RandomToken.base64URL(bytes: 32),
            nonce: RandomToken.base64URL(bytes: 18), binding: binding, cliRedirect: cliRedirect, cliChallenge: cliChallenge,
            consoleChallenge: consoleChallenge, expiresAt: clock.now().addingTimeInterval(Self.lifetime))
        let state: String
        do {
            state = try seal.seal(pending, purpose: Self.statePurpose)
        } catch {
            throw ProblemDetails(.internalServerError, "Error", detail: "could not start the sign-in")
        }
        let challenge = Base64URL.encode(Data(SHA256.hash(data: Data(pending.verifier.utf8))))
        var components = URLComponents(string: authorize)
        let existing = components?.queryItems ?? []
        components?.queryItems =
            existing + [
                URLQueryItem(name: "response_type", value: "code"), URLQueryItem(name: "client_id", value: idp.clientID),
                URLQueryItem(name: "redirect_uri", value: callback), URLQueryItem(name: "scope", value: "openid email profile"),
                URLQueryItem(name: "state", value: state), URLQueryItem(name: "nonce", value: pending.nonce),
                URLQueryItem(name: "code_challenge", value: challenge),
                URLQueryItem(name: "code_challenge_method", value: "S256"),
            ]
        guard let url = components?.string else {
            throw ProblemDetails(.internalServerError, "Error", detail: "bad authorize URL")
        }
        let cookie =
            "\(Self.cookieName)=\(binding); Path=/auth; Max-Age=\(Int(Self.lifetime)); HttpOnly; SameSite=Lax"
            + (callback.hasPrefix("https://") ? "; Secure" : "")
        return Start(authorizeURL: url, cookie: cookie)
    }

    /// Completes a sign-in: checks the sealed state against the browser's cookie, redeems the code (with the
    /// PKCE verifier), verifies the ID token, maps groups to a role. A browser gets the session in the body; a
    /// `tessera login` sign-in gets a one-time code on the CLI's loopback redirect instead.
    func finish(code: String, state: String, cookie: String?, source: String?) async throws(ProblemDetails) -> Completion {
        let now = clock.now()
        guard let login = seal.open(state, as: PendingSignIn.self, purpose: Self.statePurpose), login.expiresAt > now else {
            throw ProblemDetails.badRequest("unknown or expired sign-in state: start again")
        }
        guard let cookie, Self.constantTimeEqual(cookie, login.binding) else {
            throw ProblemDetails.badRequest("this sign-in was started in another browser: start again")
        }
        guard used.claim(login.id, until: login.expiresAt, now: now) else {
            throw ProblemDetails.badRequest("this sign-in was already completed: start again")
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
            throw ProblemDetails(.badGateway, "IdP unavailable", detail: "the IdP could not be reached")
        }
        guard reply.0 == 200, let object = try? JSONSerialization.jsonObject(with: reply.1) as? [String: Any],
            let idToken = object["id_token"] as? String
        else {
            fetcher.logger.warning("the IdP's token endpoint returned no ID token", metadata: ["status": "\(reply.0)"])
            throw ProblemDetails(.badGateway, "IdP refused", detail: "the IdP did not return an ID token")
        }
        let person: Person
        do throws(OAuthError) {
            person = try await verify(idToken, nonce: login.nonce)
        } catch {
            _ = try? await audit.append(
                AuditEvent(
                    type: AuditEventType.humanSignInRefused, outcome: .denied, reason: error.description,
                    details: ["issuer": .string(idp.issuer), "source": .string(source ?? "unknown")]))
            throw ProblemDetails(.forbidden, "Sign-in refused", detail: error.description)
        }
        if let redirect = login.cliRedirect, let challenge = login.cliChallenge {
            // Not straight to the loopback listener: whoever started this sign-in chose that listener and holds the
            // verifier, and a link can make someone else's browser complete it (attacker finding F3). The person
            // sees who is signing in where, and continues only if they ran `tessera login` themselves.
            let code = try sealCLICode(for: person, redirect: redirect, challenge: challenge, now: now)
            return .cliConfirm(
                CLIConfirmation(code: code, redirect: redirect, person: person.email ?? person.human, role: person.role))
        }
        if let challenge = login.consoleChallenge {
            return .cliRedirect(
                try cliCode(for: person, redirect: consoleRedirect, challenge: challenge, now: now, inFragment: true))
        }
        return .session(try await startSession(person, source: source))
    }

    /// Mints and audits a session for a verified person.
    func startSession(_ person: Person, source: String?) async throws(ProblemDetails) -> SignIn {
        let now = clock.now()
        let minted: (token: String, jti: String, expiresAt: Date)
        do {
            minted = try sessions.mint(human: person.human, role: person.role, email: person.email, now: now)
        } catch {
            throw ProblemDetails(.internalServerError, "Error", detail: "could not sign the session")
        }
        var details: [String: AuditValue] = [
            "role": .string(person.role.rawValue), "issuer": .string(idp.issuer), "jti": .string(minted.jti),
            "exp": .int(Int64(minted.expiresAt.timeIntervalSince1970)), "source": .string(source ?? "unknown"),
        ]
        if let email = person.email { details["email"] = .string(email) }
        do {
            try await audit.append(
                AuditEvent(
                    type: AuditEventType.humanSignedIn, outcome: .success, actor: person.human, subject: person.human,
                    details: details,
                    lease: Lease(
                        id: minted.jti, kind: "human_session", subject: person.human, taskID: nil, issuedAt: now,
                        expiresAt: minted.expiresAt)))
        } catch {
            throw ProblemDetails(
                .serviceUnavailable, "Unavailable", detail: "the audit log is unavailable; no session was issued")
        }
        return SignIn(
            session: minted.token, human: person.human, email: person.email, role: person.role, expiresAt: minted.expiresAt)
    }

    private func verify(_ idToken: String, nonce: String) async throws(OAuthError) -> Person {
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
        return Person(
            human: HumanName.key(issuer: trusted.issuer, subject: verified.subject), role: role,
            email: HumanName.verifiedEmail(payload: jws.payload))
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private func discover() async throws(ProblemDetails) -> (String, String) {
        if let endpoints { return endpoints }
        let data: Data
        do {
            data = try await fetcher.get(idp.issuer + "/.well-known/openid-configuration")
        } catch {
            throw ProblemDetails(.badGateway, "IdP unavailable", detail: "the IdP's discovery document could not be fetched")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            object["issuer"] as? String == idp.issuer, let authorize = object["authorization_endpoint"] as? String,
            let token = object["token_endpoint"] as? String, HTTPDocumentFetcher.isAllowed(authorize),
            fetcher.refusal(for: token) == nil
        else { throw ProblemDetails(.badGateway, "IdP misconfigured", detail: "the IdP's discovery document is unusable") }
        endpoints = (authorize, token)
        return (authorize, token)
    }
}
