import Foundation
import TesseraCore
import TesseraPosture
import Testing

@testable import TesseraServer

/// The per-request risk: findings and signals against the identity's own baseline, bounded, from memory.
@Suite struct RiskAssessorTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let identity = Identity(
        id: "nhi_1", spiffeID: try! SPIFFEID(parsing: "spiffe://example.org/billing"), kind: .service, owner: "alice",
        purpose: "p", environment: "prod", jwks: Identity.noKeys, createdAt: Date(timeIntervalSince1970: 0),
        updatedAt: Date(timeIntervalSince1970: 0))

    func request(_ time: Date, from address: String = "10.0.0.7", audience: String = "https://api", depth: Int = 0)
        -> IssuanceRequest
    {
        IssuanceRequest(
            action: "issue_token", identity: identity, requestedScopes: [], audience: audience, grantType: "client_credentials",
            sourceAddress: address, time: time, delegationDepth: depth)
    }

    /// Teaches the assessor `count` requests, one every `every` seconds, from 10.0.0.x to https://api.
    func trained(_ count: Int = 40, every: TimeInterval = 60) -> RiskAssessor {
        let assessor = RiskAssessor()
        for index in 0..<count {
            assessor.learn(request(start.addingTimeInterval(Double(index) * every), from: "10.0.0.\(index % 5)"))
        }
        return assessor
    }

    @Test func noSignalBeforeABaselineExists() {
        let assessor = RiskAssessor()
        #expect(assessor.assess(request(start, from: "203.0.113.9", audience: "https://new")) == .low)
    }

    @Test func aNewNetworkAndANewAudienceAreSignalsAndTogetherHighRisk() {
        let assessor = trained()
        let later = start.addingTimeInterval(3600)
        #expect(assessor.assess(request(later, from: "10.0.0.200")).level == .low, "same /24")
        let network = assessor.assess(request(later, from: "203.0.113.9"))
        #expect(network.signals == ["new-network"] && network.level == .medium)
        let both = assessor.assess(request(later, from: "203.0.113.9", audience: "https://payments"))
        #expect(Set(both.signals) == ["new-network", "new-audience"] && both.level == .high)
        #expect(assessor.assess(request(later, depth: 2)).signals == ["deep-delegation"])
    }

    @Test func aRateFarAboveTheUsualIsASpike() {
        let assessor = trained(40, every: 60)  // one a minute for 40 minutes
        let burstMinute = start.addingTimeInterval(41 * 60)
        for second in 0..<35 { assessor.learn(request(burstMinute.addingTimeInterval(Double(second)))) }
        #expect(assessor.assess(request(burstMinute.addingTimeInterval(50))).signals.contains("rate-spike"))
        #expect(!assessor.assess(request(burstMinute.addingTimeInterval(120))).signals.contains("rate-spike"), "next minute")
    }

    @Test func openFindingsSetTheLevelAndAreNamed() {
        let assessor = RiskAssessor()
        assessor.updateFindings(
            ["spiffe://example.org/billing": [.init(category: "over-privilege", severity: "medium")]], at: start)
        let medium = assessor.assess(request(start))
        #expect(medium.level == .medium && medium.openFindings == ["over-privilege"])
        assessor.updateFindings(["spiffe://example.org/billing": [.init(category: "orphaned", severity: "high")]], at: start)
        #expect(assessor.assess(request(start)).level == .high)
        #expect(assessor.assess(request(start)).reasons == ["finding orphaned (high)"])
    }

    @Test func aRefusedProbeIsNotLearned() async {
        let assessor = trained()
        struct Deny: IssuanceAuthorizer {
            func authorize(_ request: IssuanceRequest) async -> PolicyDecision {
                PolicyDecision(outcome: .deny, reasons: ["no"], determiningPolicies: [], policySetVersion: "v")
            }
        }
        let authorizer = RiskAwareAuthorizer(inner: Deny(), assessor: assessor)
        let probe = request(start.addingTimeInterval(3600), from: "198.51.100.4")
        for _ in 0..<5 { _ = await authorizer.authorize(probe) }
        let decision = await authorizer.authorize(probe)
        #expect(decision.risk?.signals == ["new-network"], "still new after refusals")
    }

    @Test func aNetworkATaskExcusedJoinsTheBaselineOnlyADayLater() {
        var baseline = IdentityBaseline()
        for minute in 0..<30 { baseline.learn(network: "10.0.0.0/24", audience: "a", depth: 0, minute: Int64(minute), hour: 0) }
        baseline.learn(network: "203.0.113.0/24", audience: "a", depth: 0, minute: 100, hour: 1, inTask: true)
        #expect(!baseline.networks.contains("203.0.113.0/24"), "one task does not launder a network")
        baseline.learn(network: "203.0.113.0/24", audience: "a", depth: 0, minute: 500, hour: 8, inTask: true)
        #expect(!baseline.networks.contains("203.0.113.0/24"))
        baseline.learn(network: "203.0.113.0/24", audience: "a", depth: 0, minute: 100 + 24 * 60, hour: 1, inTask: true)
        #expect(baseline.networks.contains("203.0.113.0/24"), "still used in tasks a day later: part of the baseline")
    }

    @Test func baselinesAreBoundedPerIdentity() {
        let assessor = RiskAssessor()
        for index in 0..<500 {
            assessor.learn(
                request(
                    start.addingTimeInterval(Double(index)), from: "10.\(index / 250).\(index % 250).1", audience: "a\(index)"))
        }
        var baseline = IdentityBaseline()
        for index in 0..<500 {
            baseline.learn(network: "n\(index)", audience: "a\(index)", depth: 0, minute: Int64(index), hour: 0)
        }
        #expect(baseline.networks.count == IdentityBaseline.maximumNetworks)
        #expect(baseline.audiences.count == IdentityBaseline.maximumAudiences)
    }

    /// What holders of an identity's token do in exchanges (reuse, a loop, a deep chain) is shown on it but does not
    /// raise its risk: otherwise a downstream service could get it refused or held.
    @Test func findingsOthersCauseDoNotRaiseTheNamedIdentitysRisk() {
        func finding(_ category: FindingCategory) -> Finding {
            Finding(
                category: category, identityID: "nhi_b", subject: "spiffe://example.org/b", discriminator: category.rawValue,
                title: category.rawValue, evidence: [])
        }
        let open = RiskRefresher.openFindings([
            finding(.subjectTokenReuse), finding(.exchangeLoop), finding(.delegationDepth), finding(.sharedCredential),
        ])
        #expect(open["spiffe://example.org/b"]?.map(\.category) == ["shared-credential"])
        #expect(RiskAssessor.level(findings: open["spiffe://example.org/b"] ?? [], signals: []).level == .medium)
    }
}
