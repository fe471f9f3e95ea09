/// Server-side functions Tessera keeps in its PostgreSQL schema, each a migration of its own (PostgreSQL only; SQLite
/// has no such thing and needs none: one process writes it). A function is never changed once shipped: a new
/// version gets a new name and a new migration, so servers of two versions sharing a database each call their own.
enum PostgresRoutines {
    static let migrations: [(id: String, statements: [String])] = [
        ("pg_001_audit_append", [auditAppend]),
        ("pg_002_audit_chains", auditChains + [auditAppendToChain, auditSequence]),
        ("pg_003_change_counters", [countChange, "DROP TRIGGER IF EXISTS identities_changed ON identities", identitiesChanged]),
    ]

    /// Bumps the `change_counters` row named after the table a statement wrote (`016_change_counters`), in the
    /// writer's transaction. Once per statement: a reader only needs to know that the table changed.
    static let countChange = """
        CREATE OR REPLACE FUNCTION tessera_count_change_v1() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE change_counters SET version = version + 1 WHERE name = TG_TABLE_NAME;
            RETURN NULL;
        END
        $$
        """

    /// Every write to `identities` (rows inserted, updated or deleted, or the table truncated) bumps its counter
    /// (dropped first, not `CREATE OR REPLACE TRIGGER`, which needs PostgreSQL 14).
    static let identitiesChanged = """
        CREATE TRIGGER identities_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON identities
        FOR EACH STATEMENT EXECUTE FUNCTION tessera_count_change_v1()
        """

    /// Named audit chains (`015_audit_chains` added the columns): a record is keyed by its chain and its place in it
    /// (`chain_seq`; NULL on records written before, whose place is their `seq`), `seq` becomes the log's order across
    /// chains, given after the record is durable (`auditSequence`), and each chain has its own head row.
    static let auditChains = [
        "ALTER TABLE audit_records DROP CONSTRAINT IF EXISTS audit_records_pkey",
        "ALTER TABLE audit_records ALTER COLUMN seq DROP NOT NULL",
        "CREATE UNIQUE INDEX IF NOT EXISTS audit_records_seq ON audit_records(seq)",
        "CREATE UNIQUE INDEX IF NOT EXISTS audit_records_chain_seq ON audit_records(chain, (COALESCE(chain_seq, seq)))",
        "CREATE INDEX IF NOT EXISTS audit_records_unsequenced ON audit_records(chain, chain_seq) WHERE seq IS NULL",
        "ALTER TABLE audit_head DROP CONSTRAINT IF EXISTS audit_head_pkey",
        "ALTER TABLE audit_head DROP CONSTRAINT IF EXISTS audit_head_id_check",
        "ALTER TABLE audit_head ALTER COLUMN id DROP NOT NULL",
        "CREATE UNIQUE INDEX IF NOT EXISTS audit_head_chain ON audit_head(chain)",
    ]

