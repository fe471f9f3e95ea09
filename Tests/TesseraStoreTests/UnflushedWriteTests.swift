import Foundation
import GRDB
import TesseraAudit
import TesseraCore
import Testing

@testable import TesseraStore

/// The tool-call counter is written without its own flush; everything after it on the writer is flushed again, and the
/// audit append is fsync'd whatever the writer was left at.
@Suite struct UnflushedWriteTests {
    private func storage() throws -> SQLiteStorage {
        try SQLiteStorage(directory: NSTemporaryDirectory() + "tessera-unflushed-" + UUID().uuidString)
    }

    private func writerSynchronous(_ storage: SQLiteStorage) async throws -> Int? {
        try await storage.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
    }

    @Test func anUnflushedWriteLeavesTheWriterFlushingAgain() async throws {
        let storage = try storage()
        #expect(try await writerSynchronous(storage) == 2)
        #expect(try await storage.toolCatalogues.recordCall(taskID: "t1", now: Date()) == 1)
        #expect(try await storage.toolCatalogues.recordCall(taskID: "t1", now: Date()) == 2)
        try await storage.toolCatalogues.releaseCall(taskID: "t1")
        #expect(try await writerSynchronous(storage) == 2, "FULL again after each unflushed write")
        #expect(try await storage.toolCatalogues.calls(taskID: "t1") == 1)
    }

    @Test func theAuditAppendIsFlushedEvenIfTheWriterWasLeftUnflushed() async throws {
        let storage = try storage()
        try await storage.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = OFF") }
        let log = try await AuditLog(store: storage.audit, clock: ManualTimeSource(Date()))
        try await log.append(AuditEvent(type: "test.durable", outcome: .success))
        #expect(try await writerSynchronous(storage) == 2, "the append set FULL before its commit")
    }

    @Test func aCallCountStoredWithAnAuditRecordNeverMovesBack() async throws {
        let storage = try storage()
        let log = try await AuditLog(store: storage.audit, clock: ManualTimeSource(Date()))
        let now = Date()
        for calls in [3, 5, 4] {
            try await log.append(
                AuditEvent(
                    type: "tool.call.allowed", outcome: .success, task: "t1",
                    callCount: ToolCallCount(taskID: "t1", calls: calls, at: now)))
        }
        #expect(try await storage.toolCatalogues.calls(taskID: "t1") == 5, "committed out of order, the larger count stays")
        #expect(try await storage.toolCatalogues.recordCall(taskID: "t1", now: now) == 6, "the database counter goes on from it")
    }
}
