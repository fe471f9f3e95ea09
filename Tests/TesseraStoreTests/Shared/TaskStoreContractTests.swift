import Foundation
import TesseraCore
import Testing

@testable import TesseraStore

/// Tasks and leases: ending a task revokes its leases in the same transaction, revocation lists lease ids in
/// the revocation list, renewals and releases; the same contract on SQLite and PostgreSQL.
@Suite struct TaskStoreContractTests {
    private func task(_ id: String, expiresIn: TimeInterval = 600) -> WorkTask {
        WorkTask(
            id: id, intent: "deploy", purpose: "release 1.2", initiator: "alice", identities: ["spiffe://example.org/ci"],
            scopes: ["deploy"], createdAt: storeEpoch, expiresAt: storeEpoch.addingTimeInterval(expiresIn))
    }

    private func lease(
        _ id: String, task: String?, subject: String = "spiffe://example.org/ci", kind: String = "access_token",
        expiresIn: TimeInterval = 300
    ) -> Lease {
        Lease(
            id: id, kind: kind, subject: subject, taskID: task, issuedAt: storeEpoch,
            expiresAt: storeEpoch.addingTimeInterval(expiresIn))
    }

    @Test(arguments: StorageEngine.testedEngines) func endingATaskRevokesItsLeasesOnce(_ engine: StorageEngine) async throws {
        try await withStorage(engine) { fixture in
            let tasks = fixture.primary.tasks
            try await tasks.create(task("t1"))
            try await tasks.create(task("t2", expiresIn: 60))
            #expect(try await tasks.get(id: "t1") == task("t1"))
            #expect(try await tasks.list(state: .open, limit: 10).count == 2)
            try await issueLeases(
                [
                    lease("l1", task: "t1"), lease("l2", task: "t1"), lease("l3", task: "t1", expiresIn: -1),
                    lease("l4", task: "t2"),
                ],
                into: fixture.primary)
            #expect(try await tasks.leases(taskID: "t1").map(\.id).sorted() == ["l1", "l2", "l3"])

            let now = storeEpoch.addingTimeInterval(5)
            let ended = try task("t1").ending(.ended, reason: "done", at: now)
            let revoked = try await tasks.end(ended, now: now)
            #expect(revoked.sorted() == ["l1", "l2"], "the expired lease l3 is not revoked again")
            #expect(try await tasks.get(id: "t1")?.state == .ended)
            #expect(try await tasks.lease(id: "l1")?.revokedAt == now)
            #expect(try await tasks.lease(id: "l1")?.revokeReason == "task ended")
            #expect(try await fixture.primary.tokenState.isRevoked(jti: "l2"), "the lease id is on the revocation list")
            #expect(try await tasks.lease(id: "l4")?.revokedAt == nil, "another task's lease is untouched")
            let again = await #expect(throws: StoreError.self) { try await tasks.end(ended, now: now) }
            #expect(again?.code == .conflict)
            #expect(try await tasks.list(state: .ended, limit: 10).map(\.id) == ["t1"])
            #expect(try await tasks.dueForExpiry(now: storeEpoch.addingTimeInterval(61)).map(\.id) == ["t2"])
            #expect(try await tasks.liveLeaseCount(now: now) == 1)
        }
    }

