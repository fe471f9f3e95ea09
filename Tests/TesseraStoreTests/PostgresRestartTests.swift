import Foundation
import PostgresNIO
import Synchronization
import TesseraTestSupport
import Testing

@testable import TesseraStore

/// What wedged servers when PostgreSQL restarted (docs/threat-model.md), reproduced in-process: postgres-nio never
/// answers a query written to a connection that has closed, so a `ROLLBACK` after the failed statement, or the next
/// statement of a transaction, waited forever with its connection leased (the audit writer, then every token behind
/// it). Every pooled operation is now bounded and abandoned on timeout. The end-to-end test is scripts/e2e/pg-restart/run.
@Suite(.needsPostgres) struct PostgresRestartTests {
    private struct Failure: Error {}
    private final class Flag: Sendable {
        let raised = Atomic<Bool>(false)
    }

    // No elapsed-time asserts here (they fail when the 2-core test machine is saturated): a bound that did not work
    // would hang, and the time limit turns a hang into a failure.
    @Test(.timeLimit(.minutes(1))) func aBodyThatNeverAnswersIsAbandonedAtTheLimit() async throws {
        let timedOut = Flag()
        await #expect(throws: StoreError.self) {
            // The body stands for a query postgres-nio dropped: nothing ever resumes it.
            try await PostgresDeadline.bounded(
                .milliseconds(200), onTimeout: { timedOut.raised.store(true, ordering: .relaxed) },
                { await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in } })
        }
        // `onTimeout` runs once the caller was answered (the watchdog never waits for it): within moments.
        let ranOnTimeout = try await eventually(within: .seconds(2), every: .milliseconds(10)) {
            timedOut.raised.load(ordering: .relaxed)
        }
        #expect(ranOnTimeout)
    }

    @Test(.timeLimit(.minutes(2))) func aTransactionWhoseConnectionClosedFailsInsteadOfHanging() async throws {
        let fixture = try await StorageEngine.postgresql.open()
        let storage = try #require(fixture.primary as? PostgresStorage)
        func database(limit: Duration) -> TesseraStore.PostgresDatabase {
            PostgresDatabase(
                pool: storage.database.pool, endpoint: storage.endpoint, logger: storage.database.logger,
                deadline: PostgresDeadline(leaseWait: .seconds(2), operationLimit: limit))
        }
        // A limit far longer than any scheduling delay: a rollback that waited on the dead connection would take all of it.
        let patient = database(limit: .seconds(60))
        try await patient.rows("SELECT 1")

        // The connection dies mid-transaction and the body fails: the rollback must not wait on the dead connection.
        let started = ContinuousClock.now
        await #expect(throws: StoreError.self) {
            try await patient.transaction { connection in
                try await connection.close()
                throw Failure()
            }
        }
        #expect(ContinuousClock.now - started < .seconds(45), "the rollback waited on a closed connection")

        // The next statement goes to the closed connection: postgres-nio drops it; the limit answers instead (a hang
        // without it is caught by the time limit).
        let bounded = database(limit: .seconds(1))
        await #expect(throws: StoreError.self) {
            try await bounded.transaction { connection in
                try await connection.close()
                try await connection.query("SELECT 1", logger: bounded.logger)
            }
        }

        // The pool dropped both connections and serves new ones.
        try await bounded.rows("SELECT 1")
        try await storage.ping()
        await fixture.tearDown()
    }
}
