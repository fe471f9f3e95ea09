import Foundation
import TesseraAudit
import TesseraCore
import TesseraDiscovery
import TesseraStore

/// Discovery for the admin API and the schedule: merges snapshots into the inventory, claims, migrations and
/// plans. Every run and every change to a discovered identity is audited before it is acknowledged.
struct DiscoveryService: Sendable {
    let repository: any DiscoveryRepository
    let identities: any IdentityRepository
    let audit: AuditLog
    let clock: any TimeSource
    let issuer: MigrationPlan.Issuer

    /// Applies a snapshot and records the run; returns the run (with its counts) and what changed.
    func apply(_ snapshot: DiscoverySnapshot, actor: String) async throws -> (DiscoveryRun, DiscoveryChanges) {
        try DiscoverySnapshotLimits.check(snapshot)
        let now = clock.now()
        let changes = try await repository.apply(snapshot, at: now)
        let run = DiscoveryRun(
            id: DiscoveryRun.newID(), source: snapshot.source, scope: snapshot.scope, startedAt: snapshot.startedAt,
            finishedAt: snapshot.finishedAt, complete: snapshot.complete,
            counts: changes.counts(seen: snapshot.observations.count),
            problems: Array(
                (snapshot.problems + changes.skipped.map { "\(snapshot.source): \($0)" }).prefix(
                    DiscoveryLimits.maximumListEntries)),
            sourceFindings: snapshot.sourceFindings, actor: actor)
        try await repository.recordRun(run)
        try await recordChanges(changes, actor: actor, run: run.id)
        var details: [String: AuditValue] = [
            "run": .string(run.id), "source": .string(run.source.rawValue), "complete": .bool(run.complete),
        ]
        for (name, count) in run.counts { details[name] = .int(Int64(count)) }
        if !run.problems.isEmpty { details["problems"] = .strings(run.problems.map { String($0.prefix(300)) }) }
        try await audit.append(
            AuditEvent(
                type: AuditEventType.discoveryRun, outcome: run.complete ? .success : .failure, actor: actor,
                subject: run.scope, details: details))
        return (run, changes)
    }

    /// One record per change, appended concurrently so the log's group commit batches them.
    private func recordChanges(_ changes: DiscoveryChanges, actor: String, run: String) async throws {
        let events = changes.changed.map { identity, change in
            AuditEvent(
                type: "discovered." + change.rawValue, outcome: .success, actor: actor, subject: identity.externalID,
                details: [
                    "discovered_id": .string(identity.id), "run": .string(run), "source": .string(identity.source.rawValue),
                    "kind": .string(identity.observation.kind), "status": .string(identity.status.rawValue),
                ])
        }
        try await audit.append(all: events)
    }

    func find(_ id: String) async throws -> DiscoveredIdentity {
        guard let identity = try await repository.get(id: id) else {
            throw ProblemDetails.notFound("no discovered identity \(id.prefix(64))")
        }
        return identity
    }

    func list(_ filter: DiscoveryFilter) async throws -> [DiscoveredIdentity] { try await repository.list(filter) }

    func runs() async throws -> [DiscoveryRun] { try await repository.latestRuns() }

    /// Gives a discovered identity an owner and a purpose (claiming again hands it to a new owner).
    func claim(_ id: String, _ body: JSONObjectReader, actor: AdminPrincipal) async throws -> DiscoveredIdentity {
        try body.rejectUnknown(allowed: ["owner", "purpose", "environment", "trust_boundary", "review_by"])
        let owner = try body.requiredString("owner").trimmingCharacters(in: .whitespaces)
        let purpose = try body.requiredString("purpose").trimmingCharacters(in: .whitespaces)
        guard !owner.isEmpty else { throw ProblemDetails.badRequest("$.owner must not be empty") }
        guard !purpose.isEmpty else { throw ProblemDetails.badRequest("$.purpose must not be empty") }
        let identity = try await find(id)
        let claim = DiscoveryClaim(
            owner: owner, purpose: purpose, environment: try body.nullableString("environment") ?? nil,
            trustBoundary: try body.nullableString("trust_boundary") ?? nil,
            reviewBy: try body.nullableDate("review_by") ?? nil, claimedAt: clock.now(), claimedBy: actor.auditActor)
        let claimed = identity.claimed(claim)
        try await repository.update(claimed)
        var details: [String: AuditValue] = [
            "discovered_id": .string(id), "owner": .string(owner), "purpose": .string(String(purpose.prefix(300))),
        ]
        if let previous = identity.owner, previous != owner { details["previous_owner"] = .string(previous) }
        try await audit.append(
            AuditEvent(
                type: AuditEventType.discoveredClaimed, outcome: .success, actor: actor.auditActor,
                subject: identity.externalID, details: details))
        return claimed
    }

    /// Records that the Tessera identity `to` replaced a discovered one; its old credentials stay flagged while live.
    func migrate(_ id: String, _ body: JSONObjectReader, actor: AdminPrincipal) async throws -> DiscoveredIdentity {
        try body.rejectUnknown(allowed: ["identity"])
        let target = try body.requiredString("identity")
        guard try await identities.get(id: target) != nil else {
            throw ProblemDetails.badRequest("$.identity: no Tessera identity \(target.prefix(64)) (create it first)")
        }
        let identity = try await find(id)
        guard identity.claim != nil else {
            throw ProblemDetails(.conflict, "Conflict", detail: "claim \(id) (owner and purpose) before migrating it")
        }
        let migrated = identity.migrated(to: target, at: clock.now())
        try await repository.update(migrated)
        try await audit.append(
            AuditEvent(
                type: AuditEventType.discoveredMigrated, outcome: .success, actor: actor.auditActor,
                subject: identity.externalID, details: ["discovered_id": .string(id), "identity_id": .string(target)]))
        return migrated
    }

    func plan(_ id: String) async throws -> MigrationPlan { MigrationPlan.make(for: try await find(id), issuer: issuer) }
}
