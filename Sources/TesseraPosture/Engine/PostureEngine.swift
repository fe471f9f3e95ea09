import Foundation
import TesseraAudit
import TesseraCore
import TesseraStore

/// Computes posture findings from the inventory, the posture tables and the audit log, at the injected clock's
/// current time. One pass over the audit log (streamed in pages), one pass over the inventory (in pages).
public struct PostureEngine: Sendable {
    public let identities: any IdentityRepository
    public let posture: any PostureRepository
    public let audit: any AuditRecordStore
    public let clock: any TimeSource
    public let thresholds: PostureThresholds
    /// Cedar schema text that generated least-privilege policies are validated against (`nil`: parse only).
    public let schema: String?

    public init(
        identities: any IdentityRepository, posture: any PostureRepository, audit: any AuditRecordStore, clock: any TimeSource,
        thresholds: PostureThresholds = PostureThresholds(), schema: String? = nil
    ) {
        self.identities = identities
        self.posture = posture
        self.audit = audit
        self.clock = clock
        self.thresholds = thresholds
        self.schema = schema
    }

    /// Every current finding, sorted by severity (highest first), then category and subject.
    public func evaluate() async throws -> [Finding] {
        let now = clock.now()
        let digest = try await AuditDigest.build(store: audit, now: now, thresholds: thresholds)
        let departed = Set(try await posture.owners().filter { $0.status == .departed }.map(\.name))
        let detectors = IdentityDetectors(
            now: now, thresholds: thresholds, departedOwners: departed, schema: try schema.map(LeastPrivilegePolicy.schema))
        var findings: [Finding] = []
        var keys: [String: [Identity]] = [:]
        var filter = IdentityFilter(limit: 1000)
        while true {
            let page = try await identities.list(filter)
            for identity in page {
                findings += detectors.findings(for: identity, profile: digest.profiles[identity.clientID])
                if identity.status != .retired {
                    for material in EstateDetectors.keyMaterial(identity.jwks) { keys[material, default: []].append(identity) }
                }
            }
            guard page.count == filter.limit, let last = page.last else { break }
            filter.after = last.id
        }
        let estate = EstateDetectors(now: now)
        findings += estate.sharedKeys(keys)
        findings += estate.staticSecrets(try await posture.staticSecrets())
        return findings.sorted { a, b in
            if a.severity != b.severity { return a.severity > b.severity }
            return (a.category.rawValue, a.subject, a.id) < (b.category.rawValue, b.subject, b.id)
        }
    }
}
