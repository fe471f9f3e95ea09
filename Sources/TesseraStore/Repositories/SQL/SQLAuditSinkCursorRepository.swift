import Foundation

/// The audit sinks' cursors and leases (`audit_sink_cursors`), on either engine. Every lease change is one
/// conditional statement: two servers racing for a sink serialise on its row, and one wins.
struct SQLAuditSinkCursorRepository: AuditSinkCursorRepository {
    let sql: any SQLExecutor

    func acquire(sink: String, holder: String, until: Date, now: Date) async throws -> Int64? {
        try await sql.execute(
            """
            INSERT INTO audit_sink_cursors (sink, delivered_seq, holder, lease_expires_at, updated_at)
            VALUES (\(sink), 0, \(holder), \(until), \(now))
            ON CONFLICT (sink) DO UPDATE SET holder = excluded.holder, lease_expires_at = excluded.lease_expires_at
            WHERE audit_sink_cursors.holder IS NULL OR audit_sink_cursors.holder = excluded.holder
                OR audit_sink_cursors.lease_expires_at <= \(now)
            RETURNING delivered_seq
            """
        ).first?.int64("delivered_seq")
    }

    func advance(sink: String, holder: String, to seq: Int64, until: Date, now: Date) async throws -> Bool {
        try await !sql.execute(
            """
            UPDATE audit_sink_cursors SET delivered_seq = \(seq), lease_expires_at = \(until), updated_at = \(now)
            WHERE sink = \(sink) AND holder = \(holder) RETURNING sink
            """
        ).isEmpty
    }

    func release(sink: String, holder: String) async throws {
        try await sql.execute(
            "UPDATE audit_sink_cursors SET holder = NULL, lease_expires_at = NULL WHERE sink = \(sink) AND holder = \(holder)")
    }

    func cursors() async throws -> [AuditSinkCursor] {
        try await sql.rows(
            "SELECT sink, delivered_seq, holder, lease_expires_at, updated_at FROM audit_sink_cursors ORDER BY sink"
        ).map { row in
            AuditSinkCursor(
                sink: try row.string("sink"), deliveredSeq: try row.int64("delivered_seq"),
                holder: try row.optionalString("holder"), leaseExpiresAt: try row.optionalDate("lease_expires_at"),
                updatedAt: try row.date("updated_at"))
        }
    }
}
