import Foundation
import TesseraCore
import TesseraPolicy
import Testing

@testable import TesseraPosture

@Suite struct PostureEngineTests {
    /// Every planted condition fires exactly where planted, and nothing fires anywhere else.
    @Test func detectorsFireExactlyWherePlanted() async throws {
        let fixture = try await EstateFixture.load()
        defer { fixture.remove() }
        let findings = try await fixture.engine(schema: try EstateFixture.defaultPolicyFile("schema.cedarschema")).evaluate()
        var actual: [String: [String]] = [:]
        for finding in findings {
            let key =
                finding.subject.hasPrefix("spiffe://corp.invalid/")
                ? String(finding.subject.dropFirst("spiffe://corp.invalid/".count)) : finding.subject
            actual[key, default: []].append(finding.category.rawValue)
        }
        for (subject, categories) in fixture.spec.expected {
            #expect((actual[subject] ?? []).sorted() == categories.sorted(), "\(subject)")
        }
        let unexpected = Set(actual.keys).subtracting(fixture.spec.expected.keys)
        #expect(unexpected.isEmpty, "findings on unplanted subjects: \(unexpected)")
    }

    @Test func findingsCarryEvidenceOWASPAndStableIDs() async throws {
        let fixture = try await EstateFixture.load()
        defer { fixture.remove() }
        let first = try await fixture.engine().evaluate()
        let second = try await fixture.engine().evaluate()
        #expect(first.map(\.id) == second.map(\.id))
        for finding in first {
            #expect(!finding.evidence.isEmpty, "\(finding.category)")
            #expect(finding.owasp == finding.category.owasp)
            #expect(finding.id.hasPrefix("f_") && finding.id.count == 18)
        }
        let drift = first.filter { $0.category == .contextDrift }
        #expect(drift.allSatisfy { $0.owasp == .nhi8 && $0.evidence.first?.seq != nil })
        #expect(first.first { $0.category == .orphaned }?.owasp == .nhi1)
        #expect(first.first { $0.category == .overPrivilege }?.owasp == .nhi5)
    }

    /// The least-privilege policy, loaded next to the default policies, still allows what billing used and
    /// refuses the scopes it never used.
    @Test func leastPrivilegePolicyKeepsExactlyWhatWasUsed() async throws {
        let fixture = try await EstateFixture.load()
        defer { fixture.remove() }
        let schema = try EstateFixture.defaultPolicyFile("schema.cedarschema")
        let findings = try await fixture.engine(schema: schema).evaluate()
        let over = try #require(findings.first { $0.category == .overPrivilege })
        let suggestion = try #require(over.suggestion)
        #expect(suggestion.keepScopes == ["invoices:read"])
        #expect(suggestion.removeScopes == ["admin:all", "invoices:write"])
        let policies = try PolicySet.parse(try EstateFixture.defaultPolicyFile("tessera.cedar") + "\n" + suggestion.cedarPolicy)
        #expect(Validator.validate(policies, schema: try Schema.parse(schema)).isValid)
        let principal = EntityUID(type: "Tessera::Workload", id: EstateFixture.spiffeID("billing"))
        let owner = EntityUID(type: "Tessera::Owner", id: "alice@corp.invalid")
        let entities = try Entities([
            Entity(uid: owner, attributes: ["status": "active"]),
            Entity(
                uid: principal,
                attributes: [
                    "spiffeId": .string(EstateFixture.spiffeID("billing")), "trustDomain": "corp.invalid", "kind": "service",
                    "environment": "prod", "status": "active", "owner": .entity(owner),
                ]),
            Entity(uid: EntityUID(type: "Tessera::Audience", id: EstateFixture.defaultAudience)),
        ])
        func decide(_ scopes: [String]) -> Decision {
            let request = Request(
                principal: principal, action: EntityUID(type: "Tessera::Action", id: "issue_token"),
                resource: EntityUID(type: "Tessera::Audience", id: EstateFixture.defaultAudience),
                context: [
                    "scopes": .set(Set(scopes.map(Value.string))), "grantType": "client_credentials", "risk": "low", "intent": "",
                    "time": .datetime(millisecondsSince1970: 1_800_000_000_000), "delegationDepth": .long(0),
                ])
            return Authorizer.isAuthorized(request, policies: policies, entities: entities).decision
        }
        #expect(decide(["invoices:read"]) == .allow)
        #expect(decide(["invoices:write"]) == .deny)
        #expect(decide(["invoices:read", "admin:all"]) == .deny)
    }

    @Test func refusalSpikeNeedsAVolumeAboveBaseline() async throws {
        var thresholds = PostureThresholds()
        thresholds.refusalSpikeMinimum = 100
        let fixture = try await EstateFixture.load()
        defer { fixture.remove() }
        let engine = fixture.engine(thresholds: thresholds)
        #expect(try await engine.evaluate().allSatisfy { $0.category != .refusalSpike })
    }
}
