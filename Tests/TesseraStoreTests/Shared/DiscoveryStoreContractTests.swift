import Foundation
import TesseraCore
import Testing

@testable import TesseraStore

/// Discovery's merge of snapshots into the inventory: new, unchanged, changed, gone only after a complete run,
/// returned, claims kept — the same on SQLite and PostgreSQL.
@Suite struct DiscoveryStoreContractTests {
    let scope = "postgres://db:5432/app"

    func role(_ name: String, privileged: [String] = [], validUntil: String = "never") -> DiscoveryObservation {
        DiscoveryObservation(
            externalID: "\(scope)#\(name)", name: name, kind: "database-role",
            credentials: [DiscoveredCredential(kind: "password", reference: "password", status: "active", expiryKnown: true)],
            grants: ["member of app_rw"], privileged: privileged, attributes: ["valid_until": validUntil])
    }

    func snapshot(_ observations: [DiscoveryObservation], complete: Bool = true) -> DiscoverySnapshot {
        DiscoverySnapshot(
            source: .postgres, scope: scope, startedAt: storeEpoch, finishedAt: storeEpoch, observations: observations,
            complete: complete)
    }

    @Test(arguments: StorageEngine.testedEngines) func rerunsAreIdempotentAndOnlyCompleteRunsMarkGone(_ engine: StorageEngine)
        async throws
    {
        try await withStorage(engine) { fixture in
            let repository = fixture.primary.discovery
            let first = try await repository.apply(
                snapshot([role("app"), role("etl"), role("admin", privileged: ["superuser"])]), at: storeEpoch)
            #expect(first.counts(seen: 3)["new"] == 3)
            let listed = try await repository.list(DiscoveryFilter(source: .postgres))
            #expect(listed.map(\.name).sorted() == ["admin", "app", "etl"])
            #expect(listed.allSatisfy { $0.status == .discovered && $0.discoveredAt == storeEpoch })
            #expect(listed.first { $0.name == "admin" }?.observation.privileged == ["superuser"])

            let later = storeEpoch.addingTimeInterval(3600)
            let again = try await repository.apply(
                snapshot([role("app"), role("etl"), role("admin", privileged: ["superuser"])]), at: later)
            #expect(again.changed.isEmpty, "the same estate changes nothing")
            #expect(again.unchanged == 3)
            let afterRerun = try await repository.list(DiscoveryFilter(source: .postgres))
            #expect(afterRerun.allSatisfy { $0.lastSeenAt == later && $0.updatedAt == storeEpoch })
            #expect(Set(afterRerun.map(\.id)) == Set(listed.map(\.id)), "ids are stable across runs")

            // Only a last-use time moved: stored, but not a change.
            var used = role("app")
            used = DiscoveryObservation(
                externalID: used.externalID, name: used.name, kind: used.kind, credentials: used.credentials,
                grants: used.grants, lastUsedAt: later, usageKnown: true, attributes: used.attributes)
            var unused = role("app")
            unused = DiscoveryObservation(
                externalID: unused.externalID, name: unused.name, kind: unused.kind, credentials: unused.credentials,
                grants: unused.grants, usageKnown: true, attributes: unused.attributes)
            _ = try await repository.apply(snapshot([unused, role("etl"), role("admin", privileged: ["superuser"])]), at: later)
            let usedRun = try await repository.apply(
                snapshot([used, role("etl"), role("admin", privileged: ["superuser"])]), at: later)
            #expect(usedRun.changed.isEmpty && usedRun.unchanged == 3)
            let app = try #require(try await repository.list(DiscoveryFilter(source: .postgres)).first { $0.name == "app" })
            #expect(app.observation.lastUsedAt == later, "the new last use is kept")
            _ = try await repository.apply(
                snapshot([role("app"), role("etl"), role("admin", privileged: ["superuser"])]), at: later)

            // A partial run that misses etl and admin marks nothing gone.
            let partial = try await repository.apply(snapshot([role("app")], complete: false), at: later)
            #expect(partial.changed.isEmpty)
            #expect(try await repository.list(DiscoveryFilter(status: .gone)).isEmpty)

            // A complete run without etl marks it gone; admin changed (no longer superuser).
            let third = later.addingTimeInterval(3600)
            let complete = try await repository.apply(snapshot([role("app"), role("admin")]), at: third)
            let changes = Dictionary(uniqueKeysWithValues: complete.changed.map { ($0.identity.name, $0.change) })
            #expect(changes == ["etl": .gone, "admin": .changed])
            let etl = try #require(try await repository.list(DiscoveryFilter(status: .gone)).first)
            #expect(etl.name == "etl" && etl.goneAt == third && etl.lastSeenAt == later)

            // Claims survive a disappearance and a return.
            let claim = DiscoveryClaim(
                owner: "alice@example.com", purpose: "nightly ETL", environment: "prod", claimedAt: third, claimedBy: "admin")
            try await repository.update(etl.claimed(claim))
            let back = try await repository.apply(
                snapshot([role("app"), role("admin"), role("etl")]), at: third.addingTimeInterval(60))
            #expect(back.changed.map(\.change) == [.returned])
            let returned = try #require(try await repository.get(id: etl.id))
            #expect(returned.status == .claimed && returned.claim == claim && returned.goneAt == nil)
            #expect(try await repository.list(DiscoveryFilter(status: .claimed)).map(\.id) == [etl.id])
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func runsAreRecordedAndTheLatestPerScopeIsRead(_ engine: StorageEngine)
        async throws
    {
        try await withStorage(engine) { fixture in
            let repository = fixture.primary.discovery
            for (index, findings) in [["no audit device is enabled"], []].enumerated() {
                try await repository.recordRun(
                    DiscoveryRun(
                        id: "drun_\(index)", source: .openbao, scope: "openbao://127.0.0.1:8200",
                        startedAt: storeEpoch.addingTimeInterval(Double(index)),
                        finishedAt: storeEpoch.addingTimeInterval(Double(index)),
                        complete: true, counts: ["seen": index], problems: [], sourceFindings: findings, actor: "admin"))
            }
            try await repository.recordRun(
                DiscoveryRun(
                    id: "drun_2", source: .openbao, scope: "openbao://127.0.0.1:8200",
                    startedAt: storeEpoch.addingTimeInterval(5),
                    finishedAt: storeEpoch.addingTimeInterval(5), complete: false, counts: [:], problems: ["denied"],
                    sourceFindings: [], actor: "admin"))
            let latest = try await repository.latestRuns()
            #expect(latest.map(\.id) == ["drun_1"], "the latest complete run")
            #expect(latest.first?.counts == ["seen": 1])
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func aSnapshotCannotTakeAnotherScopesIdentitiesOrRepeatOne(
        _ engine: StorageEngine
    ) async throws {
        try await withStorage(engine) { fixture in
            let repository = fixture.primary.discovery
            _ = try await repository.apply(snapshot([role("app")]), at: storeEpoch)
            let hostile = DiscoverySnapshot(
                source: .postgres, scope: "postgres://other:5432/x", startedAt: storeEpoch, finishedAt: storeEpoch,
                observations: [role("app"), role("new"), role("new")], complete: true)
            let result = try await repository.apply(hostile, at: storeEpoch.addingTimeInterval(60))
            #expect(result.skipped.count == 2, "\(result.skipped)")
            #expect(result.changed.map(\.change) == [.new])
            let app = try #require(try await repository.list(DiscoveryFilter(source: .postgres)).first { $0.name == "app" })
            #expect(app.scope == scope && app.status == .discovered, "the original scope keeps it")
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func anUnknownIdCannotBeUpdated(_ engine: StorageEngine) async throws {
        try await withStorage(engine) { fixture in
            let ghost = DiscoveredIdentity.discovered(role("ghost"), source: .postgres, scope: scope, at: storeEpoch)
            await #expect(throws: StoreError.self) { try await fixture.primary.discovery.update(ghost) }
        }
    }
}
