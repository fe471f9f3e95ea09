import Crypto
import Foundation
import Logging
import TesseraAudit
import TesseraCore
import TesseraStore
import Testing

@testable import TesseraServer

/// Attacker finding: a database writer who removes a server's newest records and then makes every checkpoint append
/// fail kept their statement from ever leaving the database. When a checkpoint cannot be written, the server sends a
/// signed statement of the head it holds in memory to the same outside places, and that statement pins the records.
@Suite struct AuditCheckpointServiceTests {
    @Test func aRefusedCheckpointStillSendsTheInMemoryHeadOut() async throws {
        let directory = NSTemporaryDirectory() + "tessera-checkpoint-service-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try SQLiteStorage(directory: directory)
        let keyring = AuditKeyring(rootKey: SymmetricKey(size: .bits256))
        let audit = try await AuditLog(
            store: database.audit, clock: SystemTimeSource(), sealing: AuditSealing(keyring: keyring, writer: "w-1"))
        for index in 0..<5 { try await audit.append(AuditEvent(type: "test.out", outcome: .success, actor: "\(index)")) }
        var configuration = AuditCheckpointConfiguration()
        configuration.file = directory + "/checkpoints.jsonl"
        let service = AuditCheckpointService(audit: audit, configuration: configuration, logger: Logger(label: "test"))

        try database.unsafeExecute(
            "CREATE TRIGGER refuse BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'refused'); END")
        #expect(await service.checkpoint() == nil, "no checkpoint record was written")
        let text = try String(contentsOfFile: configuration.file!, encoding: .utf8)
        let statements = SignedAuditCheckpoint.parseAll(text)
        #expect(statements.count == 1)
        #expect(statements.first?.checkpoint.seq == 5 && statements.first?.checkpoint.hash == audit.head?.hash)
        #expect(statements.first?.key == keyring.checkpointKey)

        // The writer removes records 4 and 5 and moves the head back: the statement that left proves it.
        try database.unsafeExecute("DROP TRIGGER refuse")
        try database.unsafeExecute("DELETE FROM audit_records WHERE seq > 3")
        let report = try await AuditVerifier(store: database.audit, keyring: keyring, checkpoints: statements).verify()
        #expect(
            report.firstBreak?.reason.contains("records 4...5 were removed") == true, "\(String(describing: report.firstBreak))")
    }
}
