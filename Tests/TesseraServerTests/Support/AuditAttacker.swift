import Foundation
import TesseraStore

@testable import TesseraAudit

/// Someone with write access to the database (SQLite file or PostgreSQL role) but not the KEK, rewriting the audit
/// chain with plain SQL: the hash function is public, the MAC and checkpoint keys are not.
struct AuditAttacker {
    /// Runs one SQL statement as the attacker.
    let execute: @Sendable (String) async throws -> Void
    /// Reads the records (the attacker can read the table).
    let read: @Sendable () async throws -> [AuditRecord]

    init(sqlite database: SQLiteStorage) {
        execute = { try database.unsafeExecute($0) }
        read = { try await database.audit.records(after: 0, limit: 100_000) }
    }

    init(execute: @escaping @Sendable (String) async throws -> Void, read: @escaping @Sendable () async throws -> [AuditRecord]) {
        self.execute = execute
        self.read = read
    }

    /// (a) Deletes every record after `keep` and moves the stored head there (with that record's MAC: the head MAC
    /// for that seq was overwritten long ago). One chain: the records' places in the log are their places in it.
    func deleteTail(after keep: Int64) async throws {
        let record = try await read().first { $0.chainSeq == keep }!
        try await execute("DELETE FROM audit_records WHERE COALESCE(chain_seq, seq) > \(keep)")
        try await execute(
            "UPDATE audit_head SET seq = \(keep), hash = '\(record.hash)', mac = \(record.mac.map { "'\($0)'" } ?? "NULL")")
    }

    /// (b) Deletes record `seq` and re-chains every later record (renumbered, new prev and hash with the plain
    /// SHA-256); `stripKeys` also removes key, writer and MAC so the records look legacy (unkeyed).
    func deleteAndRechain(_ seq: Int64, stripKeys: Bool) async throws {
        try await rechain(from: seq, stripKeys: stripKeys) { $0.seq == seq ? nil : $0 }
    }

    /// (c) Edits record `seq`'s details and recomputes its hash and every later one.
    func editAndRechain(_ seq: Int64, details: [String: AuditValue]) async throws {
        try await rechain(from: seq, stripKeys: false) { content in
            guard content.seq == seq else { return content }
            return AuditRecordContent(
                seq: content.seq, time: content.time, type: content.type, outcome: content.outcome, actor: content.actor,
                subject: content.subject, reason: content.reason, task: content.task,
                details: content.details.merging(details) { $1 }, prev: content.prev, key: content.key, writer: content.writer,
                chain: content.chain)
        }
    }

    /// Rewrites the chain from `start` on with `edit` (nil drops a record), renumbering and re-hashing; old MACs are
    /// kept (the attacker cannot make new ones) unless stripped; the head moves to the new end.
    func rechain(
        from start: Int64, stripKeys: Bool, _ edit: (AuditRecordContent) -> AuditRecordContent?
    ) async throws {
        let all = try await read()
        var prev = all.first { $0.chainSeq == start - 1 }?.hash ?? AuditRecord.genesisHash
        var seq = start - 1
        var statements = ["DELETE FROM audit_records WHERE COALESCE(chain_seq, seq) >= \(start)"]
        let chain = all.first?.chain ?? ""
        for record in all where record.chainSeq >= start {
            guard let content = edit(try record.content()) else { continue }
            seq += 1
            let forged = AuditRecordContent(
                seq: seq, time: content.time, type: content.type, outcome: content.outcome, actor: content.actor,
                subject: content.subject, reason: content.reason, task: content.task, details: content.details, prev: prev,
                key: stripKeys ? nil : content.key, writer: stripKeys ? nil : content.writer, chain: content.chain)
            let body = forged.canonicalJSON()
            let hash = AuditRecord.digest(body)
            let mac = stripKeys ? "NULL" : record.mac.map { "'\($0)'" } ?? "NULL"
            statements.append(
                "INSERT INTO audit_records (seq, chain, chain_seq, prev_hash, hash, body, mac) VALUES (\(seq), '\(chain)', "
                    + "\(seq), '\(prev)', '\(hash)', '\(body.replacingOccurrences(of: "'", with: "''"))', \(mac))")
            prev = hash
        }
        statements.append("UPDATE audit_head SET seq = \(seq), hash = '\(prev)'\(stripKeys ? ", mac = NULL" : "")")
        for statement in statements { try await execute(statement) }
    }
}
