import Foundation
import TesseraCore
import TesseraStore
import Testing

@testable import TesseraAudit

private func event(_ index: Int) -> AuditEvent {
    AuditEvent(type: "token.issued", outcome: .success, actor: "spiffe://example.org/a", details: ["n": .int(Int64(index))])
}

@Test func keysAreDeterministicPerRootAndDifferAcrossRoots() {
    let one = testKeyring(1)
    let again = testKeyring(1)
    let other = testKeyring(2)
    #expect(one.current.id == again.current.id)
    #expect(one.checkpointKey == again.checkpointKey)
    #expect(one.current.id != other.current.id)
    #expect(one.checkpointKey != other.checkpointKey)
    #expect(one.recordMAC(hash: "ab", keyID: one.current.id) == again.recordMAC(hash: "ab", keyID: again.current.id))
    #expect(one.recordMAC(hash: "ab", keyID: other.current.id) == nil)
    #expect(one.checkpointKey.fingerprint.hasPrefix("ed25519:"))
    #expect(AuditCheckpointKey(encoded: one.checkpointKey.publicKey) == one.checkpointKey)
}

@Test func keyedRecordsNameTheirKeyAndWriterAndCarryAMAC() async throws {
    let database = try SQLiteStorage(directory: temporaryDirectory())
    let sealing = testSealing()
    let log = try await AuditLog(store: database.audit, clock: ManualTimeSource(), sealing: sealing)
    let record = try await log.append(event(1))
    let content = try record.content()
    #expect(content.key == sealing.keyring.current.id)
    #expect(content.writer == "writer-a")
    #expect(record.mac == sealing.keyring.recordMAC(hash: record.hash, keyID: sealing.keyring.current.id))
    let stored = try await database.audit.records(after: 0, limit: 10)
    #expect(stored.first?.mac == record.mac)
    #expect(
        try await database.audit.recordedHeadMAC()
            == sealing.keyring.headMAC(
                AuditHead(seq: 1, hash: record.hash), keyID: sealing.keyring.current.id))
}

@Test func concurrentKeyedAppendsVerifyWithTheKeys() async throws {
    let database = try SQLiteStorage(directory: temporaryDirectory())
    let log = try await AuditLog(store: database.audit, clock: SystemTimeSource(), sealing: testSealing())
    try await withThrowingTaskGroup(of: Void.self) { group in
        for index in 0..<100 { group.addTask { try await log.append(event(index)) } }
        try await group.waitForAll()
    }
    let report = try await AuditVerifier(store: database.audit, keyring: testKeyring()).verify()
    #expect(report.isIntact)
    #expect(report.keyedRecords == 100)
    #expect(report.legacyRecords == 0)
    #expect(report.macsChecked)
}

@Test func legacyRecordsBeforeTheFirstKeyedOneVerifyOnlyWhenAccepted() async throws {
    let directory = temporaryDirectory()
    let database = try SQLiteStorage(directory: directory)
    let legacy = try await AuditLog(store: database.audit, clock: SystemTimeSource())
    for index in 0..<3 { try await legacy.append(event(index)) }
    let keyed = try await AuditLog(store: database.audit, clock: SystemTimeSource(), sealing: testSealing())
    for index in 3..<6 { try await keyed.append(event(index)) }
    // With the keys, an unkeyed prefix is refused unless the operator says the database predates keyed audit: a
    // database writer can make any chain look like that.
    let strict = try await AuditVerifier(store: database.audit, keyring: testKeyring()).verify()
    #expect(strict.firstBreak?.seq == 1)
    #expect(strict.firstBreak?.reason.contains("--accept-unkeyed-prefix") == true)
    let report = try await AuditVerifier(store: database.audit, keyring: testKeyring(), acceptUnkeyedPrefix: true).verify()
    #expect(report.isIntact)
    #expect(report.legacyRecords == 3)
    #expect(report.keyedRecords == 3)
    // After the first keyed record a missing MAC is tampering.
    try database.unsafeExecute("UPDATE audit_records SET mac = NULL WHERE seq = 5")
    let stripped = try await AuditVerifier(store: database.audit, keyring: testKeyring(), acceptUnkeyedPrefix: true).verify()
    #expect(stripped.firstBreak?.seq == 5)
    #expect(stripped.firstBreak?.reason.contains("without its MAC") == true)
}

@Test func anUnkeyedRecordAfterKeyedOnesIsTampering() async throws {
    let database = try SQLiteStorage(directory: temporaryDirectory())
    let keyed = try await AuditLog(store: database.audit, clock: SystemTimeSource(), sealing: testSealing())
    for index in 0..<3 { try await keyed.append(event(index)) }
    let unkeyed = try await AuditLog(store: database.audit, clock: SystemTimeSource())
    try await unkeyed.append(event(9))
    // Detected even without the KEK: the rule does not need the key.
    let report = try await AuditVerifier(store: database.audit).verify()
    #expect(report.firstBreak?.seq == 4)
    #expect(report.firstBreak?.reason.contains("no key or MAC") == true)
}

@Test func anEditedAndRechainedRecordFailsItsMAC() async throws {
    let database = try SQLiteStorage(directory: temporaryDirectory())
    let log = try await AuditLog(store: database.audit, clock: SystemTimeSource(), sealing: testSealing())
    for index in 0..<5 { try await log.append(event(index)) }
    try await AuditForgery(database: database).rechain(from: 3) { content in
        AuditRecordContent(
            seq: content.seq, time: content.time, type: content.type, outcome: .denied, actor: content.actor,
            subject: content.subject, reason: content.reason, task: content.task, details: content.details,
            prev: content.prev, key: content.key, writer: content.writer)
    }
    // The hash chain alone holds (this is the attack): only the MAC catches it.
    #expect(try await AuditVerifier(store: database.audit).verify().isIntact)
    let report = try await AuditVerifier(store: database.audit, keyring: testKeyring()).verify()
    #expect(report.firstBreak?.seq == 3)
    #expect(report.firstBreak?.reason.contains("MAC does not match") == true)
}

@Test func aHeadMovedBackOverADeletedTailFailsTheHeadMAC() async throws {
    let database = try SQLiteStorage(directory: temporaryDirectory())
    let log = try await AuditLog(store: database.audit, clock: SystemTimeSource(), sealing: testSealing())
    for index in 0..<6 { try await log.append(event(index)) }
    try await AuditForgery(database: database).deleteTail(after: 4)
    let report = try await AuditVerifier(store: database.audit, keyring: testKeyring()).verify()
    #expect(report.firstBreak?.seq == 4)
    #expect(report.firstBreak?.reason.contains("recorded head") == true)
}

@Test func anotherKEKIsNamedAsSuchNotAsTampering() async throws {
    let database = try SQLiteStorage(directory: temporaryDirectory())
    let log = try await AuditLog(store: database.audit, clock: SystemTimeSource(), sealing: testSealing())
    try await log.append(event(0))
    let report = try await AuditVerifier(store: database.audit, keyring: testKeyring(9)).verify()
    #expect(report.firstBreak?.seq == 1)
    #expect(report.firstBreak?.reason.contains("another KEK") == true)
}
