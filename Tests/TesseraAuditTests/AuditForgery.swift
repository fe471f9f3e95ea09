import Crypto
import Foundation
import TesseraCore
import TesseraStore

@testable import TesseraAudit

/// What an attacker with write access to the SQLite file (but not the KEK) does to the chain.
struct AuditForgery {
    let database: SQLiteStorage

    func records() async throws -> [AuditRecord] { try await database.audit.records(after: 0, limit: 100_000) }

    /// Rewrites every record from `start` on: `edit` changes each record's content (return nil to drop it), then
    /// seq and prev are renumbered and hashes recomputed with the plain hash function; MACs are kept as they were
    /// (the attacker cannot compute new ones) unless `stripKeys`, which makes the records look legacy (no key, no
    /// MAC). The head is moved to the new last record, keeping its old MAC.
    func rechain(
        from start: Int64, stripKeys: Bool = false, _ edit: (AuditRecordContent) -> AuditRecordContent? = { $0 }
    ) async throws {
        let all = try await records()
        var prev = all.first { $0.seq == start - 1 }?.hash ?? AuditRecord.genesisHash
        var seq = start - 1
        var statements = ["DELETE FROM audit_records WHERE seq >= \(start)"]
        for record in all where record.seq >= start {
            guard let content = edit(try record.content()) else { continue }
            seq += 1
            let forged = AuditRecordContent(
                seq: seq, time: content.time, type: content.type, outcome: content.outcome, actor: content.actor,
                subject: content.subject, reason: content.reason, task: content.task, details: content.details, prev: prev,
                key: stripKeys ? nil : content.key, writer: stripKeys ? nil : content.writer)
            let body = forged.canonicalJSON()
            let hash = AuditRecord.digest(body)
            let mac = stripKeys ? "NULL" : record.mac.map { "'\($0)'" } ?? "NULL"
            statements.append(
                "INSERT INTO audit_records (seq, prev_hash, hash, body, mac) VALUES (\(seq), '\(prev)', '\(hash)', "
                    + "'\(body.replacingOccurrences(of: "'", with: "''"))', \(mac))")
            prev = hash
        }
        statements.append("UPDATE audit_head SET seq = \(seq), hash = '\(prev)'\(stripKeys ? ", mac = NULL" : "")")
        for statement in statements { try database.unsafeExecute(statement) }
    }

    /// Deletes every record after `keep` and moves the head there, giving it that record's MAC (the best the attacker
    /// has: the head MAC of that seq is gone).
    func deleteTail(after keep: Int64) async throws {
        let record = try await records().first { $0.seq == keep }!
        try database.unsafeExecute("DELETE FROM audit_records WHERE seq > \(keep)")
        try database.unsafeExecute(
            "UPDATE audit_head SET seq = \(keep), hash = '\(record.hash)', mac = \(record.mac.map { "'\($0)'" } ?? "NULL")")
    }
}

func testKeyring(_ byte: UInt8 = 7) -> AuditKeyring {
    AuditKeyring(rootKey: SymmetricKey(data: Data(repeating: byte, count: 32)))
}

func testSealing(_ byte: UInt8 = 7, writer: String = "writer-a") -> AuditSealing {
    AuditSealing(keyring: testKeyring(byte), writer: writer)
}
