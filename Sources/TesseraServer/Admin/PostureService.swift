import Foundation
import TesseraAudit
import TesseraCore
import TesseraPosture
import TesseraStore

/// Posture for the admin API: findings with lifecycle, owners and re-assignment, static secrets, evidence.
struct PostureService: Sendable {
    let engine: PostureEngine
    let ledger: FindingLedger
    let identities: any IdentityRepository
    let posture: any PostureRepository
    let auditStore: any AuditRecordStore
    let audit: AuditLog
    let clock: any TimeSource
    let database: any TesseraStorage
    /// The token service's view of departed owners, updated on `depart`.
    let departedOwners: DepartedOwners?
    /// Where the latest evaluation is left for the console's Overview.
    let latestFindings: LatestFindings?
    /// Evidence reports scan the whole audit log: two at a time, the rest wait.
    let evidenceScans = ConcurrencyGate(permits: 2)

    init(
        database: any TesseraStorage, audit: AuditLog, clock: any TimeSource, schema: String?, maximumTokenTTL: Int,
        digestPath: String?, departedOwners: DepartedOwners? = nil, latestFindings: LatestFindings? = nil,
        discovery: DiscoveryConfiguration = DiscoveryConfiguration()
    ) {
        self.latestFindings = latestFindings
        var thresholds = PostureThresholds()
        thresholds.discoveryUnusedDays = discovery.unusedDays
        thresholds.credentialMaximumAgeDays = discovery.credentialMaximumAgeDays
        thresholds.secretRotationDays = discovery.secretRotationDays
        thresholds.maximumTokenTTL = min(thresholds.maximumTokenTTL, maximumTokenTTL)
        self.engine = PostureEngine(
            database: database, clock: clock, thresholds: thresholds, schema: schema,
            digestPath: digestPath)
        self.ledger = FindingLedger(posture: database.posture, clock: clock)
        self.identities = database.identities
        self.posture = database.posture
        self.auditStore = database.audit
        self.audit = audit
        self.clock = clock
        self.departedOwners = departedOwners
        self.database = database
    }

    /// Current findings with their lifecycle status. Each finding that opened, reopened or cleared since the last
    /// evaluation is one audit record (`finding.opened`, `finding.resolved` by `system`), so the SOC sees it.
    func findings() async throws -> [TrackedFinding] {
        let evaluated = try await engine.evaluate()
        let (findings, changes) = try await ledger.reconcileReportingChanges(evaluated)
        latestFindings?.record(findings, at: clock.now())
        try await recordChanges(changes, findings: evaluated)
        return findings
    }

    /// At most this many lifecycle records per evaluation (a first evaluation of a large estate opens everything:
    /// one summary record then stands for the rest).
    static let maximumChangeRecords = 1000

