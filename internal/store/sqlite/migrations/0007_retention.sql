-- Retention (store/retention.go): raw report bodies can be pruned while
-- the reports' metadata, claims and provenance stay.

-- pruned is the time (RFC 3339 text in UTC) the report's raw body was
-- removed, NULL while it is kept. A pruned report keeps its id, source,
-- reference, revision, hash (so that re-importing the same row is still
-- "unchanged"), origin and times; its raw_length is 0, and its bytes in
-- its raw_chunk are zeros (store/retention.go: the claims' documents keep
-- their places).
ALTER TABLE reports ADD COLUMN pruned TEXT;

-- One row per prune that changed something (vigil prune, or the daily
-- prune of serve and worker): when, the cutoff, and its counts (the
-- columns of store.PruneCounts). The audit log says who; this table is
-- what "when was the last prune" reads, and its id moves the store's
-- generation so that cached pages show the pruned state.
CREATE TABLE prune_runs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    cutoff     TEXT NOT NULL,
    reports    INTEGER NOT NULL DEFAULT 0,
    articles   INTEGER NOT NULL DEFAULT 0,
    rejections INTEGER NOT NULL DEFAULT 0,
    bytes      INTEGER NOT NULL DEFAULT 0,
    chunks     INTEGER NOT NULL DEFAULT 0
);
