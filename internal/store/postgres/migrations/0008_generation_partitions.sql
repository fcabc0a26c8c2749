-- The store's generation, per database (Store.Generation), and the
-- waiting claims by country (Store.UnfusedClaimsIn).
--
-- The generation was the cluster's next transaction id, which every
-- database's writes move (and which a transaction that had its id before
-- a reader looked could commit under without moving). Now each
-- transaction that writes the data an answer is made of leaves one row,
-- its transaction id, in store_writes, from statement triggers on the
-- tables such writes touch, so that no write path can forget it; the row becomes
-- visible with the writes, at commit. The generation is base plus the
-- rows: it grows by one for each committed writing transaction, and
-- only then. Writers insert distinct keys, so they never wait for each
-- other (a single counter row would hold every writer behind the one
-- that updated it first, until its commit). Now and then (one writing
-- transaction in 1,024, the one that holds the compaction lock) a
-- writer folds the committed rows into base, keeping the sum, so that
-- counting the rows stays cheap.
CREATE TABLE store_generation (
    id   integer PRIMARY KEY CHECK (id = 1),
    base bigint NOT NULL
);
INSERT INTO store_generation (id, base) VALUES (1, 0);
CREATE TABLE store_writes (xid bigint PRIMARY KEY);

CREATE FUNCTION vigil_store_written() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    x bigint := pg_current_xact_id()::text::bigint;
BEGIN
    -- Once a transaction: the mark is local to it (and to a savepoint
    -- rolled back with the row).
    IF current_setting('vigil.written', true) = x::text THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('vigil.written', x::text, true);
    INSERT INTO store_writes (xid) VALUES (x) ON CONFLICT DO NOTHING;
    -- The lock key is 0x766967696c000010, "vigil" 16 (postgres.go has the others).
    IF x % 1024 = 0 AND pg_try_advisory_xact_lock(8532464671511281680) THEN
        WITH gone AS (DELETE FROM store_writes WHERE xid <> x RETURNING 1)
        UPDATE store_generation SET base = base + (SELECT count(*) FROM gone);
    END IF;
    RETURN NULL;
END $$;

-- The triggers sit where a write shows once, not on every statement of
-- an import's per-record writes (which cost an import 2-5% on every
-- table, BenchmarkGenerationCost): every batch that stores reports or
-- claims stores their raw rows and documents in raw chunks; fusion and
-- corrections show in the claims they move to an incident and the
-- incidents they update; the rest is a statement per change. Deletions
-- and truncations count everywhere (retention, restores). ENABLE
-- ALWAYS: an import turns ordinary triggers off for its transaction
-- (session_replication_role = replica, see import.go); these must still
-- run.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('raw_chunks', 'INSERT OR UPDATE OR DELETE OR TRUNCATE'),
        ('incidents', 'UPDATE OR DELETE OR TRUNCATE'),
        ('incident_versions', 'DELETE OR TRUNCATE'),
        ('claims', 'UPDATE OF incident_id OR DELETE OR TRUNCATE'),
        ('reports', 'UPDATE OR DELETE OR TRUNCATE'),
        ('sources', 'INSERT OR UPDATE OR DELETE OR TRUNCATE'),
        ('rejections', 'INSERT OR UPDATE OR DELETE OR TRUNCATE'),
        ('import_runs', 'INSERT OR UPDATE OR DELETE OR TRUNCATE'),
        ('prune_runs', 'INSERT OR UPDATE OR DELETE OR TRUNCATE'),
        ('articles', 'INSERT OR UPDATE OR DELETE OR TRUNCATE'),
        ('fuse_retired', 'INSERT OR UPDATE OR DELETE OR TRUNCATE'),
        ('fuse_constraints', 'INSERT OR UPDATE OR DELETE OR TRUNCATE'),
        ('fuse_model', 'INSERT OR UPDATE OR DELETE OR TRUNCATE')) AS x (tbl, events) LOOP
        EXECUTE format('CREATE TRIGGER store_written AFTER %s ON %I FOR EACH STATEMENT EXECUTE FUNCTION vigil_store_written()',
            t.events, t.tbl);
        EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER store_written', t.tbl);
    END LOOP;
END $$;

-- A fusion partition's waiting claims, in the order they came.
CREATE INDEX claims_unfused_country ON claims (country, seq) WHERE NOT fused;
