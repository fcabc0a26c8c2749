-- Fusion (internal/fuse): claims linked into incidents across sources.
-- The same tables as store/sqlite's 0004_fusion.sql; see the comments there.

-- fused marks claims that fusion has placed; the partial index holds only
-- the claims still waiting for the fusion step after an import.
ALTER TABLE claims ADD COLUMN fused boolean NOT NULL DEFAULT false;
CREATE INDEX claims_unfused ON claims (seq) WHERE NOT fused;

-- What fusion keeps of each placed claim: the slim claim, its report's
-- times and reference, its blocking window (days since 1970-01-01), the
-- size of its incident and the link that joined it to its incident.
CREATE TABLE fuse_claims (
    claim_id    text COLLATE "C" PRIMARY KEY REFERENCES claims (id),
    incident_id text COLLATE "C" NOT NULL,
    source      text NOT NULL,
    source_ref  text NOT NULL,
    country     text NOT NULL DEFAULT '',
    win_lo      integer NOT NULL,
    win_hi      integer NOT NULL,
    wide        boolean NOT NULL DEFAULT false,
    size        integer NOT NULL DEFAULT 1,
    published   timestamptz,
    fetched     timestamptz NOT NULL,
    doc         jsonb NOT NULL,
    link        jsonb
);
CREATE INDEX fuse_claims_block ON fuse_claims (country, wide, win_lo);
CREATE INDEX fuse_claims_window ON fuse_claims (wide, win_lo);
CREATE INDEX fuse_claims_incident ON fuse_claims (incident_id);

-- Incidents merged into others leave the incidents table; their versions
-- stay, without the foreign key, and this table says where they went.
CREATE TABLE fuse_retired (
    incident_id text COLLATE "C" PRIMARY KEY,
    merged_into text COLLATE "C" NOT NULL,
    at          timestamptz NOT NULL,
    reason      text NOT NULL DEFAULT ''
);
ALTER TABLE incident_versions DROP CONSTRAINT IF EXISTS incident_versions_incident_id_fkey;

-- Analysts' corrections (merge, split, set), in the order given.
CREATE TABLE fuse_constraints (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     timestamptz NOT NULL,
    author text NOT NULL,
    reason text NOT NULL,
    doc    jsonb NOT NULL
);

-- The linkage model of the last full re-fusion; one row.
CREATE TABLE fuse_model (
    id  integer PRIMARY KEY CHECK (id = 1),
    at  timestamptz NOT NULL,
    doc jsonb NOT NULL
);
