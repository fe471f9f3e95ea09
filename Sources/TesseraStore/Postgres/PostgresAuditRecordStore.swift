import Foundation
import PostgresNIO
import TesseraAudit

/// The audit log in PostgreSQL, shared by several Tessera servers, each appending to its own chain (`chain`, named
/// per server: `--audit-chain`, by default the host name). A batch is one call of `tessera_audit_append_v2`
/// (`PostgresRoutines`): it locks only its chain's head row, checks the head is the one the batch was chained after,
/// and writes the records, their replay keys and leases and the new head in the call's own transaction, durable at
/// commit (`synchronous_commit = on`). Servers with different chains never wait for each other; servers that share a
/// chain name share the chain (the second gets the actual head back and chains its batch again, below).
///
/// Records are written without `seq`: `sequence(wait:)` (the server's `AuditSequencer`, and every read by `seq`
/// here) gives durable records their place in the log's one order afterwards. `PostgresStorage.audit` runs it on the
/// storage's pool; reads by `seq` are `SQLAuditRecordStore`'s.
struct PostgresAuditRecordStore: SQLAuditRecordStore {
    /// The advisory-lock class serialising the sequencer ("tsau" in ASCII; it serialised every append before named
    /// chains); the second key is the schema's hash, so several Tessera schemas in one database do not wait for each
    /// other.
    static let lockClass: Int32 = 0x7473_6175
    /// Most records one sequencer call orders (it is called again while there are more).
    static let sequenceLimit = 50_000

    let database: PostgresDatabase
    let chain: String
    /// Adds up the time appends waited for their chain's head row (servers sharing a chain name).
    let waits: AuditChainWaits
    /// With the keys (`guardingHeads`): a head found moved is chained after only if it moved forward and carries a
    /// valid head MAC.
    var keyring: AuditKeyring? = nil

    func guardingHeads(with keyring: AuditKeyring) -> any AuditRecordStore {
        var guarded = self
        guarded.keyring = keyring
        return guarded
    }

    func checkpointRecords() async throws -> [AuditRecord] {
        // The body is canonical JSON: a checkpoint's type appears as written here (a value inside `details` would be
        // escaped); the verifier parses each one and checks its type and signature anyway.
        try await read(
            """
            SELECT seq, chain, COALESCE(chain_seq, seq) AS place, prev_hash, hash, body, mac FROM audit_records
            WHERE body LIKE \("%\"type\":\"\(AuditLog.checkpointType)\"%") AND COALESCE(chain_seq, seq) IS NOT NULL
            """
        ).map { try Self.record($0) }
    }

    func orderProblems() async throws -> (unplaced: Int64, duplicateSeqs: Int64) {
        let row = try await read(
            """
            SELECT COUNT(*) FILTER (WHERE seq IS NULL AND chain_seq IS NULL) AS unplaced,
                COUNT(seq) - COUNT(DISTINCT seq) AS duplicates FROM audit_records
            """
        ).first
        return (try row?.int64("unplaced") ?? 0, try row?.int64("duplicates") ?? 0)
    }

    /// Whether this server may chain after `actual`, found where it expected `expected`. With a chain per server the
    /// head moves only when another server given the same chain name appends: forward, with a head MAC only a KEK
    /// holder can make. A head that moved back (the newest records deleted, the head row reset or removed) is
    /// tampering, and sealing after it would hide that: refused, loudly.
    private func trust(_ actual: AuditHead?, mac: String?, after expected: AuditHead?) throws {
        guard let keyring else { return }
        var problem: String?
        if let expected, (actual?.seq ?? 0) <= expected.seq {
            problem = "its head moved back from seq \(expected.seq) to \(actual.map { "seq \($0.seq)" } ?? "nothing")"
        } else if let actual, !keyring.verifiesHeadMAC(actual, mac: mac, chain: chain) {
            problem = "its head (seq \(actual.seq)) carries no valid MAC"
        }
        guard let problem else { return }
        database.logger.critical(
            "refusing to append to the audit chain: \(problem); nothing is issued until the chain is restored and verifies",
            metadata: ["audit_chain": .string(chain)])
        throw AuditError(.appendFailed, "the audit chain \(chain) was tampered with: \(problem)")
    }

    /// A read of the chain; a database that cannot answer is an `AuditError`, as for appends.
    func read(_ statement: SQL) async throws -> [any SQLRow] {
        do {
            return try await PostgresExecutor(database: database).rows(statement)
        } catch let error as StoreError where error.code == .unavailable {
            throw AuditError(.appendFailed, error.reason)
        }
    }

