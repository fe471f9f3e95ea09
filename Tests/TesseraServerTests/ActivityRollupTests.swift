import Foundation
import TesseraAudit
import TesseraCore
import TesseraStore
import TesseraTestSupport
import Testing

@testable import TesseraServer

/// The Overview's activity counts: every record counted exactly once, however many folds run at once (found by
/// the 10M-record console benchmark: a view and the background catch-up folded the same batches twice).
@Suite(.stopsServers) struct ActivityRollupTests {
    @Test func concurrentFoldsCountEveryRecordOnce() async throws {
        let database = try SQLiteStorage(directory: NSTemporaryDirectory() + "tessera-rollup-" + UUID().uuidString)
        let clock = ManualTimeSource(Date())
        let log = try await AuditLog(store: database.audit, clock: clock)
        for index in 0..<3_000 {
            try await log.append(
                AuditEvent(
                    type: index % 3 == 0 ? "token.refused" : "token.issued", outcome: index % 3 == 0 ? .denied : .success,
                    subject: "spiffe://example.org/w", reason: index % 3 == 0 ? "scope x is not granted" : nil))
        }
        let rollup = ActivityRollup()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    while try await !rollup.advance(database.audit, now: clock.now(), budget: 500) {
                        try await Task.sleep(for: .milliseconds(1))
                    }
                }
            }
            try await group.waitForAll()
        }
        let buckets = await rollup.buckets
        #expect(buckets.values.reduce(0) { $0 + $1.issued } == 2_000)
        #expect(buckets.values.reduce(0) { $0 + $1.refused } == 1_000)
        #expect(buckets.values.reduce(0) { $0 + ($1.reasons["scope x is not granted"] ?? 0) } == 1_000)
        // Nothing new: another fold adds nothing.
        _ = try await rollup.advance(database.audit, now: clock.now())
        #expect(await rollup.buckets.values.reduce(0) { $0 + $1.issued } == 2_000)
    }

    @Test func recordsOlderThanTheWindowAreSkippedByBinarySearch() async throws {
        let database = try SQLiteStorage(directory: NSTemporaryDirectory() + "tessera-rollup-" + UUID().uuidString)
        let clock = ManualTimeSource(Date())
        let log = try await AuditLog(store: database.audit, clock: clock)
        for _ in 0..<50 { try await log.append(AuditEvent(type: "token.issued", outcome: .success)) }
        clock.advance(by: 8 * 86_400)
        for _ in 0..<7 { try await log.append(AuditEvent(type: "token.issued", outcome: .success)) }
        let first = try await ActivityRollup.firstSeq(
            database.audit, atOrAfter: clock.now().addingTimeInterval(-ActivityRollup.window), head: 57)
        #expect(first == 51)
        let rollup = ActivityRollup()
        #expect(try await rollup.advance(database.audit, now: clock.now()))
        #expect(await rollup.buckets.values.reduce(0) { $0 + $1.issued } == 7)
    }
}
