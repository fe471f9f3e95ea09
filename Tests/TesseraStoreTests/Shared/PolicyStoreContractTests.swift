import Foundation
import TesseraCore
import Testing

@testable import TesseraStore

/// Exceptions, agent tools and approvals, trusted issuers: the same contract on SQLite and PostgreSQL.
@Suite struct PolicyStoreContractTests {
    private func exception(_ id: String, identity: String = "nhi_legacy", expiresIn: TimeInterval = 3600) -> PolicyException {
        PolicyException(
            id: id, identity: identity, owner: "alice", justification: "vendor needs a password",
            actions: ["issue", "exchange"], scopes: ["db:read"], audiences: ["db"], createdBy: "admin",
            createdAt: storeEpoch, expiresAt: storeEpoch.addingTimeInterval(expiresIn))
    }

    @Test(arguments: StorageEngine.testedEngines) func exceptionsLifecycle(_ engine: StorageEngine) async throws {
        try await withStorage(engine) { fixture in
            let exceptions = fixture.primary.exceptions
            try await exceptions.create(exception("e1"))
            try await exceptions.create(exception("e2", identity: "nhi_other", expiresIn: 10))
            #expect(try await exceptions.get(id: "e1") == exception("e1"))
            #expect(try await exceptions.list(identity: "nhi_legacy", activeAt: nil, limit: 10).map(\.id) == ["e1"])
            #expect(
                try await exceptions.list(identity: nil, activeAt: storeEpoch.addingTimeInterval(20), limit: 10).map(\.id) == [
                    "e1"
                ])

            try await exceptions.recordUse(id: "e1", at: storeEpoch.addingTimeInterval(1))
            try await exceptions.recordUse(id: "e1", at: storeEpoch.addingTimeInterval(2))
            let used = try #require(try await exceptions.get(id: "e1"))
            #expect(used.uses == 2 && used.lastUsedAt == storeEpoch.addingTimeInterval(2))

            let later = storeEpoch.addingTimeInterval(30)
            #expect(try await exceptions.takeNewlyExpired(now: later).map(\.id) == ["e2"])
            #expect(try await exceptions.takeNewlyExpired(now: later).isEmpty, "an expiry is taken once")

            let revoked = try await exceptions.revoke(id: "e1", reason: "fixed", at: later)
            #expect(revoked.revokedAt == later && revoked.revokeReason == "fixed")
            let again = await #expect(throws: StoreError.self) { try await exceptions.revoke(id: "e1", reason: "x", at: later) }
            #expect(again?.code == .conflict)
            #expect(
                try await exceptions.takeNewlyExpired(now: storeEpoch.addingTimeInterval(7200)).isEmpty, "revoked, not expired")
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func toolsApprovalsAndCallCounts(_ engine: StorageEngine) async throws {
        try await withStorage(engine) { fixture in
            let repository = fixture.primary.toolCatalogues
            let agent = "spiffe://example.org/agent"
            let search = CatalogueTool(name: "search", description: "web search", risk: .low, requiresApproval: false)
            let pay = CatalogueTool(name: "pay", description: "send money", risk: .high, requiresApproval: true)
            try await repository.setTools([search, pay], identity: agent)
            #expect(try await repository.tools(identity: agent) == [pay, search])
            try await repository.setTools([search], identity: agent)
            #expect(try await repository.tools(identity: agent) == [search], "the catalogue is replaced")
            try await repository.setTools([], identity: agent)
            #expect(try await repository.tools(identity: agent).isEmpty)

            let approval = ToolApproval(
                id: "ap1", taskID: "t1", agent: agent, tool: "pay", argumentsDigest: "d1", resource: nil,
                chain: ["alice", agent], state: .pending, requestedAt: storeEpoch,
                expiresAt: storeEpoch.addingTimeInterval(300), server: "payments")
            try await repository.createApproval(approval)
            #expect(try await repository.approval(id: "ap1") == approval)
            let now = storeEpoch.addingTimeInterval(5)
            #expect(
                try await repository.pendingApproval(
                    taskID: "t1", agent: agent, tool: "pay", server: "payments", argumentsDigest: "d1", now: now)?.id == "ap1")
            #expect(
                try await repository.pendingApproval(
                    taskID: "t1", agent: agent, tool: "pay", server: "payments", argumentsDigest: "d2", now: now) == nil)
            #expect(
                try await repository.pendingApproval(
                    taskID: "t1", agent: agent, tool: "pay", server: "other", argumentsDigest: "d1", now: now) == nil,
                "an approval is bound to its upstream server")
            #expect(
                try await repository.pendingApproval(
                    taskID: "t1", agent: agent, tool: "pay", server: nil, argumentsDigest: "d1", now: now) == nil)
            #expect(try await repository.approvals(pendingOnly: true, now: now, limit: 10).map(\.id) == ["ap1"])
            #expect(try await !repository.consume(id: "ap1", now: now), "not approved yet")

            let decided = try await repository.decide(id: "ap1", state: .approved, by: "alice", reason: "ok", now: now)
            #expect(decided.state == .approved && decided.decidedBy == "alice" && decided.decidedAt == now)
            let twice = await #expect(throws: StoreError.self) {
                try await repository.decide(id: "ap1", state: .denied, by: "bob", reason: nil, now: now)
            }
            #expect(twice?.code == .conflict)
            #expect(try await repository.approvals(pendingOnly: true, now: now, limit: 10).isEmpty)
            #expect(try await repository.consume(id: "ap1", now: now))
            #expect(try await !repository.consume(id: "ap1", now: now), "single use")
            #expect(try await repository.approval(id: "ap1")?.state == .used)

            #expect(try await repository.calls(taskID: "t1") == 0)
            #expect(try await repository.recordCall(taskID: "t1", now: now) == 1)
            #expect(try await repository.recordCall(taskID: "t1", now: now) == 2)
            #expect(try await repository.calls(taskID: "t1") == 2)
            try await repository.releaseCall(taskID: "t1")
            #expect(try await repository.calls(taskID: "t1") == 1, "a reservation given back")
            #expect(try await repository.calls(taskID: "t2") == 0)
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func trustedIssuers(_ engine: StorageEngine) async throws {
        try await withStorage(engine) { fixture in
            let repository = fixture.primary.trustedIssuers
            let github = TrustedIssuer(
                id: "ti1", issuer: "https://token.actions.githubusercontent.com", kind: .workload,
                jwksURI: "https://token.actions.githubusercontent.com/.well-known/jwks", pinnedJWKS: nil,
                audiences: ["tessera"], rules: [.init(name: "main", match: ["repository": "acme/app"], identity: "nhi_ci")],
                createdAt: storeEpoch)
            try await repository.insert(github)
            #expect(try await repository.get(id: "ti1") == github)
            #expect(try await repository.get(issuer: github.issuer) == github)
            #expect(try await repository.list() == [github])
            let copy = TrustedIssuer(
                id: "ti2", issuer: github.issuer, kind: .workload, jwksURI: nil, pinnedJWKS: "{}", audiences: [], rules: [],
                createdAt: storeEpoch)
            let duplicate = await #expect(throws: StoreError.self) { try await repository.insert(copy) }
            #expect(duplicate?.code == .conflict)
            #expect(try await repository.delete(id: "ti1"))
            #expect(try await !repository.delete(id: "ti1"))
            #expect(try await repository.list().isEmpty)
        }
    }
}
