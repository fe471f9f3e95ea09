import Foundation
import TesseraCore
import TesseraStore
import Testing

@testable import TesseraPosture

/// The findings on discovered identities: each rule fires on its risk and stays quiet on the look-alike.
@Suite struct DiscoveryDetectorsTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let day: TimeInterval = 86_400

    func identity(
        _ name: String, credentials: [DiscoveredCredential] = [], privileged: [String] = [], interactive: [String] = [],
        lastUsed: Date? = nil, usageKnown: Bool = false, created: Date? = nil, claimed: Bool = true, migratedTo: String? = nil,
        discoveredAt: Date? = nil
    ) -> DiscoveredIdentity {
        let observation = DiscoveryObservation(
            externalID: "arn:aws:iam::123456789012:user/\(name)", name: name, kind: "iam-user", credentials: credentials,
            privileged: privileged, interactiveUse: interactive, lastUsedAt: lastUsed, usageKnown: usageKnown, createdAt: created)
        var found = DiscoveredIdentity.discovered(observation, source: .aws, scope: "aws:123456789012", at: discoveredAt ?? now)
        if claimed {
            found = found.claimed(DiscoveryClaim(owner: "alice", purpose: "billing", claimedAt: now, claimedBy: "admin"))
        }
        if let migratedTo { found = found.migrated(to: migratedTo, at: now) }
        return found
    }

    func categories(_ identity: DiscoveredIdentity, thresholds: PostureThresholds = PostureThresholds()) -> [FindingCategory] {
        DiscoveryDetectors(now: now, thresholds: thresholds).findings([identity], runs: []).map(\.category).sorted {
            $0.rawValue < $1.rawValue
        }
    }

    func key(_ id: String, created: Date?, status: String = "active", expiryKnown: Bool = false) -> DiscoveredCredential {
        DiscoveredCredential(kind: "access-key", reference: id, status: status, createdAt: created, expiryKnown: expiryKnown)
    }

    @Test func anUnclaimedIdentityIsUnownedAndAClaimedOneIsNot() {
        #expect(categories(identity("a", claimed: false)) == [.unowned])
        #expect(categories(identity("a")).isEmpty)
    }

    @Test func privilegeAndHumanUseCarryTheSourcesEvidence() throws {
        let found = identity(
            "root-like", privileged: ["policy AdministratorAccess: Action * on Resource *"], interactive: ["console sign-in"])
        let findings = DiscoveryDetectors(now: now, thresholds: PostureThresholds()).findings([found], runs: [])
        let privileged = try #require(findings.first { $0.category == .privilegedAccount })
        #expect(privileged.owasp == .nhi5 && privileged.severity == .high)
        #expect(privileged.evidence.map(\.detail) == ["policy AdministratorAccess: Action * on Resource *"])
        #expect(privileged.evidence.allSatisfy { $0.kind == "discovery" })
        #expect(findings.first { $0.category == .humanUse }?.owasp == .nhi10)
    }

    @Test func oldKeysAndNonExpiringCredentialsAreLongLivedButInactiveAndFreshOnesAreNot() {
        #expect(categories(identity("old", credentials: [key("AKIAOLD", created: now - 120 * day)])) == [.longLivedCredential])
        #expect(categories(identity("fresh", credentials: [key("AKIANEW", created: now - 10 * day)])).isEmpty)
        #expect(categories(identity("off", credentials: [key("AKIAOFF", created: now - 400 * day, status: "inactive")])).isEmpty)
        let password = DiscoveredCredential(kind: "password", reference: "password", status: "active", expiryKnown: true)
        #expect(categories(identity("pw", credentials: [password])) == [.longLivedCredential])
        let expiring = DiscoveredCredential(
            kind: "password", reference: "password", status: "active", expiresAt: now + day, expiryKnown: true)
        #expect(categories(identity("pw2", credentials: [expiring])).isEmpty)
        let expired = DiscoveredCredential(
            kind: "password", reference: "password", status: "active", expiresAt: now - day, expiryKnown: true)
        #expect(categories(identity("pw3", credentials: [expired])).isEmpty, "an expired password cannot be used")
        let sshKey = DiscoveredCredential(kind: "ssh-key", reference: "SHA256:abc", expiryKnown: true)
        #expect(categories(identity("ssh", credentials: [sshKey])).isEmpty, "SSH keys carry no expiry to judge")
    }

    @Test func unusedNeedsTheSourceToRecordUse() {
        #expect(categories(identity("never", usageKnown: true, created: now - 100 * day)) == [.unused])
        #expect(categories(identity("new", usageKnown: true, created: now - 5 * day)).isEmpty, "too new to call unused")
        #expect(categories(identity("idle", lastUsed: now - 91 * day, usageKnown: true)) == [.unused])
        #expect(categories(identity("busy", lastUsed: now - day, usageKnown: true)).isEmpty)
        #expect(categories(identity("unknown", usageKnown: false, created: now - 400 * day)).isEmpty)
        var strict = PostureThresholds()
        strict.discoveryUnusedDays = 0
        #expect(categories(identity("never", usageKnown: true), thresholds: strict) == [.unused])
        #expect(
            categories(identity("today", lastUsed: now - 3600, usageKnown: true), thresholds: strict).isEmpty,
            "used today is not unused, even with a zero-day window")
    }

    @Test func aMigratedIdentityIsFlaggedWhileItsOldCredentialWorks() {
        let live = identity("moved", credentials: [key("AKIALIVE", created: now - day)], migratedTo: "nhi_1")
        #expect(categories(live) == [.supersededCredential])
        let disabled = identity(
            "moved", credentials: [key("AKIALIVE", created: now - day, status: "inactive")], migratedTo: "nhi_1")
        #expect(categories(disabled).isEmpty)
    }

    @Test func goneIdentitiesHaveNoFindingsAndFindingsAreStableAcrossRuns() {
        let found = identity("x", claimed: false)
        #expect(DiscoveryDetectors(now: now, thresholds: PostureThresholds()).findings([found.gone(at: now)], runs: []).isEmpty)
        let again = found.seen(found.observation, at: now + day)
        let first = DiscoveryDetectors(now: now, thresholds: PostureThresholds()).findings([found], runs: [])
        let second = DiscoveryDetectors(now: now + day, thresholds: PostureThresholds()).findings([again], runs: [])
        #expect(first.map(\.id) == second.map(\.id))
    }

    @Test func aTrustRiskTheConnectorReportedIsABroadTrustFinding() throws {
        let observation = DiscoveryObservation(
            externalID: "arn:aws:iam::123456789012:role/partner", name: "partner", kind: "iam-role",
            attributes: ["trust_risk": "every principal of account 999999999999 may assume it; any token from x may assume it"])
        let role = DiscoveredIdentity.discovered(observation, source: .aws, scope: "aws:123456789012", at: now)
            .claimed(DiscoveryClaim(owner: "alice", purpose: "p", claimedAt: now, claimedBy: "admin"))
        let findings = DiscoveryDetectors(now: now, thresholds: PostureThresholds()).findings([role], runs: [])
        let finding = try #require(findings.first)
        #expect(findings.count == 1 && finding.category == .broadTrust && finding.owasp == .nhi3)
        #expect(finding.evidence.count == 2)
        let narrow = DiscoveryObservation(
            externalID: "arn:aws:iam::123456789012:role/ec2", name: "ec2", kind: "iam-role", attributes: ["trust": "service"])
        let fine = DiscoveredIdentity.discovered(narrow, source: .aws, scope: "aws:123456789012", at: now)
            .claimed(DiscoveryClaim(owner: "alice", purpose: "p", claimedAt: now, claimedBy: "admin"))
        #expect(DiscoveryDetectors(now: now, thresholds: PostureThresholds()).findings([fine], runs: []).isEmpty)
    }

    @Test func aSourceWithoutAuditIsAFindingOnItsScope() {
        let run = DiscoveryRun(
            id: "drun_1", source: .openbao, scope: "openbao://127.0.0.1:8200", startedAt: now, finishedAt: now, complete: true,
            counts: [:], problems: [], sourceFindings: ["no audit device is enabled: token use is not recorded"], actor: "admin")
        let findings = DiscoveryDetectors(now: now, thresholds: PostureThresholds()).findings([], runs: [run])
        #expect(findings.map(\.category) == [.unauditedSource])
        #expect(findings.first?.subject == "openbao://127.0.0.1:8200")
    }
}
