import Foundation
import TesseraAudit
import TesseraCore
import TesseraPolicy
import TesseraStore
import TesseraTestSupport
import Testing

@testable import TesseraServer

private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

private let declaredAudiences = """
    [{"uid": {"type": "Tessera::Owner", "id": "mallory@example.com"}, "attrs": {"status": "departed"}, "parents": []},
     {"uid": {"type": "Tessera::Audience", "id": "https://ledger.prod"}, "attrs": {"environment": "prod"}, "parents": []}]
    """

/// A copy of policies/default with `entities.json`, edited by `edit` (the policy text), plus extra files.
private func policyFolder(edit: (String) -> String = { $0 }, extra: [String: String] = [:]) throws -> String {
    let folder = NSTemporaryDirectory() + "tessera-replay-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
        atPath: repository.appendingPathComponent("policies/default/schema.cedarschema").path,
        toPath: folder + "/schema.cedarschema")
    let policies = try String(contentsOf: repository.appendingPathComponent("policies/default/tessera.cedar"), encoding: .utf8)
    try edit(policies).write(toFile: folder + "/tessera.cedar", atomically: true, encoding: .utf8)
    for (name, text) in extra.merging(["entities.json": declaredAudiences], uniquingKeysWith: { a, _ in a }) {
        try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
    }
    return folder
}

/// The default policies without `environment-isolation`, plus a forbid for every dev identity.
private func editedPolicies() throws -> String {
    try policyFolder(
        edit: { text in
            text.replacingOccurrences(
                of:
                    "@id(\"environment-isolation\")\nforbid (principal is Tessera::Workload, action, resource is Tessera::Audience)",
                with:
                    "@id(\"environment-isolation\")\nforbid (principal is Tessera::Workload, action, resource is Tessera::Audience)\nwhen { false }"
            )
        },
        extra: [
            "dev.cedar":
                "@id(\"no-dev\")\nforbid (principal is Tessera::Workload, action, resource)\nwhen { principal.environment == \"dev\" };\n"
        ])
}

@Suite(.serialized, .stopsServers) struct PolicyReplayTests {
    @Test func aPolicyEditListsExactlyTheDecisionsItChangesInBothDirections() async throws {
        let server = try await TestServer.start { $0.policyDirectory = try policyFolder() }
        let prod = try await server.registerWorkload("svc-prod")
        let dev = try await server.registerWorkload(
            "dev-service", extra: ["environment": "dev", "audiences": ["https://ledger.prod"]])
        let leaver = try await server.registerWorkload("leaver", extra: ["owner": "mallory@example.com"])
        #expect(try await server.requestToken(prod).status == 200)  // unchanged allow
        #expect(try await server.requestToken(dev).status == 200)  // allow -> deny (no-dev)
        let isolated = try await server.requestToken(dev) { $0["audience"] = "https://ledger.prod" }
        #expect(isolated.status == 400)  // stays deny under the edit: no-dev forbids what isolation no longer does
        #expect(try await server.requestToken(leaver).status == 400)  // unchanged deny (prod-needs-owner)
        let wider = try await server.requestToken(prod) { $0["scope"] = "admin:all" }
        #expect(wider.status == 400)  // the inventory's ceiling: not a policy decision
        await server.stop()

        let store = try SQLiteStorage(directory: server.dataDirectory).audit
        let keyring = AuditKeyring(rootKey: server.kek.derivedKey(purpose: AuditKeyring.kekPurpose))
        let edited = try ActivePolicies.load(directory: try editedPolicies())
        let report = try await PolicyReplay(replayer: DecisionReplayer(policies: edited), keyring: keyring).run(store)
        #expect(report.macsChecked && report.integrityFailures.isEmpty && report.unreadable.isEmpty)
        #expect(report.decisions == 5)
        #expect(report.inventory == 1)
        #expect(report.replayed == 4)
        let changed = report.changes
        #expect(changed.count == 1, "the isolated request stays refused: no-dev forbids it now")
        #expect(changed.first?.oldDecision == "allow" && changed.first?.newDecision == "deny")
        #expect(changed.first?.newPolicies == ["no-dev"])
        #expect(changed.first?.identity == "spiffe://example.org/dev-service")
        #expect(changed.first?.oldPolicies == ["active-identities"])
        #expect(changed.first?.action == "issue_token")
        #expect(report.allowToDeny == 1 && report.denyToAllow == 0 && report.unchanged == 3)

        // Only disabling environment-isolation: the isolated request becomes allowed, naming its new permit.
        let relaxed = try ActivePolicies.load(
            directory: try policyFolder(edit: {
                $0.replacingOccurrences(
                    of:
                        "resource is Tessera::Audience)\nwhen { resource has environment && resource.environment != principal.environment }",
                    with: "resource is Tessera::Audience)\nwhen { false }")
            }))
        let opened = try await PolicyReplay(replayer: DecisionReplayer(policies: relaxed), keyring: keyring).run(store)
        #expect(opened.changes.count == 1)
        #expect(opened.changes.first?.resource == "https://ledger.prod")
        #expect(opened.changes.first?.oldPolicies == ["environment-isolation"])
        #expect(opened.changes.first?.newPolicies == ["active-identities"])
        #expect(opened.denyToAllow == 1 && opened.allowToDeny == 0)

        // The same policies change nothing.
        let same = try ActivePolicies.load(directory: try policyFolder())
        let none = try await PolicyReplay(replayer: DecisionReplayer(policies: same), keyring: keyring).run(store)
        #expect(none.changed == 0 && none.unchanged == 4)
    }

