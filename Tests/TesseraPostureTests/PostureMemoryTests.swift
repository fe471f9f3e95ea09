import Foundation
import TesseraAudit
import TesseraCore
import TesseraStore
import Testing

@testable import TesseraPosture

/// What an engine keeps between evaluations: the inventory while its version stays put, and the folded digest.
/// Each kept thing must give exactly the findings a fresh read gives, and any change must be read.
@Suite struct PostureMemoryTests {
    private func owned(by owner: String, _ identity: Identity) -> Identity {
        Identity(
            id: identity.id, spiffeID: identity.spiffeID, kind: identity.kind, owner: owner, purpose: identity.purpose,
            trustBoundary: identity.trustBoundary, environment: identity.environment, expiresAt: identity.expiresAt,
            reviewBy: identity.reviewBy, status: identity.status, scopes: identity.scopes, audiences: identity.audiences,
            tokenTTL: identity.tokenTTL, jwks: identity.jwks, authMethods: identity.authMethods,
            createdAt: identity.createdAt, updatedAt: identity.updatedAt)
    }

    private func readTheInventory(_ evaluation: PostureEngine.Evaluation) -> Bool {
        evaluation.inventoryRead && evaluation.phases.contains { $0.name == "inventory read" }
    }

    private func orphaned(_ evaluation: PostureEngine.Evaluation, _ identity: Identity) -> Bool {
        evaluation.findings.contains { $0.category == .orphaned && $0.identityID == identity.id }
    }

    @Test func anUnchangedInventoryIsNotReadAgainAndEveryWriteToItIs() async throws {
        let fixture = try await EstateFixture.load()
        defer { fixture.remove() }
        let engine = fixture.engine()
        let first = try await engine.run()
        #expect(readTheInventory(first))
        let second = try await engine.run()
        #expect(!readTheInventory(second), "\(second.phases.map(\.name))")
        #expect(second.findings.map(\.id) == first.findings.map(\.id))
        #expect(second.identities == first.identities)
        // The kept inventory still meets the clock: a finding that depends on time appears without a read.
        fixture.clock.advance(by: 400 * 86_400)
        let later = try await engine.run()
        #expect(!readTheInventory(later))
        #expect(later.findings.map(\.id) == (try await fixture.engine().run()).findings.map(\.id))
        #expect(later.findings.map(\.id) != second.findings.map(\.id))

        let billing = try #require(try await fixture.database.identities.get(spiffeID: EstateFixture.spiffeID("billing")))
        #expect(!orphaned(later, billing))
        try await fixture.database.identities.update(owned(by: "", billing))
        let afterUpdate = try await engine.run()
        #expect(readTheInventory(afterUpdate))
        #expect(orphaned(afterUpdate, billing))
        // A write that does not go through the repository (another process, a restore) is read all the same.
        try fixture.database.unsafeExecute("UPDATE identities SET owner = 'carol@corp.invalid' WHERE id = '\(billing.id)'")
        let afterSQL = try await engine.run()
        #expect(readTheInventory(afterSQL))
        #expect(!orphaned(afterSQL, billing))
        #expect(afterSQL.findings.map(\.id) == (try await fixture.engine().run()).findings.map(\.id))
    }