    func recordedHead() async throws -> AuditHead? {
        try await read("SELECT seq, hash FROM audit_head WHERE chain = \(chain) AND seq > 0").first.map {
            AuditHead(seq: try $0.int64("seq"), hash: try $0.string("hash"))
        }
    }

    func recordedHeadMAC() async throws -> String? {
        try await read("SELECT mac FROM audit_head WHERE chain = \(chain) AND seq > 0").first?.optionalString("mac")
    }

    func chainHeads() async throws -> [AuditChainHead] {
        try await read("SELECT chain, seq, hash, mac FROM audit_head WHERE seq > 0 ORDER BY chain").map {
            AuditChainHead(
                chain: try $0.string("chain"), head: AuditHead(seq: try $0.int64("seq"), hash: try $0.string("hash")),
                mac: try $0.optionalString("mac"))
        }
    }

    func chains() async throws -> [String] {
        try await read(
            "SELECT chain FROM audit_head WHERE seq > 0 UNION SELECT DISTINCT chain FROM audit_records ORDER BY chain"
        ).map { try $0.string("chain") }
    }

    func records(chain: String, after chainSeq: Int64, limit: Int) async throws -> [AuditRecord] {
        try await read(
            """
            SELECT seq, COALESCE(chain_seq, seq) AS place, prev_hash, hash, body, mac FROM audit_records
            WHERE chain = \(chain) AND COALESCE(chain_seq, seq) > \(chainSeq) ORDER BY COALESCE(chain_seq, seq) LIMIT \(limit)
            """
        ).map { try Self.record($0, chain: chain) }
    }

    /// A record from a row of `seq, [chain,] place, prev_hash, hash, body, mac` (`place` is `COALESCE(chain_seq, seq)`;
    /// a record not yet sequenced has `seq` 0); `chain` when the statement selected one chain's rows only.
    private static func record(_ row: any SQLRow, chain: String? = nil) throws -> AuditRecord {
        AuditRecord(
            seq: try row.optionalInt64("seq") ?? 0, chain: try chain ?? row.string("chain"), chainSeq: try row.int64("place"),
            prevHash: try row.string("prev_hash"), hash: try row.string("hash"), body: try row.string("body"),
            mac: try row.optionalString("mac"))
    }

    /// Sequences first, so a reader sees every record durable before it asked.
    func records(after seq: Int64, limit: Int) async throws -> [AuditRecord] {
        try await sequence(wait: true)
        return try await read(
            """
            SELECT seq, chain, COALESCE(chain_seq, seq) AS place, prev_hash, hash, body, mac FROM audit_records
            WHERE seq > \(seq) ORDER BY seq LIMIT \(limit)
            """
        ).map { try Self.record($0) }
    }

    func sequence(wait: Bool) async throws {
        while true {
            let done =
                try await read("SELECT tessera_audit_sequence_v1(\(raw: "\(wait)"), \(raw: "\(Self.sequenceLimit)")) AS done")
                .first?
                .int64("done") ?? 0
            if done < Int64(Self.sequenceLimit) { return }
        }
    }

    func append(_ records: [AuditRecord]) async throws {
        guard let first = records.first else { return }
        let expected = first.chainSeq == 1 ? nil : AuditHead(seq: first.chainSeq - 1, hash: first.prevHash)
        guard case .appended = try await append(records, after: expected) else {
            throw AuditError(.appendFailed, "the audit head moved: another writer appended first")
        }
    }

    /// One call of `tessera_audit_append_v2`: written when the head is `expected`, else nothing and the actual head.
    func append(_ records: [AuditRecord], after expected: AuditHead?) async throws -> AppendResult {
        try await appendReportingMAC(records, after: expected).result
    }

    private func appendReportingMAC(
        _ records: [AuditRecord], after expected: AuditHead?
    ) async throws -> (result: AppendResult, mac: String?) {
        guard !records.isEmpty else { return (.appended, nil) }
        let (chain, waits) = (self.chain, self.waits)
        return try await withConnection { connection, logger in
            try await Self.call(records, chain: chain, after: expected, waits: waits, on: connection, logger: logger)
        }
    }

