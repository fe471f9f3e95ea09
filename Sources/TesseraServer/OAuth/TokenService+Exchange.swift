import Foundation
import TesseraAudit
import TesseraCore
import TesseraCrypto

extension TokenService {
    /// RFC 8693 token exchange.
    public static let tokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"

    /// `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`: trades a subject token (and an optional
    /// actor token) for a Tessera access token that never carries more scope or a later expiry than the
    /// subject token, with the delegation chain in `act`. Cedar decides (`exchange_token`); every outcome is
    /// audited with `act_chain`, `subject_token_jti` and `issuer`.
    func exchange(_ form: FormBody, remoteAddress: String?, dpop: DPoPVerifier.Proof?, clientCertificate: [UInt8]?)
        async throws(OAuthError) -> (AccessToken, String)
    {
        var facts: [String: AuditValue] = [:]
        // Who the record names: only a party that proved itself; a claimed client_id stays a detail.
        var claimed: String? = nil
        if let clientID = form.nonEmpty("client_id") { facts["claimed_client"] = .string(String(clientID.prefix(256))) }
        // Whether the party asking proved itself yet: until it did, a refusal is counted, not recorded one by one,
        // even when the subject token it presented verified (a bearer token proves only that someone saw it).
        var callerProven = false
        do throws(OAuthError) {
            guard let services = exchangeServices else {
                throw OAuthError(.unsupportedGrantType, "token exchange is not enabled on this server")
            }
            return try await exchangeChecked(
                form, services: services, remoteAddress: remoteAddress, dpop: dpop, clientCertificate: clientCertificate,
                facts: &facts, claimed: &claimed, callerProven: &callerProven)
        } catch {
            if let verified = error.verifiedParty {
                claimed = verified
                callerProven = true
            }
            await refuse(
                error, client: claimed, grantType: Self.tokenExchange, remoteAddress: remoteAddress, details: facts,
                authenticated: callerProven || error.code == .serverError)
            throw error
        }
    }

