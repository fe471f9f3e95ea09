import Foundation
import Logging
import Synchronization
import TesseraAudit
import TesseraCore
import TesseraPosture
import TesseraStore

/// Automated, audited and reversible responses (docs/risk.md): after each risk refresh, every open finding on a
/// Tessera identity is matched against the response rules; on the decision path, request signals are. Each
/// (rule, finding) — or (rule, identity, signal, day) — is claimed once across servers, then its actions are taken
/// and each is recorded as `response.<action>` naming the rule and the evidence. In dry-run mode the records say
/// `response.would_<action>` and nothing is done. `require-approval` holds the identity's issuance until a person
/// releases it; a suspension is undone with `tessera identity activate --reason`.
final class ResponseEngine: Sendable {
    let repository: any ResponseRepository
    let identities: IdentityService
    let tasks: TaskService
    let leases: any TaskRepository
    let assessor: RiskAssessor
    let audit: AuditLog
    let clock: any TimeSource
    let logger: Logger
    let directory: String?
    private let loaded: Mutex<(rules: ResponseRuleSet, modified: Date?)>
    private let inFlight = Mutex(0)
    /// Response keys this server already claimed or found claimed: a claim is final, so each (rule, finding) costs
    /// one write across the server's life, not one per refresh. Bounded: forgotten whole past `maximumKnownClaims`
    /// (the database still answers).
    let knownClaims = Mutex(Set<String>())
    static let maximumKnownClaims = 200_000

    init(
        repository: any ResponseRepository, identities: IdentityService, tasks: TaskService, leases: any TaskRepository,
        assessor: RiskAssessor, audit: AuditLog, clock: any TimeSource, logger: Logger, directory: String?
    ) throws {
        self.repository = repository
        self.identities = identities
        self.tasks = tasks
        self.leases = leases
        self.assessor = assessor
        self.audit = audit
        self.clock = clock
        self.logger = logger
        self.directory = directory
        do {
            loaded = Mutex((try ResponseRuleSet.load(directory: directory), Self.modified(directory)))
        } catch {
            throw ServerError(.configuration, "response rules rejected: \(error.description)")
        }
    }

    var rules: ResponseRuleSet { loaded.withLock { $0.rules } }

    /// Reloads `responses.json` when it changed; a bad file is audited (`response.rules_rejected`, file:line) and
    /// the previous rules stay.
    func reloadIfChanged() async {
        let modified = Self.modified(directory)
        guard modified != loaded.withLock({ $0.modified }) else { return }
        do {
            let next = try ResponseRuleSet.load(directory: directory)
            loaded.withLock { $0 = (next, modified) }
            _ = try? await audit.append(
                AuditEvent(
                    type: AuditEventType.responseRulesLoaded, outcome: .success, actor: "system", subject: next.source,
                    details: ["rules": .strings(next.rules.map(\.id)), "dry_run": .bool(next.dryRun)]))
        } catch {
            loaded.withLock { $0.modified = modified }
            logger.warning("response rules rejected; the previous rules stay: \(error.description)")
            _ = try? await audit.append(
                AuditEvent(
                    type: AuditEventType.responseRulesRejected, outcome: .failure, actor: "system", subject: directory ?? "",
                    reason: String(error.description.prefix(500))))
        }
    }

    static func modified(_ directory: String?) -> Date? {
        guard let directory else { return nil }
        let path = (directory as NSString).appendingPathComponent(ResponseRuleSet.fileName)
        return (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// Responds to the open findings (not acknowledged) of one evaluation, then refreshes the holds the decisions see.
    func respond(to findings: [Finding]) async throws {
        let set = rules
        for finding in findings {
            guard let identityID = finding.identityID, identityID.hasPrefix("nhi_") else { continue }
            var environment: String?? = nil
            for rule in set.rules {
                let key = "\(rule.id)|\(finding.id)"
                // Acted on (or claimed elsewhere) already: no identity lookup, no claim write.
                if knownClaims.withLock({ $0.contains(Self.claimKey(key, dryRun: set.dryRun)) }) { continue }
                if environment == nil { environment = .some(try? await identities.find(identityID).environment) }
                guard rule.match.matches(finding: finding, environment: environment ?? nil) else { continue }
                var rule = rule
                if let allowed = CausedByOthers.allowedActions(finding.category.rawValue) {
                    // Another party can cause this finding: only the actions allowed for it (a broad rule's others go).
                    rule = ResponseRule(
                        id: rule.id, description: rule.description, match: rule.match,
                        actions: rule.actions.filter { allowed.contains($0) })
                    if rule.actions.isEmpty { continue }
                }
                let evidence = [finding.title] + finding.evidence.prefix(3).map(\.detail)
                try await act(
                    rule, key: key, identityID: identityID, subject: finding.subject,
                    evidence: evidence, cause: ["finding": .string(finding.id), "category": .string(finding.category.rawValue)],
                    dryRun: set.dryRun)
            }
        }
        try await refreshHolds()
    }

    /// Responds to the signals of one request (called off the decision path).
    func respond(toSignals signals: [String], identity: Identity, at time: Date) async {
        let set = rules
        let matching = set.rules.filter { rule in
            signals.contains { rule.match.matches(signal: $0, environment: identity.environment) }
        }
        guard !matching.isEmpty else { return }
        // At most a few responses in flight: a flood of signalled requests must not become a flood of database work.
        guard
            inFlight.withLock({ count -> Bool in
                guard count < 8 else { return false }
                count += 1
                return true
            })
        else { return }
        defer { inFlight.withLock { $0 -= 1 } }
        let day = Int(time.timeIntervalSince1970 / 86_400)
        for rule in matching {
            for signal in signals where rule.match.matches(signal: signal, environment: identity.environment) {
                do {
                    try await act(
                        rule, key: "\(rule.id)|\(identity.id)|\(signal)|\(day)", identityID: identity.id,
                        subject: identity.clientID, evidence: ["signal \(signal) on a request at \(ISO8601.format(time))"],
                        cause: ["signal": .string(signal)], dryRun: set.dryRun)
                } catch {
                    logger.warning("response \(rule.id) to \(signal) failed: \(String(describing: error).prefix(200))")
                }
            }
        }
        try? await refreshHolds()
    }

    /// Loads the unreleased holds into the assessor (every server does this at each refresh).
    func refreshHolds() async throws {
        let holds = try await repository.activeHolds()
        var held: [String: String] = [:]
        for hold in holds { held[hold.subject] = hold.rule }
        assessor.updateHolds(held)
    }
}
