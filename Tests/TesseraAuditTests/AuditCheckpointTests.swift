import Foundation
import TesseraCore
import TesseraStore
import Testing

@testable import TesseraAudit

private func event(_ index: Int) -> AuditEvent {
    AuditEvent(type: "token.issued", outcome: .success, actor: "spiffe://example.org/a", details: ["n": .int(Int64(index))])
}

/// A keyed log with `count` records, then a checkpoint (record count + 1), then `after` more records.
private func checkpointedLog(count: Int = 5, after: Int = 2) async throws -> (SQLiteStorage, SignedAuditCheckpoint) {
    let database = try SQLiteStorage(directory: temporaryDirectory())
    let log = try await AuditLog(store: database.audit, clock: SystemTimeSource(), sealing: testSealing())
    for index in 0..<count { try await log.append(event(index)) }
    let checkpoint = try await log.checkpoint()
    for index in 0..<after { try await log.append(event(100 + index)) }
    return (database, checkpoint)
}

@Test func aCheckpointBindsTheHeadItFollowsAndIsSigned() async throws {
    let (database, signed) = try await checkpointedLog()
    let records = try await database.audit.records(after: 0, limit: 100)
    #expect(signed.checkpoint.seq == 5)
    #expect(signed.checkpoint.hash == records[4].hash)
    // The statement names its chain and every chain's head (here the one unnamed chain's).
    #expect(signed.checkpoint.chain == "")
    #expect(signed.checkpoint.writers == ["": AuditHead(seq: 5, hash: records[4].hash)])
    #expect(signed.checkpoint.writer == "writer-a")
    #expect(signed.isSelfConsistent)
    #expect(signed.key == testKeyring().checkpointKey)
    #expect(try records[5].content().type == AuditLog.checkpointType)
    let report = try await AuditVerifier(store: database.audit, keyring: testKeyring()).verify()
    #expect(report.isIntact)
    #expect(report.checkpointsInLog == 1)
    #expect(report.lastCheckpoint == signed.checkpoint)
}

@Test func checkpointLinesRoundTripFromFilesArraysAndJSONLogLines() throws {
    let keyring = testKeyring()
    let statement = AuditCheckpoint(
        seq: 3, hash: String(repeating: "a", count: 64), time: "2026-01-01T00:00:00.000Z", writer: "w", writers: [:],
        keyFingerprint: keyring.checkpointKey.fingerprint)
    let signed = try SignedAuditCheckpoint(signing: statement, with: keyring)
    let line = signed.jsonLine()
    #expect(SignedAuditCheckpoint.parseAll(line + "\nnot json\n" + line) == [signed, signed])
    #expect(SignedAuditCheckpoint.parseAll("[\(line)]") == [signed])
    let logLine = try JSONSerialization.data(withJSONObject: ["message": "audit checkpoint", "audit_checkpoint": line])
    #expect(SignedAuditCheckpoint.parseAll(String(decoding: logLine, as: UTF8.self)) == [signed])
}

@Test func aForgedOrForeignCheckpointIsRefused() async throws {
    let (database, signed) = try await checkpointedLog()
    // The statement edited after signing.
    let edited = signed.statement.replacingOccurrences(of: "\"seq\":5", with: "\"seq\":4")
    let forged = try #require(
        SignedAuditCheckpoint(
            statement: edited, signature: signed.signature.base64EncodedString(), publicKey: signed.key.publicKey))
    let badSignature = try await AuditVerifier(store: database.audit, keyring: testKeyring(), checkpoints: [forged]).verify()
    #expect(badSignature.firstBreak?.reason.contains("signature does not verify") == true)
    // A checkpoint the attacker signed with a key of their own.
    let statement = signed.checkpoint
    let theirs = try SignedAuditCheckpoint(
        signing: AuditCheckpoint(
            seq: statement.seq, hash: statement.hash, time: statement.time, writer: statement.writer,
            writers: statement.writers, keyFingerprint: testKeyring(3).checkpointKey.fingerprint),
        with: testKeyring(3))
    let foreign = try await AuditVerifier(store: database.audit, keyring: testKeyring(), checkpoints: [theirs]).verify()
    #expect(foreign.firstBreak?.reason.contains("not the audit checkpoint key") == true)
    // Without the KEK, a pinned key refuses it too.
    let pinned = try await AuditVerifier(
        store: database.audit, checkpoints: [theirs], checkpointKey: testKeyring().checkpointKey
    ).verify()
    #expect(!pinned.isIntact)
}

@Test func anOutsideCheckpointCatchesTailDeletionEvenWithoutTheKEK() async throws {
    let (database, signed) = try await checkpointedLog(count: 5, after: 2)
    // The attacker drops everything after record 3 and moves the head there.
    try await AuditForgery(database: database).deleteTail(after: 3)
    let report = try await AuditVerifier(
        store: database.audit, checkpoints: [signed], checkpointKey: testKeyring().checkpointKey
    ).verify()
    #expect(report.firstBreak?.seq == 4)
    #expect(report.firstBreak?.reason.contains("records 4...5 were removed") == true)
    // Deleting only after the checkpoint (records 6...8) is beyond what this checkpoint proves without the KEK.
    let (database2, signed2) = try await checkpointedLog(count: 5, after: 2)
    try await AuditForgery(database: database2).deleteTail(after: 6)
    #expect(try await AuditVerifier(store: database2.audit, checkpoints: [signed2]).verify().isIntact)
    // With the KEK the moved head gives it away.
    #expect(try await !AuditVerifier(store: database2.audit, keyring: testKeyring(), checkpoints: [signed2]).verify().isIntact)
}

@Test func anOutsideCheckpointCatchesARechainedMiddleEvenStrippedToLegacy() async throws {
    let (database, signed) = try await checkpointedLog(count: 5, after: 2)
    // Record 2 removed, everything after re-chained as legacy records with the plain hash (no key, no MAC).
    try await AuditForgery(database: database).rechain(from: 1, stripKeys: true) { $0.seq == 2 ? nil : $0 }
    let withoutKEK = try await AuditVerifier(store: database.audit, checkpoints: [signed]).verify()
    #expect(withoutKEK.firstBreak?.seq == 5)
    #expect(withoutKEK.firstBreak?.reason.contains("rewritten") == true)
}

@Test func twoOutsideCheckpointsThatDisagreeAreAFork() async throws {
    let (database, signed) = try await checkpointedLog()
    let other = AuditCheckpoint(
        seq: 5, hash: String(repeating: "b", count: 64), time: "2026-01-01T00:00:00.000Z", writer: "writer-a", writers: [:],
        keyFingerprint: testKeyring().checkpointKey.fingerprint)
    let conflicting = try SignedAuditCheckpoint(signing: other, with: testKeyring())
    let report = try await AuditVerifier(
        store: database.audit, keyring: testKeyring(), checkpoints: [signed, conflicting]
    ).verify()
    #expect(report.firstBreak?.reason.contains("disagree") == true)
}

@Test func checkpointsNeedTheKeys() async throws {
    let database = try SQLiteStorage(directory: temporaryDirectory())
    let log = try await AuditLog(store: database.audit, clock: SystemTimeSource())
    await #expect(throws: AuditError.self) { try await log.checkpoint() }
}