    private func exchangeChecked(
        _ form: FormBody, services: TokenExchangeServices, remoteAddress: String?, dpop: DPoPVerifier.Proof?,
        clientCertificate: [UInt8]?, facts: inout [String: AuditValue], claimed: inout String?, callerProven: inout Bool
    ) async throws(OAuthError) -> (AccessToken, String) {
        if let requested = form.nonEmpty("requested_token_type"), requested != Self.accessTokenType,
            requested != Self.jwtTokenType
        {
            throw OAuthError(
                .invalidRequest, "requested_token_type '\(requested.prefix(80))' is not supported: Tessera issues access tokens")
        }
        guard let subjectToken = form.nonEmpty("subject_token") else {
            throw OAuthError(.invalidRequest, "subject_token is required")
        }
        // What the token claims, recorded for refusals before anything is verified (replaced once verified).
        if let claims = Self.unverifiedClaims(subjectToken) {
            facts["issuer"] = .string(String((claims.iss ?? "").prefix(256)))
            facts["subject_token_jti"] = .string(String((claims.jti ?? "").prefix(256)))
        }
        let subject = try await party(
            token: subjectToken, type: form.nonEmpty("subject_token_type"), role: "subject_token", services: services)
        facts["subject_token_jti"] = .string(subject.jti ?? "")
        facts["issuer"] = .string(subject.sourceIssuer)
        facts["subject"] = .string(subject.subject)
        if !subject.mappingRule.isEmpty { facts["mapping_rule"] = .string(subject.mappingRule) }
        facts["act_chain"] = .strings(subject.chain)
        claimed = subject.subject
        // A subject assertion or a trusted issuer's workload attestation proves its holder.
        callerProven = subject.assertion != nil || (subject.sourceIssuer != issuer && subject.kind == .workload)
        try Self.requireFederatedMethod(subject, role: "subject_token")

        if let bound = subject.dpopThumbprint, dpop?.jkt != bound {
            throw OAuthError(.invalidDPoPProof, "subject_token is DPoP-bound: send a DPoP proof signed with its key")
        }
        if subject.certificateThumbprint != nil {
            throw OAuthError(.invalidGrant, "certificate-bound tokens (cnf.x5t#S256) cannot be exchanged")
        }
        let actor = try await actingWorkload(form, services: services, dpop: dpop, clientCertificate: clientCertificate)
        if let actor {
            claimed = actor.subject
            callerProven = true  // actingWorkload returns only an actor that proved itself
            try Self.requireFederatedMethod(actor, role: "actor_token")
        }
        guard let holder = actor?.identity ?? subject.identity else {
            throw OAuthError(
                .unauthorizedClient,
                "a person's token is exchanged only in a delegation: name the acting workload with actor_token")
        }
        // Every exchange authenticates the party asking. Without an acting workload that proved itself, only a
        // subject token that proves its holder will do: a client assertion or JWT-SVID for Tessera, a trusted
        // issuer's attestation for Tessera's audience, or a DPoP-bound Tessera token with its proof (checked above).
        // A Tessera bearer token alone proves only that someone saw it.
        if actor == nil {
            let proven =
                subject.assertion != nil || (subject.sourceIssuer != issuer && subject.kind == .workload)
                || (subject.sourceIssuer == issuer && subject.dpopThumbprint != nil)
            guard proven else {
                throw OAuthError(
                    .invalidClient,
                    "token exchange authenticates its caller: send a client assertion (private_key_jwt), use mTLS, or "
                        + "prove a DPoP-bound subject_token; a bearer subject_token alone is not a credential")
            }
            callerProven = true
        }
        if let allowed = subject.mayAct?.sub, allowed != holder.clientID {
            throw OAuthError(.invalidGrant, "the subject token's may_act does not name \(holder.clientID)")
        }
        if holder.clientID == subject.subject, let current = subject.chain.first {
            throw OAuthError(
                .invalidGrant, "this token is held by \(current) acting for \(subject.subject); only \(current) may exchange it")
        }
        var chain = subject.chain
        if holder.clientID != subject.holder, holder.clientID != subject.subject { chain.insert(holder.clientID, at: 0) }
        facts["act_chain"] = .strings(chain)
        guard chain.count <= services.configuration.maximumDelegationDepth else {
            throw OAuthError(
                .invalidGrant,
                "the delegation chain would be \(chain.count) actors deep; at most \(services.configuration.maximumDelegationDepth) are allowed"
            )
        }

        let pattern: GrantPatterns.Grant =
            actor != nil && holder.clientID != subject.subject
            ? .exchangeAsActor : subject.mappingRule.isEmpty ? .exchangeOwnToken : .exchangeMapped
        if let refusal = GrantPatterns.refusal(kind: holder.kind, grant: pattern) {
            throw OAuthError(.unauthorizedClient, refusal)
        }
        // A Tessera subject token must have been meant for the new holder: a new actor only when the token names it
        // (aud or may_act); the holder itself also with a token for Tessera.
        if subject.sourceIssuer == issuer {
            let joins = chain.count > subject.chain.count
            let named = subject.audience.contains(holder.clientID) || subject.mayAct?.sub == holder.clientID
            let own =
                subject.holder == holder.clientID || subject.audience.contains(where: { [issuer, tokenEndpoint].contains($0) })
            guard joins ? named : (named || own) else {
                throw OAuthError(.invalidGrant, "subject_token was not issued to \(holder.clientID) (aud)")
            }
        }
        let now = clock.now()
        let task = try await exchangeTask(form, subject: subject, holder: holder)
        // Tessera tokens this one derives from: revoking any of them revokes it (`parent_jti`).
        var parents: [String] = []
        if subject.sourceIssuer == issuer, let jti = subject.jti { parents += [jti] + subject.parentJTIs }
        if let actor, actor.sourceIssuer == issuer, let jti = actor.jti {
            parents += [jti] + actor.parentJTIs
        }
        guard parents.count <= Self.maximumParents else {
            throw OAuthError(.invalidGrant, "this token descends from too many exchanges (at most \(Self.maximumParents))")
        }
        if !parents.isEmpty { facts["parent_jti"] = .strings(parents) }
        var scopes: [String]
        if let requested = form.nonEmpty("scope") {
            do {
                scopes = try ScopeSet.parse(requested)
            } catch {
                throw OAuthError(.invalidScope, error.reason)
            }
            if let ceiling = subject.scopes {
                let wider = scopes.filter { !ceiling.contains($0) }
                guard wider.isEmpty else {
                    throw OAuthError(
                        .invalidScope,
                        "token exchange never widens scope: \(wider.joined(separator: " ")) is not in the subject token")
                }
            }
        } else {
            scopes = (subject.scopes ?? holder.scopes).filter(holder.scopes.contains)
            if let task { scopes = scopes.filter(task.scopes.contains) }
        }
        facts["scope"] = .strings(scopes)
        if let task {
            if case .ineligible(let reason) = task.admits(clientID: holder.clientID, requestedScopes: scopes, at: now) {
                throw OAuthError(.invalidGrant, reason)
            }
            facts["task"] = .string(task.id)
        }
        let audience = try requestedAudience(form)
        facts["aud"] = .string(audience)
        var request = IssuanceRequest(
            action: "exchange_token", identity: holder, requestedScopes: scopes, audience: audience,
            grantType: Self.tokenExchange, sourceAddress: remoteAddress, time: now, intent: task?.intent,
            delegationDepth: chain.count, task: task)
        request.delegation = Delegation(
            subject: subject.subject, subjectKind: subject.kind.rawValue, actors: chain, sourceIssuer: subject.sourceIssuer,
            mappingRule: subject.mappingRule, claims: subject.claims?.values ?? [:])
        let decision = await authorizer.authorize(request)
        facts["policies"] = .strings(decision.determiningPolicies)
        facts["policy_version"] = .string(decision.policySetVersion)
        facts.merge(decision.auditDetails) { current, _ in current }
        guard decision.isAllowed else {
            let reason = decision.reasons.joined(separator: "; ")
            let code: OAuthError.Code =
                switch decision.denial {
                case .scope: .invalidScope
                case .audience: .invalidTarget
                case .policy, nil: .unauthorizedClient
                }
            throw OAuthError(code, reason.isEmpty ? "denied by policy" : reason)
        }

        let ttl = min(holder.tokenTTL ?? configuration.defaultTokenTTL, configuration.maximumTokenTTL)
        var expiry = min(now.addingTimeInterval(TimeInterval(ttl)), subject.expiresAt)
        if let identityExpiry = holder.expiresAt, identityExpiry < expiry { expiry = identityExpiry }
        if let task, task.expiresAt < expiry { expiry = task.expiresAt }
        let token = AccessToken(
            issuer: issuer, subject: subject.subject, audience: audience, clientID: holder.clientID, scopes: scopes,
            issuedAt: now, expiresAt: expiry, jti: RandomToken.base64URL(bytes: 18), taskID: task?.id,
            dpopThumbprint: dpop?.jkt, actors: chain, parentJTIs: parents)
        let signed: String
        do {
            signed = try keys.active.sign(claims: token.claims(), typ: "at+jwt")
        } catch {
            throw OAuthError(.serverError, "could not sign the token")
        }
        var details = facts
        details["jti"] = .string(token.jti)
        details["grant_type"] = .string(Self.tokenExchange)
        details["exp"] = .int(Int64(expiry.timeIntervalSince1970))
        details["source"] = .string(remoteAddress ?? "unknown")
        details["identity_id"] = .string(holder.id)
        if let jkt = dpop?.jkt { details["jkt"] = .string(jkt) }
        let assertion = [actor?.assertion, subject.assertion].compactMap { $0 }.first { !$0.assertionJTI.isEmpty }
        if let assertion { details["assertion_jti"] = .string(assertion.assertionJTI) }
        if let method = actor?.assertion, method.assertionJTI.isEmpty {
            details["auth_method"] = .string(ClientCertificateAuthenticator.method)
        }
        // Every assertion this request verified is single-use: one is stored with the record, the others claimed
        // durably before it (an exchange can carry a subject, an actor and a client assertion).
        // A DPoP proof can be what proves the caller (a DPoP-bound subject token): single-use across restarts too.
        let verified =
            [assertion, actor?.assertion, subject.assertion, actor?.alsoVerified].compactMap { $0 }
            .filter { !$0.assertionJTI.isEmpty }
            .map {
                ReplayGuard(
                    key: ClientAssertionVerifier.replayKey(client: $0.identity.clientID, jti: $0.assertionJTI),
                    expiresAt: $0.replayExpiry)
            } + (dpop.map { [ReplayGuard(key: $0.replayKey, expiresAt: $0.replayExpiry)] } ?? [])
        let replayGuard = try await durableReplayGuard(verified)
        let event = AuditEvent(
            type: AuditEventType.tokenIssued, outcome: .success, actor: holder.clientID, subject: subject.subject, task: task?.id,
            details: details, replayGuard: replayGuard,
            lease: Lease(
                id: token.jti, kind: "access_token", subject: holder.clientID, taskID: task?.id, issuedAt: now, expiresAt: expiry)
        )
        do {
            try await audit.append(event)
        } catch {
            logger.error("audit append failed; exchanged token withheld", metadata: ["client": "\(holder.clientID)"])
            throw OAuthError(
                .temporarilyUnavailable, "the audit log is unavailable; no token was issued", status: .serviceUnavailable)
        }
        return (token, signed)
    }