    /// `end-task` reads every open task that names an identity: exactly those, however many open tasks there are
    /// (it read at most 100,000 open tasks and filtered them in memory).
    @Test(arguments: StorageEngine.testedEngines) func openTasksNamingAnIdentity(_ engine: StorageEngine) async throws {
        try await withStorage(engine) { fixture in
            let tasks = fixture.primary.tasks
            let ci = "spiffe://example.org/ci"
            func task(_ id: String, _ identities: [String]) -> WorkTask {
                WorkTask(
                    id: id, intent: "deploy", purpose: nil, initiator: "alice", identities: identities, scopes: ["deploy"],
                    createdAt: storeEpoch, expiresAt: storeEpoch.addingTimeInterval(600))
            }
            try await tasks.create(task("a", [ci]))
            try await tasks.create(task("b", ["spiffe://example.org/deployer", ci]))
            try await tasks.create(task("c", ["spiffe://example.org/ci-2", "spiffe://example.org/CI"]))
            try await tasks.create(task("d", [ci]))
            _ = try await tasks.end(try task("d", [ci]).ending(.ended, reason: "done", at: storeEpoch), now: storeEpoch)
            #expect(try await tasks.openTasks(naming: ci).map(\.id).sorted() == ["a", "b"])
            #expect(try await tasks.openTasks(naming: "spiffe://example.org/ci-2").map(\.id) == ["c"])
            #expect(try await tasks.openTasks(naming: "spiffe://example.org/c").isEmpty, "a prefix names nothing")
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func revokeRenewAndRelease(_ engine: StorageEngine) async throws {
        try await withStorage(engine) { fixture in
            let tasks = fixture.primary.tasks
            try await tasks.create(task("t1"))
            let alice = "spiffe://example.org/alice"
            try await issueLeases(
                [
                    lease("a1", task: nil, subject: alice), lease("a2", task: nil, subject: alice, kind: "x509_svid"),
                    lease("a3", task: nil, subject: alice, kind: "postgres_role"), lease("b1", task: "t1"),
                ],
                into: fixture.primary)
            let now = storeEpoch.addingTimeInterval(1)

            #expect(try await tasks.revokeLeases(subject: alice, kinds: ["x509_svid"], reason: "rotate", now: now) == ["a2"])
            #expect(try await tasks.revokedLeaseIDs(kind: "x509_svid", subjects: [alice, "other"], now: now) == ["a2"])
            #expect(try await tasks.revokedLeaseIDs(kind: "x509_svid", subjects: [], now: now).isEmpty)
            let one = try await tasks.revokeLease(id: "a1", reason: "manual", now: now)
            #expect(one.revokedAt == now && one.revokeReason == "manual")
            let twice = await #expect(throws: StoreError.self) { try await tasks.revokeLease(id: "a1", reason: "x", now: now) }
            #expect(twice?.code == .conflict)
            #expect(try await tasks.revokeLeases(subject: alice, reason: "suspended", now: now) == ["a3"])
            #expect(try await tasks.leases(subject: alice, limit: 10).count == 3)

            let live = try await tasks.leases(matching: LeaseFilter(liveOnly: true), now: now)
            #expect(live.map(\.id) == ["b1"])
            #expect(
                try await tasks.leases(matching: LeaseFilter(subject: alice, kind: "access_token"), now: now).map(\.id) == ["a1"])
            let renewed = try await tasks.renewLease(id: "b1", until: storeEpoch.addingTimeInterval(900), now: now)
            #expect(renewed.expiresAt == storeEpoch.addingTimeInterval(900))
            let dead = await #expect(throws: StoreError.self) {
                try await tasks.renewLease(id: "a1", until: storeEpoch.addingTimeInterval(900), now: now)
            }
            #expect(dead?.code == .conflict)
            let longer = try await tasks.renewTask(id: "t1", until: storeEpoch.addingTimeInterval(7200), now: now)
            #expect(longer.expiresAt == storeEpoch.addingTimeInterval(7200))
            let closed = await #expect(throws: StoreError.self) {
                try await tasks.renewTask(id: "nope", until: storeEpoch.addingTimeInterval(7200), now: now)
            }
            #expect(closed?.code == .conflict)

            #expect(try await tasks.unreleasedIDs(kind: "postgres_role") == ["a3"])
            #expect(try await tasks.pendingReleases(kind: "postgres_role", now: now).map(\.id) == ["a3"])
            try await tasks.markReleased(id: "a3", at: now)
            #expect(try await tasks.pendingReleases(kind: "postgres_role", now: now).isEmpty)
            #expect(try await tasks.unreleasedIDs(kind: "postgres_role").isEmpty)
        }
    }
}
