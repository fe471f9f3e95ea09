import Foundation
import Testing

@testable import TesseraServer

/// Response rules: the default set loads; a bad file is refused with file:line and the reason.
@Suite struct ResponseRuleSetTests {
    @Test func theDefaultRulesAreConservative() throws {
        let set = try ResponseRuleSet.load(directory: nil)
        #expect(!set.dryRun && set.source == "(default)")
        let actions = Set(set.rules.flatMap(\.actions))
        #expect(actions.isSubset(of: [.notify, .requireApproval]), "no suspension or revocation by default")
        let approval = try #require(set.rules.first { $0.actions.contains(.requireApproval) })
        #expect(approval.match.environments == ["prod"] && approval.match.minimumSeverity == .high)
    }

    @Test(arguments: [
        ("{\"rules\": [\n  {\"id\": \"a\",, }\n]}", ":2:"),  // JSON syntax: the line of the error
        (
            "{\"rules\": [\n {\"id\": \"a\",\n  \"when\": {\"category\": \"no-such\"}, \"actions\": [\"notify\"]}]}",
            ":2: rule a: unknown finding category"
        ),
        (
            "{\"rules\": [\n\n {\"id\": \"b\", \"when\": {\"severity\": \"high\"}, \"actions\": [\"explode\"]}]}",
            ":3: rule b: unknown action"
        ),
        (
            "{\"rules\": [{\"id\": \"c\", \"when\": {\"signal\": \"new-network\"}, \"actions\": [\"end-task\"]}]}",
            "end-task applies to findings"
        ),
        (
            "{\"rules\": [{\"id\": \"d\", \"when\": {}, \"actions\": [\"notify\"]}]}",
            "needs a category, severity, owasp or signal"
        ),
        (
            "{\"rules\": [{\"id\": \"e\", \"when\": {\"signal\": \"new-network\", \"severity\": \"high\"}, \"actions\": [\"notify\"]}]}",
            "either request signals or findings"
        ),
        (
            "{\"rules\": [{\"id\": \"f\", \"when\": {\"severity\": \"high\"}, \"actions\": [\"notify\"]}, {\"id\": \"f\", \"when\": {\"severity\": \"low\"}, \"actions\": [\"notify\"]}]}",
            "unique"
        ),
        ("{\"rulez\": []}", "unknown field"),
        (
            "{\"rules\": [{\"id\": \"g\", \"when\": {\"category\": \"refusal-spike\"}, \"actions\": [\"suspend\"]}]}",
            "only notify allowed"
        ),
        (
            "{\"rules\": [{\"id\": \"h\", \"when\": {\"category\": \"subject-token-reuse\"}, \"actions\": [\"suspend\"]}]}",
            "only notify, revoke-leases allowed"
        ),
        (
            "{\"rules\": [{\"id\": \"i\", \"when\": {\"category\": \"exchange-loop\"}, \"actions\": [\"require-approval\"]}]}",
            "only notify, revoke-leases allowed"
        ),
        ("{\"dry_run\": \"yes\", \"rules\": []}", "\"dry_run\" must be true or false"),
        ("{\"dry_run\": 1, \"rules\": []}", "\"dry_run\" must be true or false"),
    ])
    func aBadFileIsRefusedWithFileLineAndReason(_ text: String, _ expected: String) {
        do {
            _ = try ResponseRuleSet.parse(text, source: "policies/responses.json")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix("policies/responses.json:"), "\(error.description)")
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test func onlyAMissingFileMeansNoRulesAnUnreadableOneIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try ResponseRuleSet.load(directory: folder.path).rules.isEmpty)
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent(ResponseRuleSet.fileName), withIntermediateDirectories: true)
        #expect(throws: ResponseRuleSet.LoadError.self) { try ResponseRuleSet.load(directory: folder.path) }
    }

    @Test func findingAndSignalRulesMatchWhatTheySay() throws {
        let set = try ResponseRuleSet.parse(
            """
            {"rules": [
              {"id": "f", "when": {"category": ["shared-credential", "orphaned"], "environment": "prod"}, "actions": ["suspend"]},
              {"id": "s", "when": {"signal": "rate-spike"}, "actions": ["notify"]}
            ]}
            """, source: "x")
        let finding = set.rules[0].match
        #expect(finding.categories == ["shared-credential", "orphaned"] && !finding.isSignalRule)
        #expect(set.rules[1].match.matches(signal: "rate-spike", environment: "dev"))
        #expect(!set.rules[1].match.matches(signal: "new-network", environment: "dev"))
        #expect(!finding.matches(signal: "rate-spike", environment: "prod"))
    }
}
