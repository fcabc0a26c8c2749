-- vigil's first schema (PostgreSQL): the same tables and columns as the
-- SQLite store's, with native types (date, timestamptz, jsonb, bytea).
-- Ids that the store sorts or pages by use the "C" collation so that
-- their order is the same as SQLite's (bytewise) whatever the database's
-- locale.

-- A dataset, feed or form that reports come from.
CREATE TABLE sources (
    name        text PRIMARY KEY,
    kind        text NOT NULL,
    title       text NOT NULL DEFAULT '',
    reliability double precision NOT NULL DEFAULT 0
);

-- Reports as received, never changed except to mark them superseded by a
-- newer report of the same source_ref. raw is encoded by raw_codec
-- ('' = as is, 'deflate').
CREATE TABLE reports (
    id            text COLLATE "C" PRIMARY KEY,
    source        text NOT NULL REFERENCES sources (name),
    source_ref    text NOT NULL,
    revision      bigint NOT NULL DEFAULT 0,
    hash          text NOT NULL,
    raw_codec     text NOT NULL DEFAULT '',
    raw           bytea NOT NULL,
    origin        text NOT NULL DEFAULT '',
    fetched       timestamptz NOT NULL,
    published     timestamptz,
    superseded_by text
);
CREATE INDEX reports_source_ref ON reports (source, source_ref);

-- Incidents in their current version; every version, the current one
-- included, is also in incident_versions. admin1 is case-folded for the
-- Admin1 filter, actors is the lower-cased perpetrator and claimed_by
-- names (one a line) for the Actor filter, end_date is the start when the
-- end is unknown. The doc has every field as given.
CREATE TABLE incidents (
    id          text COLLATE "C" PRIMARY KEY,
    version     integer NOT NULL,
    status      text NOT NULL,
    start_date  date,
    end_date    date,
    country     text NOT NULL DEFAULT '',
    admin1      text NOT NULL DEFAULT '',
    attack_type text NOT NULL DEFAULT '',
    killed_best integer,
    perpetrator text NOT NULL DEFAULT '',
    actors      text NOT NULL DEFAULT '',
    doc         jsonb NOT NULL,
    first_seen  timestamptz NOT NULL,
    updated     timestamptz NOT NULL
);
CREATE INDEX incidents_start ON incidents (start_date NULLS FIRST, id);
-- The country index ends in the sort order, so that a country's page
-- streams from it without sorting. The attack type index does not: one
-- that did cost a tenth more import time, and an attack type is rarely
-- the only filter.
CREATE INDEX incidents_country_start ON incidents (country, start_date NULLS FIRST, id);
CREATE INDEX incidents_attack_type ON incidents (attack_type);

-- What one report says about one event. The columns besides doc are the
-- ones fusion blocks and compares on; seq keeps the order they came in.
CREATE TABLE claims (
    seq           bigint GENERATED ALWAYS AS IDENTITY,
    id            text COLLATE "C" PRIMARY KEY,
    report_id     text NOT NULL REFERENCES reports (id),
    incident_id   text NOT NULL REFERENCES incidents (id),
    superseded_by text,
    source        text NOT NULL,
    start_date    date,
    end_date      date,
    country       text NOT NULL DEFAULT '',
    admin1        text NOT NULL DEFAULT '',
    lat           double precision,
    lon           double precision,
    attack_type   text NOT NULL DEFAULT '',
    doc           jsonb NOT NULL
);
CREATE INDEX claims_report ON claims (report_id);
CREATE INDEX claims_incident ON claims (incident_id);

-- Every change to an incident, appended, never overwritten.
CREATE TABLE incident_versions (
    incident_id text NOT NULL REFERENCES incidents (id),
    version     integer NOT NULL,
    at          timestamptz NOT NULL,
    author      text NOT NULL,
    reason      text NOT NULL DEFAULT '',
    doc         jsonb NOT NULL,
    PRIMARY KEY (incident_id, version)
);

-- Rows an import could not use; re-importing a file replaces its lines.
-- raw is the row as read, bytes kept exactly: a rejected row may well be
-- invalid text.
CREATE TABLE rejections (
    source text NOT NULL,
    file   text COLLATE "C" NOT NULL,
    line   integer NOT NULL,
    field  text NOT NULL DEFAULT '',
    reason text NOT NULL,
    raw    bytea NOT NULL DEFAULT '',
    at     timestamptz NOT NULL,
    PRIMARY KEY (source, file, line)
);

-- The log of imports, one row per file imported.
CREATE TABLE import_runs (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source    text NOT NULL DEFAULT '',
    file      text NOT NULL DEFAULT '',
    started   timestamptz NOT NULL,
    finished  timestamptz,
    read      integer NOT NULL DEFAULT 0,
    new       integer NOT NULL DEFAULT 0,
    updated   integer NOT NULL DEFAULT 0,
    unchanged integer NOT NULL DEFAULT 0,
    rejected  integer NOT NULL DEFAULT 0,
    status    text NOT NULL DEFAULT '',
    error     text NOT NULL DEFAULT ''
);
