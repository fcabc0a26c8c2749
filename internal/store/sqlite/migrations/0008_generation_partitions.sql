-- The store's generation (Store.Generation) and the waiting claims by
-- country (Store.UnfusedClaimsIn).
--
-- The generation was the largest version rowid plus the largest import
-- and prune run ids: it stood still when a write left no version (a source, an
-- article, a rejection, a finished import), and a deleted last version
-- gave its rowid back, so that a later write could bring an earlier
-- generation back and the server serve an answer cached under it. Now it
-- is a counter that triggers on the tables an answer is made of move on
-- every change, so that no write path can forget it; it starts past the
-- old value, so that a client's ETag from before never matches again.
--
-- SQLite's triggers are per row, so they sit where a write shows once,
-- not on the rows an import writes one per record: every batch that
-- stores reports or claims stores their raw rows and documents in a few
-- raw chunks: one counter update per chunk, not per record (on every
-- version row it cost an import 7-9%, on the chunks nothing measurable:
-- BenchmarkGenerationCost, 2026-11-25); fusion and
-- corrections show in the claims they move to an incident and the
-- incidents they update; the rest (sources, rejections, import runs,
-- articles, prunes, retirements, constraints, the model) is one row per
-- change; a prune also updates the reports and chunks it empties.
-- Deletions count on every table, for retention and restores. SQLite has
-- one writer at a time, so the counter row holds no writer back.
CREATE TABLE store_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO store_generation (id, n) VALUES (1,
    1 + coalesce((SELECT max(rowid) FROM incident_versions), 0) + coalesce((SELECT max(id) FROM import_runs), 0)
    + coalesce((SELECT max(id) FROM prune_runs), 0));
CREATE TRIGGER gen_raw_chunks_insert AFTER INSERT ON raw_chunks BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_raw_chunks_update AFTER UPDATE ON raw_chunks BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_raw_chunks_delete AFTER DELETE ON raw_chunks BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_incidents_update AFTER UPDATE ON incidents BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_incidents_delete AFTER DELETE ON incidents BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_incident_versions_delete AFTER DELETE ON incident_versions BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_claims_update AFTER UPDATE OF incident_id ON claims BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_claims_delete AFTER DELETE ON claims BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_reports_update AFTER UPDATE ON reports BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_reports_delete AFTER DELETE ON reports BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_sources_insert AFTER INSERT ON sources BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_sources_update AFTER UPDATE ON sources BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_sources_delete AFTER DELETE ON sources BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_rejections_insert AFTER INSERT ON rejections BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_rejections_delete AFTER DELETE ON rejections BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_import_runs_insert AFTER INSERT ON import_runs BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_import_runs_update AFTER UPDATE ON import_runs BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_prune_runs_insert AFTER INSERT ON prune_runs BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_articles_insert AFTER INSERT ON articles BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_articles_update AFTER UPDATE ON articles BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_articles_delete AFTER DELETE ON articles BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_fuse_retired_insert AFTER INSERT ON fuse_retired BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_fuse_retired_update AFTER UPDATE ON fuse_retired BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_fuse_retired_delete AFTER DELETE ON fuse_retired BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_fuse_constraints_insert AFTER INSERT ON fuse_constraints BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_fuse_constraints_update AFTER UPDATE ON fuse_constraints BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_fuse_constraints_delete AFTER DELETE ON fuse_constraints BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_fuse_model_insert AFTER INSERT ON fuse_model BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_fuse_model_update AFTER UPDATE ON fuse_model BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER gen_fuse_model_delete AFTER DELETE ON fuse_model BEGIN UPDATE store_generation SET n = n + 1 WHERE id = 1; END;

-- A fusion partition's waiting claims, in the order UnfusedClaims gives.
CREATE INDEX claims_unfused_country ON claims (country, id) WHERE fused = 0;
