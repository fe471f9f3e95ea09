import Foundation
import Logging
import TesseraAudit
import TesseraCore
import TesseraCrypto
import TesseraStore

/// The OAuth token service: client credentials with private_key_jwt, introspection and revocation.
/// Every issuance and refusal is audited, and a token leaves only after its record is durable.
public struct TokenService: Sendable {
    public static let clientCredentials = "client_credentials"

    let configuration: ServerConfiguration
    let issuer: String
    let defaultAudience: String
    let keys: KeyRing
    let verifier: ClientAssertionVerifier
    let authorizer: any IssuanceAuthorizer
    let audit: AuditLog
    let tokenState: any TokenStateRepository
    let tasks: any TaskRepository
    let clock: any TimeSource
    let logger: Logger
    /// mTLS client authentication (`tls_client_auth`), when the server has an HTTPS listener.
    var certificates: ClientCertificateAuthenticator? = nil
    /// Token exchange (RFC 8693) and DPoP (RFC 9449), when configured.
    public var exchangeServices: TokenExchangeServices? = nil
    /// Time-bound exceptions consulted when the policies refuse.
    var exceptions: ExceptionGate? = nil
    /// Counts and times every token request by grant type and outcome (`tessera_token_requests_total`).
    var metrics: ServerMetrics? = nil

    var tokenEndpoint: String { issuer + "/oauth2/token" }
    var validator: AccessTokenValidator { AccessTokenValidator(keys: keys, issuer: issuer) }

    /// `POST /oauth2/token`. `clientCertificate` is the DER of the client certificate verified by the TLS
    /// handshake, if any: without a client assertion it authenticates the client (RFC 8705 `tls_client_auth`).
    public func token(
        _ form: FormBody, remoteAddress: String?, basicAuthorization: Bool, clientCertificate: [UInt8]? = nil,
        dpopProof: String? = nil
    ) async throws(OAuthError) -> (AccessToken, String) {
        let started = ContinuousClock.now
        let grant = Self.grantLabel(form.nonEmpty("grant_type"))
        do throws(OAuthError) {
            let issued = try await issue(
                form, remoteAddress: remoteAddress, basicAuthorization: basicAuthorization,
                clientCertificate: clientCertificate, dpopProof: dpopProof)
            metrics?.issuance(grant: grant, outcome: "issued", duration: ContinuousClock.now - started)
            return issued
        } catch {
            recordRefusal(error, grant: grant, started: started)
            throw error
        }
    }

    /// Counts a token request refused with `error` (also one whose form could not be read: grant `unknown`).
    func recordRefusal(_ error: OAuthError, grant: String = "unknown", started: ContinuousClock.Instant) {
        metrics?.issuance(
            grant: grant, outcome: error.status.code < 500 ? "refused" : "error", duration: ContinuousClock.now - started)
    }

    /// A token request's `grant_type`, reduced to a known metric label.
    static func grantLabel(_ grantType: String?) -> String {
        switch grantType {
        case nil: "missing"
        case clientCredentials?: "client_credentials"
        case tokenExchange?: "token_exchange"
        case "urn:ietf:params:oauth:grant-type:jwt-bearer"?: "jwt_bearer"
        default: "other"
        }
    }

    private func issue(
        _ form: FormBody, remoteAddress: String?, basicAuthorization: Bool, clientCertificate: [UInt8]?, dpopProof: String?
    ) async throws(OAuthError) -> (AccessToken, String) {
        let grantType = form.nonEmpty("grant_type")
        var dpop: DPoPVerifier.Proof? = nil
        do throws(OAuthError) {
            guard let grantType else { throw OAuthError(.invalidRequest, "grant_type is required") }
            if let dpopProof {
                guard let services = exchangeServices else {
                    throw OAuthError(.invalidDPoPProof, "DPoP is not enabled on this server")
                }
                let proof = try services.dpop.verify(dpopProof, method: "POST", urls: [tokenEndpoint])
                try await services.dpop.claimShared(proof)
                dpop = proof
            }
            guard grantType == Self.clientCredentials || grantType == Self.tokenExchange else {
                throw OAuthError(.unsupportedGrantType, "grant_type '\(grantType.prefix(80))' is not supported")
            }
            if basicAuthorization {
                throw OAuthError(
                    .invalidClient, "HTTP Basic client secrets are not accepted: authenticate with private_key_jwt")
            }
        } catch {
            await refuse(error, client: form.nonEmpty("client_id"), grantType: grantType, remoteAddress: remoteAddress)
            throw error
        }
        if grantType == Self.tokenExchange {
            return try await exchange(form, remoteAddress: remoteAddress, dpop: dpop, clientCertificate: clientCertificate)
        }
        var client: AuthenticatedClient
        do throws(ClientAuthenticationFailure) {
            if let certificates, let clientCertificate, form["client_assertion"] == nil,
                form["client_assertion_type"] == nil
            {
                client = try await certificates.authenticate(form, certificate: clientCertificate)
            } else {
                client = try await verifier.authenticate(form, audiences: [tokenEndpoint, issuer], issuesAfterAudit: true)
                if let certificates, let clientCertificate {
                    // private_key_jwt over mTLS: the token is bound to the connection's certificate too.
                    client.certificateThumbprint = try await certificates.binding(
                        for: client.identity, certificate: clientCertificate)
                }
            }
        } catch {
            await refuseClientAuthentication(error, grantType: grantType, remoteAddress: remoteAddress)
            throw error.error
        }
        if let pattern = GrantPatterns.refusal(kind: client.identity.kind, grant: .clientCredentials) {
            let error = OAuthError(.unauthorizedClient, pattern)
            await refuse(
                error, client: client.identity.clientID, grantType: grantType, remoteAddress: remoteAddress,
                details: ["kind": .string(client.identity.kind.rawValue)])
            throw error
        }
        do throws(IssuanceRefusal) {
            return try await issue(
                for: client, form: form, grantType: Self.clientCredentials, remoteAddress: remoteAddress, dpop: dpop)
        } catch {
            await refuse(
                error.error, client: client.identity.clientID, grantType: grantType, remoteAddress: remoteAddress,
                details: error.details)
            throw error.error
        }
    }

