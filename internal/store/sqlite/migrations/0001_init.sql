-- vigil's first schema (SQLite). Dates are 'YYYY-MM-DD' text, NULL when
-- unknown; times are RFC 3339 text in UTC; documents are JSON text. The
-- full model values live in the doc columns; the other columns are copies
-- of the few fields that queries filter, sort or join on.

-- A dataset, feed or form that reports come from.
CREATE TABLE sources (
    name        TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    reliability REAL NOT NULL DEFAULT 0
);

-- The raw bytes of reports, one row per import batch: the batch's raw
-- reports concatenated in order, encoded by codec ('' = as is, 'zstd').
-- A whole batch compresses far better than rows one by one, and one row
-- a batch is far less to write than one a report.
CREATE TABLE raw_chunks (
    id    INTEGER PRIMARY KEY,
    codec TEXT NOT NULL DEFAULT '',
    data  BLOB NOT NULL
);

-- Reports as received, never changed except to mark them superseded by a
-- newer report of the same source_ref. The raw report is the raw_length
-- bytes at raw_offset in the decoded raw_chunk.
CREATE TABLE reports (
    id            TEXT PRIMARY KEY,
    source        TEXT NOT NULL REFERENCES sources (name),
    source_ref    TEXT NOT NULL,
    revision      INTEGER NOT NULL DEFAULT 0,
    hash          TEXT NOT NULL,
    raw_chunk     INTEGER NOT NULL REFERENCES raw_chunks (id),
    raw_offset    INTEGER NOT NULL,
    raw_length    INTEGER NOT NULL,
    origin        TEXT NOT NULL DEFAULT '',
    fetched       TEXT NOT NULL,
    published     TEXT,
    superseded_by TEXT
);
CREATE INDEX reports_source_ref ON reports (source, source_ref);

-- Incidents in their current version; every version, the current one
-- included, is also in incident_versions. admin1 is case-folded for the
-- Admin1 filter, actors is the lower-cased perpetrator and claimed_by
-- names (one a line) for the Actor filter, end_date is the start when the
-- end is unknown. The doc has every field as given.
CREATE TABLE incidents (
    id          TEXT PRIMARY KEY,
    version     INTEGER NOT NULL,
    status      TEXT NOT NULL,
    start_date  TEXT,
    end_date    TEXT,
    country     TEXT NOT NULL DEFAULT '',
    admin1      TEXT NOT NULL DEFAULT '',
    attack_type TEXT NOT NULL DEFAULT '',
    killed_best INTEGER,
    perpetrator TEXT NOT NULL DEFAULT '',
    actors      TEXT NOT NULL DEFAULT '',
    doc         TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    updated     TEXT NOT NULL
);
CREATE INDEX incidents_start ON incidents (start_date, id);
-- The country index ends in the sort order, so that a country's page
-- streams from it without sorting. The attack type index does not: one
-- that did cost a tenth more import time, and an attack type is rarely
-- the only filter.
CREATE INDEX incidents_country_start ON incidents (country, start_date, id);
CREATE INDEX incidents_attack_type ON incidents (attack_type);

-- What one report says about one event. The claim's document (JSON, every
-- field as given) is the doc_length bytes at doc_offset in its report's
-- decoded raw chunk: it is read only for an incident's history, and
-- compresses there with the raw row it repeats. The other columns are the
-- ones fusion blocks and compares on.
CREATE TABLE claims (
    id            TEXT PRIMARY KEY,
    report_id     TEXT NOT NULL REFERENCES reports (id),
    incident_id   TEXT NOT NULL REFERENCES incidents (id),
    superseded_by TEXT,
    source        TEXT NOT NULL,
    start_date    TEXT,
    end_date      TEXT,
    country       TEXT NOT NULL DEFAULT '',
    admin1        TEXT NOT NULL DEFAULT '',
    lat           REAL,
    lon           REAL,
    attack_type   TEXT NOT NULL DEFAULT '',
    doc_offset    INTEGER NOT NULL,
    doc_length    INTEGER NOT NULL
);
CREATE INDEX claims_report ON claims (report_id);
CREATE INDEX claims_incident ON claims (incident_id);

-- Every change to an incident, appended, never overwritten. doc is NULL
-- for the incident's current version, whose document the incident row
-- holds; it is filled in (from the incident row) before the incident
-- changes. An import writes each new incident's document once this way.
CREATE TABLE incident_versions (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    version     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    author      TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    doc         TEXT,
    PRIMARY KEY (incident_id, version)
);

-- Rows an import could not use; re-importing a file replaces its lines.
-- raw is the row as read, bytes kept exactly: a rejected row may well be
-- invalid text.
CREATE TABLE rejections (
    source TEXT NOT NULL,
    file   TEXT NOT NULL,
    line   INTEGER NOT NULL,
    field  TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    raw    BLOB NOT NULL DEFAULT x'',
    at     TEXT NOT NULL,
    PRIMARY KEY (source, file, line)
);

-- The log of imports, one row per file imported.
CREATE TABLE import_runs (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    source    TEXT NOT NULL DEFAULT '',
    file      TEXT NOT NULL DEFAULT '',
    started   TEXT NOT NULL,
    finished  TEXT,
    read      INTEGER NOT NULL DEFAULT 0,
    new       INTEGER NOT NULL DEFAULT 0,
    updated   INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    rejected  INTEGER NOT NULL DEFAULT 0,
    status    TEXT NOT NULL DEFAULT '',
    error     TEXT NOT NULL DEFAULT ''
);
