import Foundation
import TesseraAudit
import TesseraCore
import TesseraStore

extension ResponseEngine {
    /// Claims the response once across servers, then takes (or, dry-run, records) each action.
    func act(
        _ rule: ResponseRule, key: String, identityID: String, subject: String, evidence: [String],
        cause: [String: AuditValue], dryRun: Bool
    ) async throws {
        let now = clock.now()
        let record = ResponseRecord(
            key: Self.claimKey(key, dryRun: dryRun), rule: rule.id, identityID: identityID, subject: subject,
            actions: rule.actions.map(\.rawValue), dryRun: dryRun, hold: !dryRun && rule.actions.contains(.requireApproval),
            createdAt: now)
        guard !knownClaims.withLock({ $0.contains(record.key) }) else { return }
        let claimed = try await repository.claim(record)
        knownClaims.withLock { known in
            if known.count >= Self.maximumKnownClaims { known.removeAll() }
            known.insert(record.key)
        }
        guard claimed else { return }
        let actor = "response:\(rule.id)"
        let principal = AdminPrincipal(tokenID: actor, name: rule.id, role: "admin")
        // The tasks to end are found before any action runs, so an earlier `revoke-leases` cannot hide them.
        let tasksToEnd = rule.actions.contains(.endTask) && !dryRun ? try await openTasks(naming: subject) : []
        for action in rule.actions {
            var details = cause
            details["rule"] = .string(rule.id)
            details["identity_id"] = .string(identityID)
            details["evidence"] = .strings(evidence.map { String($0.prefix(300)) })
            if dryRun {
                details["dry_run"] = .bool(true)
                try await audit.append(
                    AuditEvent(
                        type: AuditEventType.response(action.rawValue, dryRun: true), outcome: .success,
                        actor: actor, subject: subject, details: details))
                continue
            }
            switch action {
            case .suspend:
                if let identity = try? await identities.find(identityID), identity.status == .active {
                    _ = try await identities.transition(
                        id: identityID, to: .suspended, reason: "response rule \(rule.id): \(evidence.first ?? "")",
                        actor: principal)
                }
            case .revokeLeases:
                let revoked = try await leases.revokeLeases(subject: subject, reason: "response rule \(rule.id)", now: now)
                details["revoked_leases"] = .int(Int64(revoked.count))
            case .endTask:
                var ended: [String] = []
                for taskID in tasksToEnd {
                    guard let task = try? await tasks.find(taskID), task.state == .open else { continue }
                    _ = try await tasks.finish(task, as: .revoked, reason: "response rule \(rule.id)", actor: actor)
                    ended.append(taskID)
                }
                details["tasks"] = .strings(ended)
            case .requireApproval:
                assessor.hold(subject, rule: rule.id)
            case .notify:
                if let identity = try? await identities.find(identityID) { details["owner"] = .string(identity.owner) }
            }
            try await audit.append(
                AuditEvent(
                    type: AuditEventType.response(action.rawValue, dryRun: false), outcome: .success,
                    actor: actor, subject: subject, details: details))
        }
    }

    /// The key a response is claimed under. A dry run claims under its own key: switching the rules live must still
    /// act on the findings the dry run only recorded.
    static func claimKey(_ key: String, dryRun: Bool) -> String { dryRun ? "dry-run|" + key : key }

    /// Every open task that names `subject` (it may act in them), whether or not it holds a live lease there now.
    func openTasks(naming subject: String) async throws -> [String] {
        try await leases.openTasks(naming: subject).map(\.id).sorted()
    }

    /// Releases an identity's holds (a person approved its next issuance).
    func release(identityID: String, reason: String, actor: AdminPrincipal) async throws -> [ResponseRecord] {
        let identity = try await identities.find(identityID)
        let released = try await repository.release(identityID: identityID, by: actor.auditActor, at: clock.now())
        guard !released.isEmpty else {
            throw ProblemDetails(.conflict, "Conflict", detail: "\(identityID) has no hold to release")
        }
        assessor.release(identity.clientID)
        try await audit.append(
            AuditEvent(
                type: AuditEventType.responseReleased, outcome: .success, actor: actor.auditActor, subject: identity.clientID,
                reason: String(reason.prefix(512)),
                details: ["identity_id": .string(identityID), "rules": .strings(released.map(\.rule))]))
        return released
    }
}
