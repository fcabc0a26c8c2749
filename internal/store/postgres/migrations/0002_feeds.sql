-- News feeds and articles (PostgreSQL): the same tables as the SQLite
-- store's, with native types.

-- Subscribed feeds and the state of their polling. interval_s is the
-- time between polls in seconds; next_poll backs off after failures.
CREATE TABLE feeds (
    name          text COLLATE "C" PRIMARY KEY,
    url           text NOT NULL UNIQUE,
    interval_s    bigint NOT NULL,
    allow_private boolean NOT NULL DEFAULT false,
    etag          text NOT NULL DEFAULT '',
    last_modified text NOT NULL DEFAULT '',
    added         timestamptz NOT NULL,
    last_poll     timestamptz,
    last_success  timestamptz,
    last_error    text NOT NULL DEFAULT '',
    problems      text NOT NULL DEFAULT '',
    items_seen    bigint NOT NULL DEFAULT 0,
    failures      integer NOT NULL DEFAULT 0,
    next_poll     timestamptz NOT NULL
);
CREATE INDEX feeds_next_poll ON feeds (next_poll);

-- The text read from reports that are articles (feed items, saved pages),
-- one row per report: what extraction reads. The report keeps the item as
-- received. Articles are deduplicated by source_ref, by content hash
-- within a source and by URL across sources.
CREATE TABLE articles (
    report_id    text COLLATE "C" PRIMARY KEY REFERENCES reports (id),
    source       text NOT NULL,
    url          text NOT NULL DEFAULT '',
    language     text NOT NULL DEFAULT '',
    title        text NOT NULL DEFAULT '',
    text         text NOT NULL DEFAULT '',
    content_hash text NOT NULL
);
CREATE INDEX articles_url ON articles (url) WHERE url <> '';
CREATE INDEX articles_content ON articles (source, content_hash);
