/// Every type of audit record Tessera writes, shared by the writers (the server's services) and the readers
/// (posture's detectors and evidence report, the console, the refusal aggregates). A reader that looks for a type
/// no writer uses is a dead check: `AuditEventTypeTests` keeps every name a reader uses inside ``all``.
public enum AuditEventType {
    // Access tokens (OAuth: client credentials, token exchange, DPoP, resource routes).
    public static let tokenIssued = "token.issued"
    public static let tokenRefused = "token.refused"
    public static let tokenRevoked = "token.revoked"
    /// Refusals of callers who proved nothing, counted per source and reason (`RefusalAggregator`).
    public static let refusalsAggregated = "auth.refusals_aggregated"

    // The inventory.
    public static let identityCreated = "identity.created"
    public static let identityUpdated = "identity.updated"
    public static let identitySuspended = "identity.suspended"
    public static let identityRetired = "identity.retired"
    public static let identityReactivated = "identity.reactivated"
    public static let ownerDeparted = "owner.departed"

    // Tasks, leases and policy exceptions.
    public static let taskCreated = "task.created"
    public static let taskRenewed = "task.renewed"
    public static let taskEnded = "task.ended"
    public static let taskExpired = "task.expired"
    public static let taskRevoked = "task.revoked"
    public static let leaseRenewed = "lease.renewed"
    public static let leaseRevoked = "lease.revoked"
    public static let exceptionCreated = "exception.created"
    public static let exceptionUsed = "exception.used"
    public static let exceptionRevoked = "exception.revoked"
    public static let exceptionExpired = "exception.expired"

    // Administration.
    public static let adminAuthFailed = "admin.auth_failed"
    public static let adminForbidden = "admin.forbidden"
    public static let adminRequestRefused = "admin.request_refused"
    public static let keysRotated = "keys.rotated"
    public static let keysPromoted = "keys.promoted"
    public static let policyReloaded = "policy.reloaded"
    public static let policyReloadFailed = "policy.reload_failed"
    public static let findingAcknowledged = "finding.acknowledged"
    public static let findingResolved = "finding.resolved"
    /// A finding appeared (or its condition came back): written by posture evaluations, actor `system`.
    public static let findingOpened = "finding.opened"

    // Federation and people's sign-in.
    public static let issuerTrusted = "issuer.trusted"
    public static let issuerRemoved = "issuer.removed"
    public static let humanSignedIn = "human.signed_in"
    public static let humanSignInRefused = "human.sign_in_refused"

    // Workload identity (SPIFFE): the CA, node agents, registration entries, SVIDs, federated trust domains.
    public static let caGenerated = "ca.generated"
    public static let caRotated = "ca.rotated"
    public static let nodeJoinTokenCreated = "node.join_token_created"
    public static let nodeAttested = "node.attested"
    public static let nodeAttestationRefused = "node.attestation_refused"
    public static let nodeRenewed = "node.renewed"
    public static let nodeRefused = "node.refused"
    public static let nodeRevoked = "node.revoked"
    public static let entryCreated = "entry.created"
    public static let entryDeleted = "entry.deleted"
    public static let jwtSVIDIssued = "svid.jwt.issued"
    public static let jwtSVIDRefused = "svid.jwt.refused"
    public static let federationConfigured = "federation.configured"

    // AI agents' tool calls.
    public static let agentToolsSet = "agent.tools.set"
    public static let toolCallAllowed = "tool.call.allowed"
    public static let toolCallDenied = "tool.call.denied"
    public static let toolCallApprovalRequired = "tool.call.approval_required"
    public static let toolApprovalApproved = "tool.approval.approved"
    public static let toolApprovalDenied = "tool.approval.denied"

    // Dynamic and static secrets.
    public static let secretIssued = "secret.issued"
    public static let secretRefused = "secret.refused"
    public static let secretDestroyed = "secret.destroyed"
    public static let secretOrphanDropped = "secret.orphan_dropped"
    public static let staticSecretRegistered = "static_secret.registered"
    public static let staticSecretRotated = "static_secret.rotated"

    // Discovery: one record per run, one per change to a discovered identity.
    public static let discoveryRun = "discovery.run"
    public static let discoveredNew = "discovered.new"
    public static let discoveredChanged = "discovered.changed"
    public static let discoveredReturned = "discovered.returned"
    public static let discoveredGone = "discovered.gone"
    public static let discoveredClaimed = "discovered.claimed"
    public static let discoveredMigrated = "discovered.migrated"

    // Audit sinks (docs/sinks.md): a sink fell more than the allowed lag behind the head, and came back under half of it.
    public static let sinkLagging = "sink.lagging"
    public static let sinkCaughtUp = "sink.caught_up"

    // Automated responses (docs/risk.md): `response.<action>` (or `response.would_<action>` in dry-run mode).
    public static let responseActions = ["suspend", "revoke_leases", "end_task", "require_approval", "notify"]
    public static let responseReleased = "response.released"
    public static let responseRulesLoaded = "response.rules_loaded"
    public static let responseRulesRejected = "response.rules_rejected"

    /// The record of one response action (`revoke-leases` → `response.revoke_leases`).
    public static func response(_ action: String, dryRun: Bool) -> String {
        (dryRun ? "response.would_" : "response.") + action.replacingOccurrences(of: "-", with: "_")
    }

    /// A signed checkpoint of the chain (``AuditCheckpoint``).
    public static let checkpoint = "audit.checkpoint"

    /// The record a task's end writes: `task.ended`, `task.expired` or `task.revoked`.
    public static func taskFinished(_ state: String) -> String { "task." + state }

    /// The record an identity's status change writes (`identity.reactivated` for a return to active).
    public static func identityStatusChanged(to status: String) -> String {
        status == "active" ? identityReactivated : "identity." + status
    }

    /// Every type above.
    public static let all: Set<String> = Set<String>([
        tokenIssued, tokenRefused, tokenRevoked, refusalsAggregated,
        identityCreated, identityUpdated, identitySuspended, identityRetired, identityReactivated, ownerDeparted,
        taskCreated, taskRenewed, taskEnded, taskExpired, taskRevoked, leaseRenewed, leaseRevoked,
        exceptionCreated, exceptionUsed, exceptionRevoked, exceptionExpired,
        adminAuthFailed, adminForbidden, adminRequestRefused, keysRotated, keysPromoted, policyReloaded, policyReloadFailed,
        findingAcknowledged, findingResolved, findingOpened, issuerTrusted, issuerRemoved, humanSignedIn, humanSignInRefused,
        caGenerated, caRotated, nodeJoinTokenCreated, nodeAttested, nodeAttestationRefused, nodeRenewed, nodeRefused,
        nodeRevoked, entryCreated, entryDeleted, jwtSVIDIssued, jwtSVIDRefused, federationConfigured,
        agentToolsSet, toolCallAllowed, toolCallDenied, toolCallApprovalRequired, toolApprovalApproved, toolApprovalDenied,
        secretIssued, secretRefused, secretDestroyed, secretOrphanDropped, staticSecretRegistered, staticSecretRotated,
        checkpoint, discoveryRun, discoveredNew, discoveredChanged, discoveredReturned, discoveredGone, discoveredClaimed,
        discoveredMigrated, sinkLagging, sinkCaughtUp, responseReleased, responseRulesLoaded, responseRulesRejected,
    ]).union(responseActions.flatMap { ["response." + $0, "response.would_" + $0] })
}
