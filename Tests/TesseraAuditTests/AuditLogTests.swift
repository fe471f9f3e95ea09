import Foundation
import Synchronization
import TesseraCore
import TesseraStore
import Testing

@testable import TesseraAudit

func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "tessera-test-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

private func event(_ index: Int) -> AuditEvent {
    AuditEvent(type: "token.issued", outcome: .success, actor: "spiffe://example.org/a", details: ["n": .int(Int64(index))])
}

@Test func concurrentAppendsFormOneContiguousChain() async throws {
    let database = try SQLiteStorage(directory: temporaryDirectory())
    let batches = Mutex<[Int]>([])
    let log = try await AuditLog(store: database.audit, clock: SystemTimeSource()) { size in
        batches.withLock { $0.append(size) }
    }
    let records = try await withThrowingTaskGroup(of: AuditRecord.self) { group in
        for index in 0..<200 { group.addTask { try await log.append(event(index)) } }
        return try await group.reduce(into: []) { $0.append($1) }
    }
    #expect(Set(records.map(\.seq)) == Set(1...200))
    #expect(log.head?.seq == 200)
    #expect(batches.withLock { $0.reduce(0, +) } == 200)
    #expect(batches.withLock { $0.count } < 200, "group commit should batch concurrent appends")
    let report = try await AuditVerifier(store: database.audit).verify()
    #expect(report.isIntact)
    #expect(report.recordsChecked == 200)
}

@Test func chainContinuesAcrossRestarts() async throws {
    let directory = temporaryDirectory()
    do {
        let log = try await AuditLog(store: try SQLiteStorage(directory: directory).audit, clock: SystemTimeSource())
        for index in 0..<3 { try await log.append(event(index)) }
    }
    let database = try SQLiteStorage(directory: directory)
    let log = try await AuditLog(store: database.audit, clock: SystemTimeSource())
    let record = try await log.append(event(3))
    #expect(record.seq == 4)
    #expect(try await AuditVerifier(store: database.audit).verify().isIntact)
}

@Test func tamperingWithABodyIsDetectedAtThatRecord() async throws {
    let database = try SQLiteStorage(directory: temporaryDirectory())
    let log = try await AuditLog(store: database.audit, clock: SystemTimeSource())
    for index in 0..<5 { try await log.append(event(index)) }
    try database.unsafeExecute("UPDATE audit_records SET body = replace(body, 'token.issued', 'token.refused') WHERE seq = 3")
    let report = try await AuditVerifier(store: database.audit).verify()
    #expect(report.firstBreak?.seq == 3)
    #expect(report.firstBreak?.reason.contains("hash") == true)
    #expect(report.recordsChecked == 2)
}

@Test func rehashingATamperedRecordBreaksTheNextLink() async throws {
    let database = try SQLiteStorage(directory: temporaryDirectory())
    let log = try await AuditLog(store: database.audit, clock: SystemTimeSource())
    for index in 0..<5 { try await log.append(event(index)) }
    let original = try await database.audit.records(after: 1, limit: 1)[0]
    let forged = original.body.replacingOccurrences(of: "\"n\":1", with: "\"n\":99")
    let escaped = forged.replacingOccurrences(of: "'", with: "''")
    try database.unsafeExecute(
        "UPDATE audit_records SET body = '\(escaped)', hash = '\(AuditRecord.digest(forged))' WHERE seq = 2")
    let report = try await AuditVerifier(store: database.audit).verify()
    #expect(report.firstBreak?.seq == 3)
    #expect(report.firstBreak?.reason.contains("prev_hash") == true)
}

@Test func deletedAndTruncatedRecordsAreDetected() async throws {
    let database = try SQLiteStorage(directory: temporaryDirectory())
    let log = try await AuditLog(store: database.audit, clock: SystemTimeSource())
    for index in 0..<6 { try await log.append(event(index)) }
    try database.unsafeExecute("DELETE FROM audit_records WHERE seq = 6")
    let truncated = try await AuditVerifier(store: database.audit).verify()
    #expect(!truncated.isIntact)
    #expect(truncated.firstBreak?.reason.contains("missing") == true)
    try database.unsafeExecute("DELETE FROM audit_records WHERE seq = 2")
    let gap = try await AuditVerifier(store: database.audit).verify()
    #expect(gap.firstBreak?.seq == 3)
}

/// A store that fails every append: the log must fail its callers and keep its head.
private struct FailingStore: AuditRecordStore {
    func recordedHead() async throws -> AuditHead? { AuditHead(seq: 7, hash: "abc") }
    func append(_ records: [AuditRecord]) async throws { throw StoreError(.unavailable, "disk full") }
    func records(after seq: Int64, limit: Int) async throws -> [AuditRecord] { [] }
}

@Test func failedAppendFailsTheCallerAndKeepsTheHead() async throws {
    let log = try await AuditLog(store: FailingStore(), clock: SystemTimeSource())
    await #expect(throws: AuditError.self) { try await log.append(event(0)) }
    #expect(log.head == AuditHead(seq: 7, hash: "abc"))
}

@Test func exportLinesCarryTheHashAndParseAsJSON() async throws {
    let database = try SQLiteStorage(directory: temporaryDirectory())
    let log = try await AuditLog(store: database.audit, clock: ManualTimeSource())
    let record = try await log.append(event(1))
    let object = try JSONSerialization.jsonObject(with: Data(record.exportLine().utf8)) as? [String: Any]
    #expect(object?["hash"] as? String == record.hash)
    #expect(object?["prev"] as? String == AuditRecord.genesisHash)
    #expect(object?["type"] as? String == "token.issued")
}

/// Records every head it is told of, as a server's data-folder keeper would.
private final class RecordingKeeper: AuditHeadKeeper {
    let heads = Mutex<[AuditHead]>([])
    func keep(_ head: AuditHead) { heads.withLock { $0.append(head) } }
    func flush() {}
}

/// Attacker finding: a head kept only every 200 ms let a crash caused from the database (or any kill -9) lose the
/// newest records unnoticed. The keeper is told of each durable head before the batch's callers are resumed.
@Test func everyDurableHeadIsKeptBeforeItsCallerResumes() async throws {
    let database = try SQLiteStorage(directory: temporaryDirectory())
    let log = try await AuditLog(store: database.audit, clock: ManualTimeSource())
    let keeper = RecordingKeeper()
    log.keepHeads(with: keeper)
    for index in 0..<5 {
        let record = try await log.append(event(index))
        #expect(keeper.heads.withLock { $0.last } == AuditHead(seq: record.seq, hash: record.hash))
    }
}
