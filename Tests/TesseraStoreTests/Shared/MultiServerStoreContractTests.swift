import Foundation
import TesseraCore
import Testing

@testable import TesseraStore

/// What matters when several servers share one database, with two stores on the same data standing in for
/// two servers (two pools on one SQLite file; two PostgreSQL pools on one schema).
@Suite struct MultiServerStoreContractTests {
    @Test(arguments: StorageEngine.testedEngines) func aJoinTokenIsConsumedOnceWhenTwoServersRace(_ engine: StorageEngine)
        async throws
    {
        try await withStorage(engine) { fixture in
            let serverA = fixture.primary.spiffe
            let serverB = try await fixture.another().spiffe
            let tokens = 25
            for index in 0..<tokens {
                try await serverA.insertJoinToken(
                    hash: "h\(index)", nodeID: "n\(index)", expiresAt: storeEpoch.addingTimeInterval(600), createdAt: storeEpoch)
            }
            let now = storeEpoch.addingTimeInterval(1)
            let winners = try await withThrowingTaskGroup(of: String?.self) { group in
                for index in 0..<tokens {
                    for server in [serverA, serverB] {
                        group.addTask { try await server.consumeJoinToken(hash: "h\(index)", now: now) }
                    }
                }
                var winners: [String] = []
                for try await node in group { if let node { winners.append(node) } }
                return winners
            }
            #expect(winners.count == tokens, "each token attests exactly one of the two racing servers")
            #expect(Set(winners).count == tokens)
            #expect(try await serverB.nodes().allSatisfy { $0.status == "active" })
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func aReplayKeyIsClaimedOnceWhenTwoServersRace(_ engine: StorageEngine)
        async throws
    {
        try await withStorage(engine) { fixture in
            let serverA = fixture.primary.tokenState
            let serverB = try await fixture.another().tokenState
            let expiry = storeEpoch.addingTimeInterval(60)
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                // Both kinds of claim race: the flushed one and the one an audit commit flushes (unflushed on PostgreSQL).
                for (server, flushed) in [(serverA, true), (serverB, false), (serverA, false), (serverB, true)] {
                    group.addTask {
                        flushed
                            ? try await server.claimReplayKey("assertion|c|j1", expiresAt: expiry, now: storeEpoch)
                            : try await server.claimReplayKeyBeforeAudit("assertion|c|j1", expiresAt: expiry, now: storeEpoch)
                    }
                }
                var winners = 0
                for try await won in group where won { winners += 1 }
                return winners
            }
            #expect(winners == 1, "one claim of a key wins across both servers")
            #expect(try await serverB.claimReplayKeyBeforeAudit("assertion|c|j2", expiresAt: expiry, now: storeEpoch))
            #expect(try await !serverA.claimReplayKey("assertion|c|j2", expiresAt: expiry, now: storeEpoch))
            // An expired claim (not purged yet) is taken over; the new claim holds until its own expiry.
            let later = expiry.addingTimeInterval(1)
            #expect(try await serverA.claimReplayKey("assertion|c|j1", expiresAt: later.addingTimeInterval(60), now: later))
            #expect(try await !serverB.claimReplayKey("assertion|c|j1", expiresAt: later.addingTimeInterval(60), now: later))
            #expect(
                try await !serverB.claimReplayKeyBeforeAudit(
                    "assertion|c|j1", expiresAt: later.addingTimeInterval(60), now: later))
            #expect(try await serverB.unexpiredReplayKeys(now: later).map(\.key) == ["assertion|c|j1"])
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func toolCallBudgetCountsEveryCallFromTwoServers(_ engine: StorageEngine)
        async throws
    {
        try await withStorage(engine) { fixture in
            let serverA = fixture.primary.toolCatalogues
            let serverB = try await fixture.another().toolCatalogues
            // Eight callers per server (its pool's size), five calls each: every update of the one counter row waits
            // for the previous commit, so more callers than connections would only queue for a lease (and, on a
            // loaded machine, run out its 3 s wait) without racing any harder.
            let (callers, callsEach) = (8, 5)
            let perServer = callers * callsEach
            let totals = try await withThrowingTaskGroup(of: [Int].self) { group in
                for server in [serverA, serverB] {
                    for _ in 0..<callers {
                        group.addTask {
                            var seen: [Int] = []
                            for _ in 0..<callsEach { seen.append(try await server.recordCall(taskID: "t1", now: storeEpoch)) }
                            return seen
                        }
                    }
                }
                var totals: [Int] = []
                for try await seen in group { totals += seen }
                return totals
            }
            #expect(totals.sorted() == Array(1...(2 * perServer)), "every call saw its own running total, none lost")
            #expect(try await serverA.calls(taskID: "t1") == 2 * perServer)
            #expect(try await serverB.calls(taskID: "t1") == 2 * perServer)
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func aLeaseRevokedOnOneServerIsRevokedOnTheOther(_ engine: StorageEngine)
        async throws
    {
        try await withStorage(engine) { fixture in
            let serverB = try await fixture.another()
            let task = WorkTask(
                id: "t1", intent: "deploy", purpose: nil, initiator: "alice", identities: [], scopes: [],
                createdAt: storeEpoch, expiresAt: storeEpoch.addingTimeInterval(600))
            try await fixture.primary.tasks.create(task)
            let leases = (0..<5).map {
                Lease(
                    id: "l\($0)", kind: "access_token", subject: "spiffe://example.org/ci", taskID: "t1", issuedAt: storeEpoch,
                    expiresAt: storeEpoch.addingTimeInterval(300))
            }
            try await issueLeases(leases, into: fixture.primary)
            #expect(try await serverB.tasks.liveLeaseCount(now: storeEpoch) == 5)
            #expect(try await !serverB.tokenState.isRevoked(jti: "l0"))

            let now = storeEpoch.addingTimeInterval(2)
            // Both servers revoke the same lease at once: exactly one succeeds, the other is told it is not live.
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for server in [fixture.primary, serverB] {
                    group.addTask { (try? await server.tasks.revokeLease(id: "l0", reason: "race", now: now)) != nil }
                }
                var outcomes: [Bool] = []
                for await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            #expect(outcomes.filter { $0 }.count == 1)

            let revoked = try await fixture.primary.tasks.end(try task.ending(.revoked, reason: "stop", at: now), now: now)
            #expect(revoked.sorted() == ["l1", "l2", "l3", "l4"])
            for lease in leases {
                #expect(try await serverB.tokenState.isRevoked(jti: lease.id), "server B refuses \(lease.id)")
                #expect(try await serverB.tasks.lease(id: lease.id)?.revokedAt == now)
            }
            #expect(try await serverB.tasks.get(id: "t1")?.state == .revoked)
            #expect(try await serverB.tasks.liveLeaseCount(now: now) == 0)
        }
    }
}
