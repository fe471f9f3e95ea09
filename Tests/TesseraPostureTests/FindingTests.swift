import Foundation
import Testing

@testable import TesseraPosture

/// A finding is a value over a shared box: equal by content, not by box, and its JSON is the API's.
@Suite struct FindingTests {
    private func overPrivilege(title: String = "spiffe://example.org/a never used b:write in 30 days") -> Finding {
        Finding(
            category: .overPrivilege, identityID: "nhi_1", subject: "spiffe://example.org/a", discriminator: "b:write",
            title: title, evidence: [.inventory("granted scopes: a:read b:write"), .audit(42, "scope a:read issued 3 time(s)")],
            suggestion: LeastPrivilegeSuggestion(
                keepScopes: ["a:read"], removeScopes: ["b:write"], spiffeID: "spiffe://example.org/a", windowDays: 30,
                failure: nil))
    }

    @Test func findingsBuiltApartAreEqualByContent() {
        #expect(overPrivilege() == overPrivilege())
        #expect(overPrivilege() != overPrivilege(title: "another title"))
        let other = Finding(
            category: .orphaned, identityID: "nhi_1", subject: "spiffe://example.org/a", title: "t", evidence: [])
        #expect(other != overPrivilege())
        #expect(other.severity == FindingCategory.orphaned.severity)
    }

    @Test func theJSONNamesEveryFieldAndDecodesToAnEqualFinding() throws {
        let finding = overPrivilege()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(finding)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(
            Set(object.keys)
                == [
                    "id", "category", "owasp", "severity", "identity_id", "subject", "title", "evidence", "remediation",
                    "suggestion",
                ])
        #expect(object["id"] as? String == finding.id)
        #expect(object["remediation"] as? String == FindingCategory.overPrivilege.remediation)
        let suggestion = try #require(object["suggestion"] as? [String: Any])
        #expect((suggestion["cedar_policy"] as? String)?.contains("spiffe://example.org/a") == true)
        let decoded = try JSONDecoder().decode(Finding.self, from: data)
        #expect(decoded.id == finding.id && decoded.title == finding.title && decoded.evidence == finding.evidence)
        #expect(decoded.severity == finding.severity && decoded.identityID == "nhi_1")
        #expect(decoded.suggestion?.keepScopes == ["a:read"] && decoded.suggestion?.removeScopes == ["b:write"])
        // A finding about no identity leaves the member out rather than writing null.
        let estate = Finding(category: .sharedCredential, identityID: nil, subject: "repo/x", title: "t", evidence: [])
        let estateObject = try #require(try JSONSerialization.jsonObject(with: try encoder.encode(estate)) as? [String: Any])
        #expect(estateObject["identity_id"] == nil && estateObject["suggestion"] == nil)
    }
}
