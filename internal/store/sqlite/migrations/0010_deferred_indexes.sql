-- Secondary indexes that a first import into an empty store dropped, to
-- build them once at its end (one sort each) instead of entry by entry
-- in every batch: name and the CREATE statement as sqlite_master had it.
-- A row left here (an import killed before its end) is built when the
-- store is next opened, so the indexes are never lost for long.
CREATE TABLE deferred_indexes (
    name TEXT PRIMARY KEY,
    sql  TEXT NOT NULL
);
