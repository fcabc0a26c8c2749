-- News feeds and articles (SQLite). Times are RFC 3339 text in UTC, NULL
-- for never.

-- Subscribed feeds and the state of their polling. interval_s is the
-- time between polls in seconds; next_poll backs off after failures.
CREATE TABLE feeds (
    name          TEXT PRIMARY KEY,
    url           TEXT NOT NULL UNIQUE,
    interval_s    INTEGER NOT NULL,
    allow_private INTEGER NOT NULL DEFAULT 0,
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    added         TEXT NOT NULL,
    last_poll     TEXT,
    last_success  TEXT,
    last_error    TEXT NOT NULL DEFAULT '',
    problems      TEXT NOT NULL DEFAULT '',
    items_seen    INTEGER NOT NULL DEFAULT 0,
    failures      INTEGER NOT NULL DEFAULT 0,
    next_poll     TEXT NOT NULL
);
CREATE INDEX feeds_next_poll ON feeds (next_poll);

-- The text read from reports that are articles (feed items, saved pages),
-- one row per report: what extraction reads. The report keeps the item as
-- received. Articles are deduplicated by source_ref, by content hash
-- within a source and by URL across sources.
CREATE TABLE articles (
    report_id    TEXT PRIMARY KEY REFERENCES reports (id),
    source       TEXT NOT NULL,
    url          TEXT NOT NULL DEFAULT '',
    language     TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL DEFAULT '',
    text         TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL
);
CREATE INDEX articles_url ON articles (url) WHERE url <> '';
CREATE INDEX articles_content ON articles (source, content_hash);
