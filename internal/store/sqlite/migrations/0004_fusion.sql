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
-- widened by its precision), the number of claims of its incident (size)
-- and the link that joined it to its incident (JSON, NULL for an
-- incident's first claim). Candidates for a new claim are the rows of
-- one country whose windows overlap: the table is stored in that order
-- (WITHOUT ROWID, keyed by country, wide, window start), so that they are
-- one range of adjacent pages even in a store of millions; windows longer
-- than fuse.NarrowSpan days (month- and year-precise claims) are marked
-- wide and looked up apart. Rows of claims that a newer report
-- superseded are deleted when fusion meets them.
CREATE TABLE fuse_claims (
    country     TEXT NOT NULL DEFAULT '',
    wide        INTEGER NOT NULL DEFAULT 0,
    win_lo      INTEGER NOT NULL,
    claim_id    TEXT NOT NULL REFERENCES claims (id),
    win_hi      INTEGER NOT NULL,
    incident_id TEXT NOT NULL,
    size        INTEGER NOT NULL DEFAULT 1,
    source      TEXT NOT NULL,
    source_ref  TEXT NOT NULL,
    published   TEXT,
    fetched     TEXT NOT NULL,
    doc         TEXT NOT NULL,
    link        TEXT,
    PRIMARY KEY (country, wide, win_lo, claim_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX fuse_claims_claim ON fuse_claims (claim_id);
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
CREATE TABLE incident_versions_new (
    incident_id TEXT NOT NULL,
    version     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    author      TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    doc         TEXT,
    PRIMARY KEY (incident_id, version)
);
INSERT INTO incident_versions_new SELECT incident_id, version, at, author, reason, doc FROM incident_versions;
DROP TABLE incident_versions;
ALTER TABLE incident_versions_new RENAME TO incident_versions;
-- The index of 0003_alerts went with the old table.
CREATE INDEX incident_versions_at ON incident_versions (unixepoch(at, 'subsec'));

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