    /// One audit batch of one chain in one round trip, waiting for no other chain: locks the chain's head row (made,
    /// empty, on the chain's first batch), and, only if the head is the one the batch was chained after, writes the
    /// records (without `seq`: the sequencer gives it), their replay keys (already claimed ones are kept) and leases,
    /// and moves the head, all in the caller's transaction; fails unless every record, every lease and the head were
    /// written (a trigger that swallows rows cannot make a batch look durable). Answers whether it wrote, the head it
    /// found when it did not (with its MAC, which the server checks before it chains after it), and how long it
    /// waited for the head row (servers sharing a chain name wait for each other there).
    static let auditAppendToChain = """
        CREATE OR REPLACE FUNCTION tessera_audit_append_v2(
            p_chain TEXT, p_expected_seq BIGINT, p_expected_hash TEXT,
            p_seqs BIGINT[], p_prevs TEXT[], p_hashes TEXT[], p_bodies TEXT[], p_macs TEXT[],
            p_replay_keys TEXT[], p_replay_expiries DOUBLE PRECISION[],
            p_lease_ids TEXT[], p_lease_kinds TEXT[], p_lease_subjects TEXT[], p_lease_tasks TEXT[],
            p_lease_issued DOUBLE PRECISION[], p_lease_expires DOUBLE PRECISION[], p_head_mac TEXT,
            OUT appended BOOLEAN, OUT head_seq BIGINT, OUT head_hash TEXT, OUT head_mac TEXT,
            OUT waited DOUBLE PRECISION)
        LANGUAGE plpgsql AS $$
        #variable_conflict use_column
        DECLARE
            last_index INTEGER := array_length(p_seqs, 1);
            started TIMESTAMPTZ := clock_timestamp();
            written INTEGER;
        BEGIN
            SELECT h.seq, h.hash, h.mac INTO head_seq, head_hash, head_mac FROM audit_head h WHERE h.chain = p_chain
                FOR UPDATE;
            IF NOT FOUND THEN
                INSERT INTO audit_head (chain, seq, hash) VALUES (p_chain, 0, '') ON CONFLICT (chain) DO NOTHING;
                SELECT h.seq, h.hash, h.mac INTO head_seq, head_hash, head_mac FROM audit_head h WHERE h.chain = p_chain
                    FOR UPDATE;
            END IF;
            waited := extract(epoch FROM clock_timestamp() - started);
            IF head_seq = 0 THEN
                head_seq := NULL;
                head_hash := NULL;
                head_mac := NULL;
            END IF;
            IF head_seq IS DISTINCT FROM p_expected_seq OR head_hash IS DISTINCT FROM p_expected_hash
                OR last_index IS NULL THEN
                appended := false;
                RETURN;
            END IF;
            INSERT INTO audit_records (chain, chain_seq, prev_hash, hash, body, mac)
                SELECT p_chain, r.seq, r.prev, r.hash, r.body, NULLIF(r.mac, '')
                FROM unnest(p_seqs, p_prevs, p_hashes, p_bodies, p_macs) AS r(seq, prev, hash, body, mac);
            GET DIAGNOSTICS written = ROW_COUNT;
            IF written <> last_index THEN
                RAISE EXCEPTION 'tessera: % of % audit records were written (a trigger or rule on audit_records?)',
                    written, last_index;
            END IF;
            INSERT INTO replay_keys (key, expires_at)
                SELECT k.key, k.expires FROM unnest(p_replay_keys, p_replay_expiries) AS k(key, expires)
                ON CONFLICT DO NOTHING;
            INSERT INTO leases (id, kind, subject, task_id, issued_at, expires_at)
                SELECT l.id, l.kind, l.subject, NULLIF(l.task, ''), l.issued, l.expires
                FROM unnest(p_lease_ids, p_lease_kinds, p_lease_subjects, p_lease_tasks, p_lease_issued, p_lease_expires)
                    AS l(id, kind, subject, task, issued, expires);
            GET DIAGNOSTICS written = ROW_COUNT;
            IF written <> COALESCE(array_length(p_lease_ids, 1), 0) THEN
                RAISE EXCEPTION 'tessera: % of % leases were written', written, COALESCE(array_length(p_lease_ids, 1), 0);
            END IF;
            UPDATE audit_head h SET seq = p_seqs[last_index], hash = p_hashes[last_index], mac = p_head_mac
                WHERE h.chain = p_chain;
            GET DIAGNOSTICS written = ROW_COUNT;
            IF written <> 1 THEN
                RAISE EXCEPTION 'tessera: the audit head of chain % was not moved (a trigger or rule on audit_head?)', p_chain;
            END IF;
            appended := true;
            head_seq := p_seqs[last_index];
            head_hash := p_hashes[last_index];
            head_mac := p_head_mac;
        END
        $$
        """

    /// Gives up to `p_limit` durable records without a `seq` theirs (rows with no place in a chain either are not
    /// Tessera's, are never sequenced, and `audit verify` reports them), after every record that has one, chain by chain in
    /// chain order (a chain's batches commit one after another, so no record is ever sequenced before an earlier one
    /// of its chain). Serialised by the advisory lock the single-chain append used (`PostgresAuditRecordStore.lockClass`):
    /// with `p_wait` false a busy sequencer answers -1 at once. Off every append's path: readers that follow `seq`
    /// (sinks, posture, the console) see a record once it is sequenced, and never a lower `seq` after a higher one.
    static let auditSequence = """
        CREATE OR REPLACE FUNCTION tessera_audit_sequence_v1(p_wait BOOLEAN, p_limit INTEGER) RETURNS BIGINT
        LANGUAGE plpgsql AS $$
        DECLARE
            top BIGINT;
            done BIGINT;
        BEGIN
            IF p_wait THEN
                PERFORM pg_advisory_xact_lock(\(PostgresAuditRecordStore.lockClass), hashtext(current_schema()));
            ELSIF NOT pg_try_advisory_xact_lock(\(PostgresAuditRecordStore.lockClass), hashtext(current_schema())) THEN
                RETURN -1;
            END IF;
            SELECT COALESCE(MAX(r.seq), 0) INTO top FROM audit_records r;
            UPDATE audit_records r SET seq = top + p.n
                FROM (SELECT u.chain, u.chain_seq, row_number() OVER (ORDER BY u.chain, u.chain_seq) AS n
                      FROM audit_records u WHERE u.seq IS NULL AND u.chain_seq IS NOT NULL
                      ORDER BY u.chain, u.chain_seq LIMIT p_limit) p
                WHERE r.seq IS NULL AND r.chain = p.chain AND r.chain_seq = p.chain_seq;
            GET DIAGNOSTICS done = ROW_COUNT;
            RETURN done;
        END
        $$
        """

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
