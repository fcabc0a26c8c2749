-- Fusion (internal/fuse): claims linked into incidents across sources.

-- fused marks claims that fusion has placed; an import stores claims
-- unfused (0) and the fusion step that follows it takes them from the
-- partial index, which holds only the few claims still waiting.
ALTER TABLE claims ADD COLUMN fused INTEGER NOT NULL DEFAULT 0;
CREATE INDEX claims_unfused ON claims (id) WHERE fused = 0;

-- What fusion keeps of each placed claim, beside the compressed chunk
-- that holds the claim's full document: the claim as fusion reads it
-- (fuse.Slim: the codes fusion uses, the text clipped), its report's
-- times and reference, its blocking window (days since 1970-01-01,
-- widened by its precision) and the link that joined it to its incident
-- (JSON, NULL for an incident's first claim). Candidates for a new claim
-- come from the block index: one country, windows that overlap; windows
-- longer than fuse.NarrowSpan days (month- and year-precise claims) are
-- marked wide and looked up apart, so that the common short windows are
-- an index range.
CREATE TABLE fuse_claims (
    claim_id    TEXT PRIMARY KEY REFERENCES claims (id),
    incident_id TEXT NOT NULL,
    source      TEXT NOT NULL,
    source_ref  TEXT NOT NULL,
    country     TEXT NOT NULL DEFAULT '',
    win_lo      INTEGER NOT NULL,
    win_hi      INTEGER NOT NULL,
    wide        INTEGER NOT NULL DEFAULT 0,
    published   TEXT,
    fetched     TEXT NOT NULL,
    doc         TEXT NOT NULL,
    link        TEXT
);
CREATE INDEX fuse_claims_block ON fuse_claims (country, wide, win_lo);
CREATE INDEX fuse_claims_window ON fuse_claims (wide, win_lo);
CREATE INDEX fuse_claims_incident ON fuse_claims (incident_id);

-- Incidents merged into others leave the incidents table (listings and
-- statistics count live incidents only); their versions stay, the last
-- one saying where they went, and this table answers "where is it now".
-- incident_versions loses its foreign key to incidents for that: it is
-- rebuilt as it was, without the reference.
CREATE TABLE fuse_retired (
    incident_id TEXT PRIMARY KEY,
    merged_into TEXT NOT NULL,
    at          TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE TABLE incident_versions_0002 (
    incident_id TEXT NOT NULL,
    version     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    author      TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    doc         TEXT,
    PRIMARY KEY (incident_id, version)
);
INSERT INTO incident_versions_0002 SELECT incident_id, version, at, author, reason, doc FROM incident_versions;
DROP TABLE incident_versions;
ALTER TABLE incident_versions_0002 RENAME TO incident_versions;

-- Analysts' corrections (merge, split, set), in the order given: fusion
-- treats them as constraints, so that they survive re-fusion and later
-- imports. doc is the fuse.Constraint as JSON.
CREATE TABLE fuse_constraints (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     TEXT NOT NULL,
    author TEXT NOT NULL,
    reason TEXT NOT NULL,
    doc    TEXT NOT NULL
);

-- The linkage model of the last full re-fusion (fuse.Model as JSON),
-- which incremental fusion scores with; one row.
CREATE TABLE fuse_model (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    at      TEXT NOT NULL,
    doc     TEXT NOT NULL
);