    /// The claims of a compact JWT without verifying anything (for audit records of refusals only).
    static func unverifiedClaims(_ token: String) -> JWTClaims? {
        guard token.utf8.count <= CompactJWS.maximumLength, let jws = try? CompactJWS(parsing: token) else { return nil }
        return try? JWTClaims.decode(jws.payload)
    }

    /// The workload acting for the subject: the `actor_token`, or the authenticated client (private_key_jwt or
    /// mTLS), or both (then they must agree). `nil` when neither is sent. An actor always proves itself: a
    /// Tessera access token is an actor credential only with its DPoP proof or with the client authenticated as
    /// the same workload; assertions and trusted issuers' attestations for Tessera prove themselves.
    private func actingWorkload(
        _ form: FormBody, services: TokenExchangeServices, dpop: DPoPVerifier.Proof?, clientCertificate: [UInt8]?
    ) async throws(OAuthError) -> ExchangeParty? {
        var actor: ExchangeParty? = nil
        if let actorToken = form.nonEmpty("actor_token") {
            let party = try await party(
                token: actorToken, type: form.nonEmpty("actor_token_type"), role: "actor_token", services: services)
            guard party.kind == .workload, party.identity != nil else {
                throw OAuthError(.invalidRequest, "actor_token: the actor must be a workload in the inventory")
            }
            guard party.chain.isEmpty else {
                throw OAuthError(.invalidRequest, "actor_token carries act: an actor cannot bring its own delegation chain")
            }
            if let bound = party.dpopThumbprint, dpop?.jkt != bound {
                throw OAuthError(.invalidDPoPProof, "actor_token is DPoP-bound: send a DPoP proof signed with its key")
            }
            if party.certificateThumbprint != nil {
                throw OAuthError(.invalidRequest, "certificate-bound tokens (cnf.x5t#S256) cannot be actor tokens")
            }
            actor = party
        } else if form["actor_token_type"] != nil {
            throw OAuthError(.invalidRequest, "actor_token_type without actor_token")
        }
        if form["client_secret"] != nil {
            throw OAuthError(.invalidClient, "client secrets are not accepted: workloads authenticate with private_key_jwt")
        }
        var authenticated: AuthenticatedClient? = nil
        do throws(ClientAuthenticationFailure) {
            if form["client_assertion"] != nil || form["client_assertion_type"] != nil {
                // A flushed claim: an exchange can still be refused after this (e.g. the actor token names another
                // workload) with a refusal that is only counted, and no durable commit would flush an unflushed claim
                // before that answer (attacker review: the assertion was accepted again after a PostgreSQL crash).
                authenticated = try await verifier.authenticate(form, audiences: [tokenEndpoint, issuer])
            } else if let certificates, let clientCertificate {
                authenticated = try await certificates.authenticate(form, certificate: clientCertificate)
            }
        } catch {
            throw error.attributed()
        }
        guard let client = authenticated else {
            guard let actor else { return nil }
            let proven =
                actor.assertion != nil || actor.sourceIssuer != issuer
                || (actor.dpopThumbprint != nil && actor.dpopThumbprint == dpop?.jkt)
            guard proven else {
                throw OAuthError(
                    .invalidClient,
                    "actor_token is a bearer access token, not a credential: authenticate the actor with a client "
                        + "assertion (private_key_jwt) or mTLS, or send it DPoP-bound with its proof")
            }
            return actor
        }
        if var actor {
            guard actor.subject == client.identity.clientID else {
                throw OAuthError(.invalidRequest, "actor_token and the authenticated client are different workloads")
            }
            if actor.assertion == nil { actor.assertion = client } else { actor.alsoVerified = client }
            return actor
        }
        var party = ExchangeParty(
            subject: client.identity.clientID, identity: client.identity, kind: .workload, expiresAt: client.replayExpiry,
            sourceIssuer: client.identity.clientID)
        party.assertion = client
        return party
    }

