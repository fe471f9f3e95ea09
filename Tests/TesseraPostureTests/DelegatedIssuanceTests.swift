import Foundation
import TesseraAudit
import TesseraCore
import Testing

@testable import TesseraPosture

/// An exchange's record names the subject, but its network and audience are the actor's: a downstream holder of the
/// subject's token exchanging it from many networks must not make the subject drift or look shared.
@Suite struct DelegatedIssuanceTests {
    /// The subject's finding categories after twelve issuances from twelve new networks to twelve new audiences,
    /// delegated (with an actor chain) or the subject's own.
    static func categories(delegated: Bool) async throws -> (before: [String], after: [String]) {
        let fixture = try await EstateFixture.load()
        defer { fixture.remove() }
        let subject = EstateFixture.spiffeID("ledger")
        func ledger() async throws -> [String] {
            try await fixture.engine().evaluate().filter { $0.subject == subject }.map(\.category.rawValue).sorted()
        }
        let before = try await ledger()
        let log = try await AuditLog(store: fixture.database.audit, clock: fixture.clock)
        for index in 0..<12 {
            var details: [String: AuditValue] = [
                "scope": .strings(["ledger:read"]), "source": .string("203.0.\(index).9"),
                "aud": .string("https://downstream-\(index).invalid"),
            ]
            if delegated { details["act_chain"] = .strings([EstateFixture.spiffeID("reports")]) }
            try await log.append(
                AuditEvent(
                    type: "token.issued", outcome: .success, actor: delegated ? EstateFixture.spiffeID("reports") : subject,
                    subject: subject, details: details))
        }
        return (before, try await ledger())
    }

    @Test func exchangesDoNotCreditTheActorsNetworksToTheSubject() async throws {
        let delegated = try await Self.categories(delegated: true)
        #expect(delegated.after == delegated.before, "no drift, no shared SPIFFE ID from someone else's exchanges")
        // The same records as the subject's own issuances do change its findings (the test can fail).
        let own = try await Self.categories(delegated: false)
        #expect(own.after.contains("shared-spiffe-id") || own.after.contains("context-drift"), "\(own.after)")
    }

    /// The subject's finding categories after one issuance under a task that does not name it, delegated or its own.
    static func taskCategories(delegated: Bool) async throws -> [String] {
        let fixture = try await EstateFixture.load()
        defer { fixture.remove() }
        let subject = EstateFixture.spiffeID("ledger")
        let now = fixture.clock.now()
        try await fixture.database.tasks.create(
            WorkTask(
                id: "task_other", intent: "someone else's work", purpose: nil, initiator: "alice",
                identities: [EstateFixture.spiffeID("reports")], scopes: ["ledger:read"], createdAt: now,
                expiresAt: now.addingTimeInterval(600)))
        let log = try await AuditLog(store: fixture.database.audit, clock: fixture.clock)
        var details: [String: AuditValue] = ["scope": .strings(["ledger:read"]), "source": .string("10.0.2.5")]
        if delegated { details["act_chain"] = .strings([EstateFixture.spiffeID("reports")]) }
        try await log.append(
            AuditEvent(
                type: "token.issued", outcome: .success, actor: subject, subject: subject, task: "task_other", details: details))
        return try await fixture.engine().evaluate().filter { $0.subject == subject }.map(\.category.rawValue)
    }

    /// A delegated issuance's task use is the actor's (the server admitted the exchange into the task): it is not
    /// checked against the subject, so a downstream holder cannot put `agent-outside-task` on it.
    @Test func aDelegatedIssuanceUnderATaskIsNotTheSubjectsTaskUse() async throws {
        #expect(!(try await Self.taskCategories(delegated: true)).contains("agent-outside-task"))
        #expect(try await Self.taskCategories(delegated: false).contains("agent-outside-task"), "the control fires")
    }
}
