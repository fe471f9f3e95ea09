/// Server-side functions Tessera keeps in its PostgreSQL schema, each a migration of its own (PostgreSQL only; SQLite
/// has no such thing and needs none: one process writes it). A function is never changed once shipped: a new
/// version gets a new name and a new migration, so servers of two versions sharing a database each call their own.
enum PostgresRoutines {
    static let migrations: [(id: String, statements: [String])] = [("pg_001_audit_append", [auditAppend])]

    /// One audit batch in one round trip: takes the chain's advisory lock (`PostgresAuditRecordStore.lockClass`, per
    /// schema), reads the head (a statement of its own, so it sees whatever committed while the lock was awaited),
    /// and, only if the head is the one the batch was chained after, writes the records, their replay keys (already
    /// claimed ones are kept) and leases and moves the head, all in the caller's transaction. Answers whether it
    /// wrote, and the head it found when it did not.
    static let auditAppend = """
        CREATE OR REPLACE FUNCTION tessera_audit_append_v1(
            p_expected_seq BIGINT, p_expected_hash TEXT,
            p_seqs BIGINT[], p_prevs TEXT[], p_hashes TEXT[], p_bodies TEXT[], p_macs TEXT[],
            p_replay_keys TEXT[], p_replay_expiries DOUBLE PRECISION[],
            p_lease_ids TEXT[], p_lease_kinds TEXT[], p_lease_subjects TEXT[], p_lease_tasks TEXT[],
            p_lease_issued DOUBLE PRECISION[], p_lease_expires DOUBLE PRECISION[], p_head_mac TEXT,
            OUT appended BOOLEAN, OUT head_seq BIGINT, OUT head_hash TEXT)
        LANGUAGE plpgsql AS $$
        #variable_conflict use_column
        DECLARE
            last_index INTEGER := array_length(p_seqs, 1);
        BEGIN
            PERFORM pg_advisory_xact_lock(\(PostgresAuditRecordStore.lockClass), hashtext(current_schema()));
            SELECT h.seq, h.hash INTO head_seq, head_hash FROM audit_head h WHERE h.id = 1;
            IF head_seq IS DISTINCT FROM p_expected_seq OR head_hash IS DISTINCT FROM p_expected_hash
                OR last_index IS NULL THEN
                appended := false;
                RETURN;
            END IF;
            INSERT INTO audit_records (seq, prev_hash, hash, body, mac)
                SELECT r.seq, r.prev, r.hash, r.body, NULLIF(r.mac, '')
                FROM unnest(p_seqs, p_prevs, p_hashes, p_bodies, p_macs) AS r(seq, prev, hash, body, mac);
            INSERT INTO replay_keys (key, expires_at)
                SELECT k.key, k.expires FROM unnest(p_replay_keys, p_replay_expiries) AS k(key, expires)
                ON CONFLICT DO NOTHING;
            INSERT INTO leases (id, kind, subject, task_id, issued_at, expires_at)
                SELECT l.id, l.kind, l.subject, NULLIF(l.task, ''), l.issued, l.expires
                FROM unnest(p_lease_ids, p_lease_kinds, p_lease_subjects, p_lease_tasks, p_lease_issued, p_lease_expires)
                    AS l(id, kind, subject, task, issued, expires);
            INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, p_seqs[last_index], p_hashes[last_index], p_head_mac)
                ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac;
            appended := true;
            head_seq := p_seqs[last_index];
            head_hash := p_hashes[last_index];
        END
        $$
        """
}