    /// A batch is one round trip while no other server appends to this chain. When another one moved the head (two
    /// servers with one chain name), the batch is chained again inside a transaction: its first call locks the head
    /// row and, should the head have moved once more, the second call (chained after the head the first one
    /// reported) cannot miss; the row stays locked until the commit.
    func append(
        after expected: AuditHead?, chaining chain: @Sendable (AuditHead?) throws -> [AuditRecord]
    ) async throws -> [AuditRecord] {
        let records = try chain(expected)
        guard !records.isEmpty else { return [] }
        let (first, mac) = try await appendReportingMAC(records, after: expected)
        guard case .headMoved(let actual) = first else { return records }
        try trust(actual, mac: mac, after: expected)
        let (name, waits, store) = (self.chain, self.waits, self)
        // Lent, not captured: the write runs under `PostgresDeadline`, which may abandon it (see there).
        return try await withoutActuallyEscaping(chain) { chain in
            let lent = PostgresLentClosure(chain)
            defer { lent.revoke() }
            return try await withConnection { [call = lent.call] connection, logger in
                try await connection.transaction(logger: logger) {
                    var head = actual
                    for _ in 0..<2 {
                        let records = try call(head)
                        let (result, mac) = try await Self.call(
                            records, chain: name, after: head, waits: waits, on: connection, logger: logger)
                        guard case .headMoved(let moved) = result else { return records }
                        try store.trust(moved, mac: mac, after: head)
                        head = moved
                    }
                    throw AuditError(.appendFailed, "the audit head moved while this server held its chain's head row")
                }
            }
        }
    }

    /// Calls `tessera_audit_append_v2` on `connection` (in its transaction, if one is open).
    private static func call(
        _ records: [AuditRecord], chain: String, after expected: AuditHead?, waits: AuditChainWaits,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> (AppendResult, String?) {
        guard let last = records.last else { return (.appended, nil) }
        // Servers sharing PostgreSQL count tool calls in the database (`recordCall`); a count carried by a record is a
        // server alone on SQLite's, and dropping it here would lose calls from the budget.
        guard !records.contains(where: { $0.callCount != nil }) else {
            throw AuditError(.appendFailed, "a tool-call count cannot be written beside a record on PostgreSQL")
        }
        let replays = records.compactMap(\.replayGuard)
        let leases = records.compactMap(\.lease)
        // Arrays cannot carry NULL here: an empty task id (or MAC) stands for none.
        let query: PostgresQuery = """
            SELECT appended, head_seq, head_hash, head_mac, waited FROM tessera_audit_append_v2(
                \(chain)::TEXT, \(expected?.seq)::BIGINT, \(expected?.hash)::TEXT, \(records.map(\.chainSeq))::BIGINT[],
                \(records.map(\.prevHash))::TEXT[], \(records.map(\.hash))::TEXT[], \(records.map(\.body))::TEXT[],
                \(records.map { $0.mac ?? "" })::TEXT[], \(replays.map(\.key))::TEXT[],
                \(replays.map(\.expiresAt.timeIntervalSince1970))::DOUBLE PRECISION[], \(leases.map(\.id))::TEXT[],
                \(leases.map(\.kind))::TEXT[], \(leases.map(\.subject))::TEXT[], \(leases.map { $0.taskID ?? "" })::TEXT[],
                \(leases.map(\.issuedAt.timeIntervalSince1970))::DOUBLE PRECISION[],
                \(leases.map(\.expiresAt.timeIntervalSince1970))::DOUBLE PRECISION[], \(last.headMAC)::TEXT)
            """
        let rows = try await connection.rows(query, logger: logger)
        guard let row = rows.first,
            let (appended, seq, hash, mac, waited) = try? row.decode((Bool, Int64?, String?, String?, Double).self)
        else {
            throw AuditError(.appendFailed, "PostgreSQL answered the audit append with no outcome")
        }
        waits.add(seconds: waited, records: appended ? records.count : 0)
        if appended { return (.appended, nil) }
        guard let seq, let hash else { return (.headMoved(nil), mac) }
        return (.headMoved(AuditHead(seq: seq, hash: hash)), mac)
    }

    /// Runs `body` on a pooled connection (within `PostgresDeadline`'s limits); any failure is `appendFailed`.
    private func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> Result
    ) async throws -> Result {
        let logger = database.logger
        do {
            return try await database.withConnection { connection in try await body(connection, logger) }
        } catch {
            throw AuditError(.appendFailed, "PostgreSQL did not take the audit batch")
        }
    }
}
