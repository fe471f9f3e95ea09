/// What a detector found. Each category maps to one OWASP NHI Top 10 item and a default severity.
public enum FindingCategory: String, Sendable, Codable, CaseIterable {
    case overPrivilege = "over-privilege"
    case stale
    case reviewOverdue = "review-overdue"
    case expired
    case orphaned
    case longLivedToken = "long-lived-token"
    case unrotatedSecret = "unrotated-secret"
    case secretInCode = "secret-in-code"
    case contextDrift = "context-drift"
    case sharedSPIFFEID = "shared-spiffe-id"
    case refusalSpike = "refusal-spike"
    case sharedCredential = "shared-credential"
    case delegationDepth = "delegation-depth"
    case agentOutsideTask = "agent-outside-task"
    case exchangeLoop = "exchange-loop"
    case subjectTokenReuse = "subject-token-reuse"
    case exceptionExpiring = "exception-expiring"
    case exceptionExpired = "exception-expired"
    case exceptionOutOfScope = "exception-out-of-scope"
    // Discovered identities (found outside Tessera).
    case unowned
    case longLivedCredential = "long-lived-credential"
    case unused
    case privilegedAccount = "privileged-account"
    case humanUse = "human-use"
    case supersededCredential = "superseded-credential"
    case unauditedSource = "unaudited-source"
    case broadTrust = "broad-trust"
    // Tessera's own audit trail.
    case laggingSink = "lagging-sink"

    /// The OWASP NHI Top 10 (2025) item this category evidences.
    public var owasp: OWASPItem {
        switch self {
        case .stale, .reviewOverdue, .expired, .orphaned, .unowned: .nhi1
        case .longLivedCredential, .supersededCredential: .nhi7
        case .unused, .privilegedAccount: .nhi5
        case .humanUse: .nhi10
        case .unauditedSource, .laggingSink: .nhi6
        case .broadTrust: .nhi3
        case .secretInCode, .refusalSpike: .nhi2
        case .overPrivilege, .delegationDepth, .agentOutsideTask, .exchangeLoop: .nhi5
        case .exceptionExpiring, .exceptionExpired, .exceptionOutOfScope: .nhi5
        case .subjectTokenReuse: .nhi4
        case .longLivedToken, .unrotatedSecret: .nhi7
        case .contextDrift: .nhi8
        case .sharedSPIFFEID, .sharedCredential: .nhi9
        }
    }

    /// The default severity.
    public var severity: Severity {
        switch self {
        case .secretInCode, .orphaned, .expired, .agentOutsideTask, .exchangeLoop: .high
        case .privilegedAccount, .humanUse, .supersededCredential, .longLivedCredential, .broadTrust: .high
        case .unowned, .unauditedSource, .laggingSink: .medium
        case .unused: .low
        case .subjectTokenReuse, .exceptionExpiring, .exceptionOutOfScope: .medium
        case .exceptionExpired: .low
        case .overPrivilege, .unrotatedSecret, .contextDrift, .sharedCredential, .refusalSpike, .delegationDepth: .medium
        case .sharedSPIFFEID, .longLivedToken: .medium
        case .stale, .reviewOverdue: .low
        }
    }

    /// What to do about it.
    public var remediation: String {
        switch self {
        case .overPrivilege:
            "Narrow the identity's granted scopes to the used set (see suggestion) or load the suggested Cedar policy."
        case .stale: "Confirm with the owner whether the identity is still needed; retire it if not."
        case .reviewOverdue: "Have the owner review the identity and set a new review-by date."
        case .expired: "Retire the expired identity, or renew it with a new expiry after review."
        case .orphaned:
            "Assign a new, active owner (re-assignment queue) or retire the identity; no owner means no production access."
        case .longLivedToken: "Lower the identity's token TTL to the policy maximum; prefer minutes-long tokens."
        case .unrotatedSecret:
            "Rotate the static secret now and record the rotation; better, replace it with short-lived Tessera tokens."
        case .secretInCode: "Revoke and rotate the secret, remove it from the code and history, load it from a secret manager."
        case .contextDrift:
            "Confirm the new source or audience with the owner; if unexpected, suspend the identity and investigate."
        case .sharedSPIFFEID:
            "Give each workload instance or application its own identity; one SPIFFE ID should not serve many sources."
        case .refusalSpike:
            "Investigate the refused requests: a stolen key probing for access looks like this. Suspend if unexplained."
        case .sharedCredential:
            "Give each identity its own key pair; a key registered for several identities cannot be attributed."
        case .delegationDepth: "Shorten the delegation chain; deny exchanges beyond the allowed depth in policy."
        case .agentOutsideTask:
            "Revoke the agent's leases, end or narrow the task, and find out why a credential was issued outside it (policy gap?)."
        case .exchangeLoop: "Refuse exchanges whose actor is already in the act chain; revoke the tokens minted by the loop."
        case .subjectTokenReuse: "Revoke the subject token and find out who is minting from it; cap exchanges per subject token."
        case .exceptionExpiring:
            "Fix the underlying policy or workload before the exception expires, or renew it with a fresh review."
        case .exceptionExpired: "Close the expired exception (revoke it with a reason) once the workload no longer depends on it."
        case .exceptionOutOfScope:
            "Find out why the identity asks for more than its exception grants; do not widen the exception without review."
        case .unowned:
            "Claim it (tessera identity claim --owner --purpose) or, if nobody needs it, disable it in its source."
        case .longLivedCredential:
            "Give the credential an expiry or replace it with short-lived Tessera credentials (tessera identity plan)."
        case .unused: "Disable the unused identity or credential in its source; delete it after a quiet period."
        case .privilegedAccount:
            "Take away the administrative privileges an application does not need; keep break-glass accounts separate and watched."
        case .humanUse:
            "Give the person their own account; an application identity used from a console cannot be attributed."
        case .supersededCredential:
            "The identity was migrated onto Tessera: disable the old credential in its source (see tessera identity plan)."
        case .broadTrust:
            "Narrow who may assume it: name the exact principals, and pin a federated trust's subject (and audience)."
        case .unauditedSource: "Enable an audit device in the source so that every use of its credentials is recorded."
        case .laggingSink:
            "Bring the sink's receiver back (service, network, TLS, signing key): nothing is lost, every record is delivered in order once it answers, but until then the SOC does not see the audit trail."
        }
    }
}