    /// Tool-call decisions store their input like token decisions: replay under the same policies agrees with every
    /// one (allow, deny, approval required) and an edit lists exactly the tool call it changes.
    @Test func toolCallDecisionsAreReplayedExactly() async throws {
        let server = try await TestServer.start { $0.policyDirectory = try policyFolder() }
        let setup = try await server.agentInTask(
            "agent", tools: [("search_tickets", "low"), ("refund_payment", "high"), ("close_ticket", "medium")],
            taskTools: ["search_tickets", "refund_payment"])
        let agent = setup.agent
        var decisions: [String] = []
        for tool in ["search_tickets", "close_ticket", "refund_payment"] {
            let reply = try await server.toolCall(setup.token, ["tool": tool, "arguments": ["id": 1]])
            decisions.append(reply.json["decision"] as? String ?? "")
        }
        #expect(decisions == ["allow", "deny", "approval_required"])
        await server.stop()

        let store = try SQLiteStorage(directory: server.dataDirectory).audit
        let keyring = AuditKeyring(rootKey: server.kek.derivedKey(purpose: AuditKeyring.kekPurpose))
        let records = try await store.records(after: 0, limit: 1000).filter { $0.body.contains("\"type\":\"tool.call.") }
        #expect(records.count == 3 && records.allSatisfy { $0.body.contains("\"decision_input\":\"") })
        let same = try await PolicyReplay(
            replayer: DecisionReplayer(policies: try ActivePolicies.load(directory: try policyFolder())), keyring: keyring
        ).run(store)
        #expect(same.integrityFailures.isEmpty && same.unreadable.isEmpty && same.lackingInput.isEmpty)
        #expect(same.changed == 0 && same.unchanged == 4, "one token and three tool-call decisions")
        let edited = try ActivePolicies.load(
            directory: try policyFolder(extra: [
                "no-search.cedar":
                    "@id(\"no-search\")\nforbid (principal, action == Tessera::Action::\"tool_call\", resource == Tessera::Tool::\"search_tickets\");\n"
            ]))
        let report = try await PolicyReplay(replayer: DecisionReplayer(policies: edited), keyring: keyring).run(store)
        #expect(report.changes.count == 1)
        let change = try #require(report.changes.first)
        #expect(change.type == "tool.call.allowed" && change.action == "tool_call" && change.resource == "search_tickets")
        #expect(
            change.identity == agent.clientID && change.oldPolicies == ["agent-tool-call"] && change.newPolicies == ["no-search"])
        #expect(report.allowToDeny == 1 && report.unchanged == 3)
    }

    @Test func decisionsWithoutInputsAreCountedNotGuessed() async throws {
        let folder = NSTemporaryDirectory() + "tessera-replay-legacy-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let storage = try SQLiteStorage(directory: folder)
        let log = try await AuditLog(store: storage.audit, clock: ManualTimeSource())
        let legacy: [String: AuditValue] = [
            "policies": .strings(["active-identities"]), "policy_version": .string("fnv1a64:old"),
        ]
        try await log.append(AuditEvent(type: "token.issued", outcome: .success, subject: "a", details: legacy))
        try await log.append(AuditEvent(type: "identity.created", outcome: .success, subject: "a"))
        try await log.append(AuditEvent(type: "token.refused", outcome: .denied, subject: "b", details: legacy))
        let report = try await PolicyReplay(
            replayer: DecisionReplayer(policies: try ActivePolicies.builtIn()), keyring: nil
        ).run(storage.audit)
        #expect(report.recordsRead == 3)
        #expect(report.decisions == 2 && report.lackingInput == ["fnv1a64:old": 2])
        #expect(report.replayed == 0 && report.changed == 0 && report.skipped == 2)
    }

    @Test func aRecordFailingItsIntegrityCheckIsRefusedNotReplayed() async throws {
        let server = try await TestServer.start { $0.policyDirectory = try policyFolder() }
        #expect(try await server.requestToken(try await server.registerWorkload("svc")).status == 200)
        await server.stop()
        let store = try SQLiteStorage(directory: server.dataDirectory).audit
        let records = try await store.records(after: 0, limit: 1000)
        let issued = try #require(records.first { $0.body.contains("\"type\":\"token.issued\"") })
        let forged = AuditRecord(
            seq: issued.seq, prevHash: issued.prevHash, hash: issued.hash,
            body: issued.body.replacingOccurrences(of: "\"decision\\\":\\\"allow", with: "\"decision\\\":\\\"deny"),
            mac: issued.mac)
        #expect(forged.body != issued.body)
        let keyring = AuditKeyring(rootKey: server.kek.derivedKey(purpose: AuditKeyring.kekPurpose))
        let replay = PolicyReplay(
            replayer: DecisionReplayer(policies: try ActivePolicies.load(directory: try policyFolder())), keyring: keyring)
        #expect(replay.integrityFailure(issued, previousHash: issued.prevHash) == nil)
        #expect(replay.integrityFailure(forged, previousHash: issued.prevHash) == "its hash does not match its body")
        let rechained = AuditRecord(
            seq: forged.seq, prevHash: forged.prevHash, hash: AuditRecord.digest(forged.body), body: forged.body, mac: issued.mac)
        #expect(replay.integrityFailure(rechained, previousHash: issued.prevHash) == "its MAC does not verify")
        #expect(replay.integrityFailure(issued, previousHash: "00") == "does not link to the record before it")
    }

    @Test func aBrokenPolicyFolderIsRefusedWithFileAndLine() throws {
        let folder = try policyFolder(extra: [
            "broken.cedar": "@id(\"x\")\npermit (principal, action, resource)\nwhen { principal.nope == };\n"
        ])
        #expect {
            try ActivePolicies.load(directory: folder)
        } throws: { error in
            let description = (error as? PolicyLoadError)?.description ?? ""
            return description.contains("broken.cedar:3")
        }
    }
}
