import TesseraAudit

/// The audit chain's reads, written once over `SQLExecutor` for both engines' stores: only their appends differ
/// (SQLite's single writer; PostgreSQL's cross-server lock). A corrupt row is `StoreError(.corrupted)`.
protocol SQLAuditRecordStore: AuditRecordStore {
    /// Runs a read of the chain.
    func read(_ statement: SQL) async throws -> [any SQLRow]
}

extension SQLAuditRecordStore {
    func recordedHead() async throws -> AuditHead? {
        try await read("SELECT seq, hash FROM audit_head WHERE id = 1").first.map {
            AuditHead(seq: try $0.int64("seq"), hash: try $0.string("hash"))
        }
    }

    func recordedHeadMAC() async throws -> String? {
        try await read("SELECT mac FROM audit_head WHERE id = 1").first?.optionalString("mac")
    }

    func records(after seq: Int64, limit: Int) async throws -> [AuditRecord] {
        try await read(
            "SELECT seq, prev_hash, hash, body, mac FROM audit_records WHERE seq > \(seq) ORDER BY seq LIMIT \(limit)"
        )
        .map {
            AuditRecord(
                seq: try $0.int64("seq"), prevHash: try $0.string("prev_hash"), hash: try $0.string("hash"),
                body: try $0.string("body"), mac: try $0.optionalString("mac"))
        }
    }
}