    /// A trusted issuer's token mapped to an identity authenticates it only if the identity declared `federated`.
    static func requireFederatedMethod(_ party: ExchangeParty, role: String) throws(OAuthError) {
        guard !party.mappingRule.isEmpty, let identity = party.identity, !identity.accepts(.federated) else { return }
        throw OAuthError(
            .invalidGrant,
            "\(role): \(identity.clientID) does not authenticate with federated tokens (its auth_methods: "
                + "\(identity.authMethods.map(\.rawValue).joined(separator: ", ")))")
    }

    /// The task of the exchange: the subject token's, or the one named by `task_id` (a person may name only a
    /// task they started).
    private func exchangeTask(_ form: FormBody, subject: ExchangeParty, holder: Identity) async throws(OAuthError)
        -> WorkTask?
    {
        let named = form.nonEmpty("task_id")
        if let named, let carried = subject.taskID, named != carried {
            throw OAuthError(.invalidRequest, "task_id differs from the subject token's task")
        }
        // A task only narrows what the subject token carries: another workload may not put someone else's token
        // into a task (the task would then lend that subject its leases, tool calls and database roles).
        if named != nil, subject.taskID == nil, subject.kind == .workload, holder.clientID != subject.subject {
            throw OAuthError(
                .invalidRequest,
                "task_id: the subject token was not issued in a task, and only its own workload may name one")
        }
        guard let id = subject.taskID ?? named else { return nil }
        let task: WorkTask?
        do throws(IssuanceRefusal) {
            task = try await requestedTask(FormBody(values: ["task_id": id]))
        } catch {
            throw error.error
        }
        if let task, subject.kind == .human, subject.taskID == nil, task.initiator != subject.subject {
            throw OAuthError(.invalidGrant, "a person may delegate only in a task they started (initiator \(subject.subject))")
        }
        return task
    }
}