    /// The engine that keeps things must answer exactly what a new engine answers, at every step: the clock moved by
    /// minutes, across hour boundaries, by days and weeks (every window the detectors use), with new records between
    /// some steps, an owner's departure and an identity's update; and it must actually have reused results.
    @Test func keptResultsEqualAFreshEngineAsTheClockAndTheLogMove() async throws {
        let fixture = try await EstateFixture.load()
        defer { fixture.remove() }
        let engine = fixture.engine()
        let log = try await AuditLog(store: fixture.database.audit, clock: fixture.clock)
        let identities = try await fixture.database.identities.list(IdentityFilter(limit: 1000))
        let steps: [Double] = [
            0, 60, 1_799, 1, 3_600, 3_599, 2, 86_399, 86_401, 3 * 86_400, 7 * 86_400, 600, 13 * 86_400, 29 * 86_400,
            1 * 86_400, 30 * 86_400, 45 * 86_400, 0, 90 * 86_400, 3_600, 120 * 86_400,
        ]
        var reused = 0
        for (index, step) in steps.enumerated() {
            fixture.clock.advance(by: step)
            if index % 3 == 1 {
                let identity = identities[index % identities.count]
                for scope in identity.scopes.prefix(1 + index % 2) {
                    try await log.append(
                        AuditEvent(
                            type: "token.issued", outcome: .success, actor: identity.clientID, subject: identity.clientID,
                            details: [
                                "jti": .string(UUID().uuidString), "grant_type": .string("client_credentials"),
                                "scope": .strings([scope]), "aud": .string("https://api.corp.invalid"),
                                "exp": .int(Int64(fixture.clock.now().timeIntervalSince1970) + 300),
                                "source": .string("10.9.\(index).1"), "identity_id": .string(identity.id),
                            ]))
                }
            }
            if index == 8, let owner = identities.first?.owner {
                let owned = try await fixture.database.identities.list(IdentityFilter(owner: owner)).map(\.id)
                try await fixture.database.posture.depart(owner, identityIDs: owned, at: fixture.clock.now())
            }
            if index == 12, let identity = identities.last {
                try await fixture.database.identities.update(owned(by: "dave@corp.invalid", identity))
            }
            let kept = try await engine.run()
            let fresh = try await fixture.engine().run()
            let same = kept.findings == fresh.findings
            let keptOnly = kept.findings.filter { !fresh.findings.contains($0) }.map(\.title)
            let freshOnly = fresh.findings.filter { !kept.findings.contains($0) }.map(\.title)
            #expect(same, "step \(index) (+\(step) s): kept only \(keptOnly); a new engine only \(freshOnly)")
            if kept.identitiesEvaluated < kept.identities { reused += 1 }
        }
        #expect(reused >= steps.count / 2, "kept results were reused at \(reused) of \(steps.count) steps")
    }

    /// The digest file is a cache for the next start: written by the first evaluation, then only once enough new
    /// records were folded or enough time passed, not after every fold.
    @Test func theDigestFileIsRewrittenOnlyOnceEnoughChanged() async throws {
        let fixture = try await EstateFixture.load()
        defer { fixture.remove() }
        let path = fixture.directory + "/digest"
        let engine = fixture.engine(digestPath: path)
        func persistedSeq() -> Int64 {
            FileManager.default.contents(atPath: path).flatMap(DigestCodec.decode)?.lastSeq ?? -1
        }
        let first = try await engine.run()
        let written = persistedSeq()
        #expect(written > 0 && first.recordsTotal > 0)
        let log = try await AuditLog(store: fixture.database.audit, clock: fixture.clock)
        try await log.append(AuditEvent(type: "finding.acknowledged", outcome: .success, actor: "admin:test", subject: "x"))
        let second = try await engine.run()
        #expect(second.recordsFolded == 1)
        #expect(persistedSeq() == written, "one new record rewrote the whole digest")
        fixture.clock.advance(by: PostureMemory.persistInterval + 1)
        _ = try await engine.run()
        #expect(persistedSeq() > written)
        // A new engine starts from the file and folds what the file lacks: the same findings.
        #expect(try await fixture.engine(digestPath: path).run().findings == (try await engine.run()).findings)
    }

    @Test func theDigestKeptInMemoryContinuesAndALogReplacedUnderItIsFoldedAgain() async throws {
        let fixture = try await EstateFixture.load()
        defer { fixture.remove() }
        let engine = fixture.engine()  // no digest file: only memory carries the digest over
        let first = try await engine.run()
        #expect(!first.incremental && first.recordsFolded > 0)
        let second = try await engine.run()
        #expect(second.incremental && second.recordsFolded == 0)
        #expect(second.findings.map(\.id) == first.findings.map(\.id))
        try fixture.database.unsafeExecute("UPDATE audit_records SET hash = 'x' WHERE seq = (SELECT MAX(seq) FROM audit_records)")
        let replaced = try await engine.run()
        #expect(!replaced.incremental && replaced.recordsFolded == first.recordsFolded)
    }
}