    private func issue(
        for client: AuthenticatedClient, form: FormBody, grantType: String, remoteAddress: String?, dpop: DPoPVerifier.Proof?
    ) async throws(IssuanceRefusal) -> (AccessToken, String) {
        let identity = client.identity
        let now = clock.now()
        let task = try await requestedTask(form)
        let scopes: [String]
        if let requested = form.nonEmpty("scope") {
            do {
                scopes = try ScopeSet.parse(requested)
            } catch {
                throw IssuanceRefusal(OAuthError(.invalidScope, error.reason))
            }
        } else if let task {
            scopes = identity.scopes.filter(task.scopes.contains)
        } else {
            scopes = identity.scopes
        }
        if let task, case .ineligible(let reason) = task.admits(clientID: identity.clientID, requestedScopes: scopes, at: now) {
            throw IssuanceRefusal(OAuthError(.invalidGrant, reason), details: ["task": .string(task.id)])
        }
        let audience: String
        do {
            audience = try requestedAudience(form)
        } catch {
            throw IssuanceRefusal(error)
        }
        let request = IssuanceRequest(
            action: "issue_token", identity: identity, requestedScopes: scopes, audience: audience, grantType: grantType,
            sourceAddress: remoteAddress, time: now, intent: task?.intent, task: task)
        let decision = await authorizer.authorize(request)
        let exception = try await exceptionOverride(decision, request: request)
        let ttl = min(identity.tokenTTL ?? configuration.defaultTokenTTL, configuration.maximumTokenTTL)
        var expiry = now.addingTimeInterval(TimeInterval(ttl))
        if let identityExpiry = identity.expiresAt, identityExpiry < expiry { expiry = identityExpiry }
        if let task, task.expiresAt < expiry { expiry = task.expiresAt }
        let token = AccessToken(
            issuer: issuer, subject: identity.clientID, audience: audience, clientID: identity.clientID, scopes: scopes,
            issuedAt: now, expiresAt: expiry, jti: RandomToken.base64URL(bytes: 18), taskID: task?.id,
            certificateThumbprint: client.certificateThumbprint, dpopThumbprint: dpop?.jkt)
        let signed: String
        do {
            signed = try keys.active.sign(claims: token.claims(), typ: "at+jwt")
        } catch {
            throw IssuanceRefusal(OAuthError(.serverError, "could not sign the token"))
        }
        var details: [String: AuditValue] = [
            "jti": .string(token.jti), "grant_type": .string(grantType), "scope": .strings(scopes),
            "aud": .string(audience), "exp": .int(Int64(expiry.timeIntervalSince1970)),
            "policies": .strings(decision.determiningPolicies),
            "policy_version": .string(decision.policySetVersion), "source": .string(remoteAddress ?? "unknown"),
            "identity_id": .string(identity.id),
        ]
        details.merge(decision.auditDetails) { current, _ in current }
        if let exception {
            details["exception"] = .string(exception.id)
            details["flagged"] = .bool(true)
        }
        var replayGuard: ReplayGuard? = nil
        if let thumbprint = client.certificateThumbprint { details["x5t#S256"] = .string(thumbprint) }
        if let jkt = dpop?.jkt { details["jkt"] = .string(jkt) }
        if client.assertionJTI.isEmpty {
            details["auth_method"] = .string(ClientCertificateAuthenticator.method)
        } else {
            details["assertion_jti"] = .string(client.assertionJTI)
            replayGuard = ReplayGuard(
                key: ClientAssertionVerifier.replayKey(client: identity.clientID, jti: client.assertionJTI),
                expiresAt: client.replayExpiry)
        }
        let event = AuditEvent(
            type: AuditEventType.tokenIssued, outcome: .success, actor: identity.clientID, subject: identity.clientID,
            task: task?.id,
            details: details, replayGuard: replayGuard,
            lease: Lease(
                id: token.jti, kind: "access_token", subject: identity.clientID, taskID: task?.id, issuedAt: now,
                expiresAt: expiry))
        do {
            try await audit.append(event)
        } catch {
            logger.error("audit append failed; token withheld", metadata: ["client": "\(identity.clientID)"])
            throw IssuanceRefusal(
                OAuthError(
                    .temporarilyUnavailable, "the audit log is unavailable; no token was issued", status: .serviceUnavailable))
        }
        return (token, signed)
    }

