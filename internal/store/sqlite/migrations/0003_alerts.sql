-- Alert rules, the alerts they raised (with their evidence) and the
-- outbox of deliveries. Times in these tables are INTEGER microseconds
-- since 1970 UTC, so that they compare and index as numbers; lists are
-- JSON text.

-- An analyst's rule. spec is package alert's JSON document; checked is
-- the time up to which the rule has seen incident versions.
CREATE TABLE alert_rules (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    name    TEXT NOT NULL,
    kind    TEXT NOT NULL,
    spec    TEXT NOT NULL,
    created INTEGER NOT NULL,
    checked INTEGER NOT NULL
);

-- Every firing of a rule, kept when the rule is removed (no foreign key):
-- the evidence trail outlives the rule. (rule_id, key) deduplicates.
CREATE TABLE alerts (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id   INTEGER NOT NULL,
    rule_name TEXT NOT NULL,
    kind      TEXT NOT NULL,
    key       TEXT NOT NULL,
    at        INTEGER NOT NULL,
    title     TEXT NOT NULL,
    summary   TEXT NOT NULL DEFAULT '',
    incidents TEXT NOT NULL DEFAULT '[]',
    reports   TEXT NOT NULL DEFAULT '[]',
    details   TEXT,
    UNIQUE (rule_id, key)
);

-- One delivery of one alert to one target. A deliverer leases due items
-- (lease_until), delivers them, then marks them; an item whose lease ran
-- out (the deliverer died) is due again, with the same idem_key.
CREATE TABLE alert_outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id     INTEGER NOT NULL REFERENCES alerts (id),
    rule_id      INTEGER NOT NULL,
    channel      TEXT NOT NULL,
    target       TEXT NOT NULL,
    idem_key     TEXT NOT NULL UNIQUE,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL DEFAULT 0,
    lease_until  INTEGER NOT NULL DEFAULT 0,
    delivered    INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_outbox_due ON alert_outbox (state, next_attempt);
CREATE INDEX alert_outbox_sent ON alert_outbox (rule_id, channel, target, delivered);

-- Rules on changes read the versions appended since they last looked.
-- incident_versions.at is RFC 3339 text whose fraction varies in length,
-- so it does not sort as text: the index is on its value in seconds
-- (to the millisecond), and readers filter the exact bounds in Go.
CREATE INDEX incident_versions_at ON incident_versions (unixepoch(at, 'subsec'));