    private func recordChanges(_ changes: [FindingState], findings: [Finding]) async throws {
        guard !changes.isEmpty else { return }
        let byID = Dictionary(findings.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let events = changes.prefix(Self.maximumChangeRecords).map { change -> AuditEvent in
            let finding = byID[change.id]
            var details: [String: AuditValue] = ["finding_id": .string(change.id)]
            if let finding {
                details["category"] = .string(finding.category.rawValue)
                details["severity"] = .string(finding.severity.rawValue)
                details["owasp"] = .string(finding.owasp.rawValue)
                details["title"] = .string(String(finding.title.prefix(300)))
                if let identity = finding.identityID { details["identity_id"] = .string(identity) }
            }
            return AuditEvent(
                type: change.status == .resolved ? AuditEventType.findingResolved : AuditEventType.findingOpened,
                outcome: .success, actor: "system", subject: finding?.subject ?? change.id, reason: change.reason,
                details: details)
        }
        try await audit.append(all: Array(events))
        if changes.count > Self.maximumChangeRecords {
            try await audit.append(
                AuditEvent(
                    type: AuditEventType.findingOpened, outcome: .success, actor: "system", subject: "posture",
                    reason: "\(changes.count - Self.maximumChangeRecords) more finding changes in this evaluation",
                    details: ["more": .int(Int64(changes.count - Self.maximumChangeRecords))]))
        }
    }

    /// Refuses (404) an id no evaluation ever reported: acknowledging or resolving it would record a fiction.
    private func requireKnown(_ id: String) async throws {
        guard id.utf8.count <= 256, try await posture.findingStates()[id] != nil else {
            throw ProblemDetails.notFound("no finding with id \(id.prefix(64))")
        }
    }

    func acknowledge(id: String, reason: String, until: Date?, actor: AdminPrincipal) async throws {
        try await requireKnown(id)
        try await ledger.acknowledge(id: id, reason: reason, until: until, actor: actor.auditActor)
        var details: [String: AuditValue] = ["finding_id": .string(id)]
        if let until { details["until"] = .string(ISO8601.format(until)) }
        try await audit.append(
            AuditEvent(
                type: AuditEventType.findingAcknowledged, outcome: .success, actor: actor.auditActor, subject: id, reason: reason,
                details: details))
    }

    func resolve(id: String, reason: String?, actor: AdminPrincipal) async throws {
        try await requireKnown(id)
        try await ledger.resolve(id: id, reason: reason, actor: actor.auditActor)
        try await audit.append(
            AuditEvent(
                type: AuditEventType.findingResolved, outcome: .success, actor: actor.auditActor, subject: id, reason: reason))
    }

    /// Marks `owner` departed and queues every identity they own for re-assignment; returns the queued ids.
    func depart(owner: String, actor: AdminPrincipal) async throws -> [String] {
        var ids: [String] = []
        var filter = IdentityFilter(owner: owner, limit: 1000)
        while true {
            let page = try await identities.list(filter)
            ids += page.filter { $0.status != .retired }.map(\.id)
            guard page.count == filter.limit, let last = page.last else { break }
            filter.after = last.id
        }
        try await posture.depart(owner, identityIDs: ids, at: clock.now())
        departedOwners?.insert(owner)
        try await audit.append(
            AuditEvent(
                type: AuditEventType.ownerDeparted, outcome: .success, actor: actor.auditActor, subject: "owner:\(owner)",
                details: ["identities": .strings(ids)]))
        return ids
    }

    /// The re-assignment queue, minus identities that have since been given another owner or retired.
    func reassignments() async throws -> [ReassignmentItem] {
        var pending: [ReassignmentItem] = []
        for item in try await posture.reassignmentQueue() {
            let identity = try await identities.get(id: item.identityID)
            if let identity, identity.owner == item.previousOwner, identity.status != .retired {
                pending.append(item)
            } else {
                try await posture.dequeue(identityID: item.identityID)
            }
        }
        return pending
    }

    func evidence(identityID: String) async throws -> EvidenceReport? {
        let identity: Identity?
        if identityID.hasPrefix("spiffe://") {
            identity = try await identities.get(spiffeID: identityID)
        } else {
            identity = try await identities.get(id: identityID)
        }
        guard let identity else { return nil }
        let findings = try await findings()
        return try await evidenceScans.run { [database, clock] in
            try await EvidenceReport.build(identity: identity, findings: findings, database: database, now: clock.now())
        }
    }

    func register(_ secret: StaticSecret, actor: AdminPrincipal) async throws -> StaticSecret {
        let stored = try await posture.upsert(secret)
        try await audit.append(
            AuditEvent(
                type: AuditEventType.staticSecretRegistered, outcome: .success, actor: actor.auditActor, subject: stored.location,
                details: [
                    "static_secret_id": .string(stored.id), "kind": .string(stored.kind),
                    "fingerprint": .string(stored.fingerprint),
                ]))
        return stored
    }

    func rotated(id: String, actor: AdminPrincipal) async throws -> StaticSecret {
        let stored = try await posture.markRotated(id: id, at: clock.now())
        try await audit.append(
            AuditEvent(
                type: AuditEventType.staticSecretRotated, outcome: .success, actor: actor.auditActor, subject: stored.location,
                details: ["static_secret_id": .string(stored.id)]))
        return stored
    }
}