    /// Nil when the policies allowed the request; the covering exception (its use durably recorded) when
    /// they refused it but an active exception grants it; otherwise the refusal.
    private func exceptionOverride(_ decision: PolicyDecision, request: IssuanceRequest)
        async throws(IssuanceRefusal) -> PolicyException?
    {
        guard !decision.isAllowed else { return nil }
        let reason = decision.reasons.joined(separator: "; ")
        var details: [String: AuditValue] = [
            "policies": .strings(decision.determiningPolicies), "policy_version": .string(decision.policySetVersion),
            "scope": .strings(request.requestedScopes), "aud": .string(request.audience),
        ]
        details.merge(decision.auditDetails) { current, _ in current }
        // A hold placed by a response rule waits for a person's release: no exception lifts it.
        let held = RiskAwareAuthorizer.isHeld(decision)
        if let exceptions, !held {
            let outcome = await exceptions.check(
                identity: request.identity.clientID, action: request.action, scopes: request.requestedScopes,
                audience: request.audience, at: request.time)
            switch outcome {
            case .granted(let exception):
                do {
                    try await exceptions.recordUse(
                        exception, action: request.action, scopes: request.requestedScopes, audience: request.audience,
                        deniedBecause: decision.reasons, task: request.task?.id, at: request.time)
                } catch {
                    throw IssuanceRefusal(
                        OAuthError(
                            .temporarilyUnavailable, "the audit log is unavailable; no token was issued",
                            status: .serviceUnavailable))
                }
                return exception
            case .outOfScope(let exception, let why):
                details["exception_out_of_scope"] = .string(exception.id)
                details["exception_reason"] = .string(String(why.prefix(300)))
            case .none:
                break
            }
        }
        let code: OAuthError.Code
        switch decision.denial {
        case .scope: code = .invalidScope
        case .audience: code = .invalidTarget
        case .policy, nil: code = .unauthorizedClient
        }
        throw IssuanceRefusal(OAuthError(code, reason.isEmpty ? "denied by policy" : reason), details: details)
    }

    /// The task named by `task_id`, if any; an unknown task is an `invalid_grant`.
    func requestedTask(_ form: FormBody) async throws(IssuanceRefusal) -> WorkTask? {
        guard let id = form.nonEmpty("task_id") else { return nil }
        guard id.utf8.count <= 128 else { throw IssuanceRefusal(OAuthError(.invalidRequest, "task_id is too long")) }
        let task: WorkTask?
        do {
            task = try await tasks.get(id: id)
        } catch {
            throw IssuanceRefusal(
                OAuthError(.temporarilyUnavailable, "task store unavailable", status: .serviceUnavailable))
        }
        guard let task else { throw IssuanceRefusal(OAuthError(.invalidGrant, "unknown task")) }
        return task
    }

    func requestedAudience(_ form: FormBody) throws(OAuthError) -> String {
        let audience = form.nonEmpty("audience")
        let resource = form.nonEmpty("resource")
        if audience != nil && resource != nil {
            throw OAuthError(.invalidRequest, "send either audience or resource, not both")
        }
        guard let value = audience ?? resource else { return defaultAudience }
        guard value.utf8.count <= 512, !value.contains(where: \.isWhitespace) else {
            throw OAuthError(.invalidTarget, "audience must be a single value without spaces")
        }
        if resource != nil, URL(string: value)?.scheme == nil {
            throw OAuthError(.invalidTarget, "resource must be an absolute URI (RFC 8707)")
        }
        return value
    }

