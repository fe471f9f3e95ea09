import Foundation
import Testing

@testable import TesseraStore

/// The audit sinks' outbox on both engines: cursors survive reopening, move only under the lease, and two servers
/// racing for a sink get it one at a time.
@Suite struct AuditSinkCursorContractTests {
    @Test(arguments: StorageEngine.testedEngines) func aCursorStartsAtZeroMovesUnderItsLeaseAndSurvivesReopening(
        _ engine: StorageEngine
    ) async throws {
        try await withStorage(engine) { fixture in
            let sinks = fixture.primary.auditSinks
            let until = storeEpoch.addingTimeInterval(30)
            #expect(try await sinks.acquire(sink: "soc", holder: "a", until: until, now: storeEpoch) == 0)
            #expect(try await sinks.advance(sink: "soc", holder: "a", to: 42, until: until, now: storeEpoch))
            #expect(try await sinks.acquire(sink: "other", holder: "a", until: until, now: storeEpoch) == 0)
            try await sinks.release(sink: "soc", holder: "a")
            // Another server (a restart) finds the cursor where the last delivery left it.
            let reopened = try await fixture.another().auditSinks
            #expect(try await reopened.acquire(sink: "soc", holder: "b", until: until, now: storeEpoch) == 42)
            let cursors = try await reopened.cursors()
            #expect(cursors.map(\.sink) == ["other", "soc"])
            #expect(cursors.map(\.deliveredSeq) == [0, 42])
            #expect(cursors.last?.holder == "b")
            #expect(cursors.last?.leaseExpiresAt == until)
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func aHeldLeaseRefusesOthersUntilItExpires(_ engine: StorageEngine)
        async throws
    {
        try await withStorage(engine) { fixture in
            let serverA = fixture.primary.auditSinks
            let serverB = try await fixture.another().auditSinks
            let until = storeEpoch.addingTimeInterval(30)
            #expect(try await serverA.acquire(sink: "soc", holder: "a", until: until, now: storeEpoch) == 0)
            #expect(try await serverB.acquire(sink: "soc", holder: "b", until: until, now: storeEpoch) == nil)
            // B may not move a cursor it does not hold.
            #expect(try await !serverB.advance(sink: "soc", holder: "b", to: 9, until: until, now: storeEpoch))
            #expect(try await serverA.advance(sink: "soc", holder: "a", to: 5, until: until, now: storeEpoch))
            // A renews; B still waits. Once A's lease expired, B takes over at A's cursor and A can no longer advance.
            let later = storeEpoch.addingTimeInterval(20)
            #expect(try await serverA.acquire(sink: "soc", holder: "a", until: later.addingTimeInterval(30), now: later) == 5)
            #expect(try await serverB.acquire(sink: "soc", holder: "b", until: later, now: until) == nil)
            let expired = later.addingTimeInterval(31)
            #expect(try await serverB.acquire(sink: "soc", holder: "b", until: expired.addingTimeInterval(30), now: expired) == 5)
            #expect(try await !serverA.advance(sink: "soc", holder: "a", to: 7, until: expired, now: expired))
            #expect(try await serverA.cursors().first?.deliveredSeq == 5)
            // A released lease is free at once.
            try await serverB.release(sink: "soc", holder: "b")
            #expect(try await serverA.acquire(sink: "soc", holder: "a", until: expired, now: later) == 5)
        }
    }

    @Test(arguments: StorageEngine.testedEngines) func twoServersRacingForASinkGetItOnce(_ engine: StorageEngine)
        async throws
    {
        try await withStorage(engine) { fixture in
            let servers = [fixture.primary.auditSinks, try await fixture.another().auditSinks]
            let until = storeEpoch.addingTimeInterval(30)
            for round in 0..<10 {
                let sink = "sink-\(round)"
                let winners = try await withThrowingTaskGroup(of: String?.self) { group in
                    for (index, server) in (servers + servers).enumerated() {
                        let holder = "server-\(index % 2)"
                        group.addTask {
                            try await server.acquire(sink: sink, holder: holder, until: until, now: storeEpoch) == nil
                                ? nil : holder
                        }
                    }
                    var winners: Set<String> = []
                    for try await holder in group { if let holder { winners.insert(holder) } }
                    return winners
                }
                #expect(winners.count == 1, "round \(round): \(winners.sorted())")
            }
        }
    }
}
