import TesseraCore
import TesseraPosture

/// One automated response (docs/risk.md): when a finding or a request signal matches, take the actions.
struct ResponseRule: Sendable, Equatable {
    enum Action: String, Sendable, CaseIterable {
        /// Suspend the identity (its live leases are revoked with it).
        case suspend
        /// Revoke the identity's live leases; it stays active.
        case revokeLeases = "revoke-leases"
        /// End the task the finding names.
        case endTask = "end-task"
        /// Refuse the identity's next issuance until a person releases it (`tessera identity release`).
        case requireApproval = "require-approval"
        /// Tell the owner: an audit record `response.notify` naming the owner and the evidence, streamed to sinks.
        case notify
    }

    /// What must hold for the rule to fire. Every given field must match; at least one of category, severity,
    /// owasp or signal is given.
    struct Match: Sendable, Equatable {
        var categories: Set<String>?
        var minimumSeverity: Severity?
        var owasp: Set<String>?
        var signals: Set<String>?
        var environments: Set<String>?

        /// Whether this rule is about request signals (else about findings).
        var isSignalRule: Bool { signals != nil }

        func matches(finding: Finding, environment: String?) -> Bool {
            guard !isSignalRule else { return false }
            if let categories, !categories.contains(finding.category.rawValue) { return false }
            if let minimumSeverity, finding.severity < minimumSeverity { return false }
            if let owasp, !owasp.contains(finding.owasp.rawValue) { return false }
            return matches(environment: environment)
        }

        func matches(signal: String, environment: String?) -> Bool {
            guard let signals, signals.contains(signal) else { return false }
            return matches(environment: environment)
        }

        private func matches(environment: String?) -> Bool {
            guard let environments else { return true }
            return environments.contains(environment ?? "")
        }
    }

    let id: String
    let description: String
    let match: Match
    let actions: [Action]
}