    /// Makes every single-use key this request verified durable before the credential it authorised is answered:
    /// the first of `verified` (and of what the request's `RefusalScope` noted) is returned to be stored with the
    /// audit record, every other one is claimed in the token state now. With PostgreSQL storage the verifier
    /// already claimed them. Fails closed: a key that cannot be stored, or was already claimed, issues nothing.
    func durableReplayGuard(_ verified: [ReplayGuard]) async throws(OAuthError) -> ReplayGuard? {
        var guards: [ReplayGuard] = []
        for guardKey in verified + (RefusalScope.current?.consumed.take() ?? [])
        where !guards.contains(where: { $0.key == guardKey.key }) {
            guards.append(guardKey)
        }
        guard let first = guards.first else { return nil }
        if verifier.claimsDurably { return first }
        for extra in guards.dropFirst() {
            let fresh: Bool
            do {
                fresh = try await tokenState.claimReplayKey(extra.key, expiresAt: extra.expiresAt, now: clock.now())
            } catch {
                throw OAuthError(.temporarilyUnavailable, "replay protection unavailable", status: .serviceUnavailable)
            }
            guard fresh else { throw OAuthError(.invalidClient, "client assertion jti was already used (replay)") }
        }
        return first
    }

    /// Records a failed client authentication: attributed to the client only when its credential verified (a claimed
    /// `client_id` or `iss` is kept as `claimed_client`, never as actor or subject); counted when nothing verified.
    func refuseClientAuthentication(
        _ failure: ClientAuthenticationFailure, grantType: String?, remoteAddress: String?, details: [String: AuditValue] = [:]
    ) async {
        var facts = details
        if let claimed = failure.claimedClient, claimed != failure.verifiedClient {
            facts["claimed_client"] = .string(String(claimed.prefix(256)))
        }
        let authenticated =
            failure.verifiedClient != nil || failure.error.code == .serverError
            || !TokenRefusalClassifier.isUnauthenticated(failure.error, grantType: grantType, details: [:])
        await refuse(
            failure.error, client: failure.verifiedClient, grantType: grantType, remoteAddress: remoteAddress, details: facts,
            authenticated: authenticated)
    }

    /// Records a refusal. A refusal that cannot be audited is logged; the caller still gets its error.
    /// A refusal before anything was verified (`authenticated: false`, or when `nil` as `TokenRefusalClassifier`
    /// decides) is counted by the request's `RefusalScope` instead of written as its own record (docs/threat-model.md).
    func refuse(
        _ error: OAuthError, client: String?, grantType: String?, remoteAddress: String?, details: [String: AuditValue] = [:],
        authenticated: Bool? = nil
    ) async {
        // Assertions that verified in this request are remembered durably before the caller hears the refusal,
        // so the same assertion is not accepted after a restart (docs/threat-model.md); such a refusal is authenticated.
        let consumed = RefusalScope.current?.consumed.take() ?? []
        if let scope = RefusalScope.current, consumed.isEmpty,
            !(authenticated ?? !TokenRefusalClassifier.isUnauthenticated(error, grantType: grantType, details: details))
        {
            // A verified subject token presented by a caller who proved nothing (a stolen or intercepted token) is
            // named in the count's sample reason; however often it is replayed, it is counted, not recorded per request.
            var reason = error.description
            if grantType == Self.tokenExchange, details["subject"] != nil, case .string(let jti)? = details["subject_token_jti"] {
                reason += " (subject_token_jti \(jti.prefix(64)))"
            }
            scope.aggregate(type: AuditEventType.tokenRefused, code: error.code.rawValue, reason: reason)
            return
        }
        for extra in consumed.dropFirst() {
            do {
                _ = try await tokenState.claimReplayKey(extra.key, expiresAt: extra.expiresAt, now: clock.now())
            } catch {
                logger.error("could not persist a consumed assertion jti", metadata: ["error": "\(error)"])
            }
        }
        let client = client.map { String($0.prefix(256)) }
        var facts: [String: AuditValue] = [
            "error": .string(error.code.rawValue), "grant_type": .string(String((grantType ?? "").prefix(80))),
            "source": .string(remoteAddress ?? "unknown"),
        ]
        facts.merge(details) { current, _ in current }
        let event = AuditEvent(
            type: AuditEventType.tokenRefused, outcome: error.code == .serverError ? .failure : .denied, actor: client,
            subject: client, reason: error.description, details: facts, replayGuard: consumed.first)
        do {
            try await audit.append(event)
        } catch {
            logger.error("audit append failed for a refusal", metadata: ["error": "\(error)"])
        }
    }
}

/// A refusal after the client authenticated, with the facts the audit record should carry.
struct IssuanceRefusal: Error {
    let error: OAuthError
    let details: [String: AuditValue]

    init(_ error: OAuthError, details: [String: AuditValue] = [:]) {
        self.error = error
        self.details = details
    }
}
