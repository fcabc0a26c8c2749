-- Retiring an incident repoints those retired into it earlier
-- (UPDATE fuse_retired ... WHERE merged_into = ?): without an index,
-- each retirement scanned every retired incident, which a store of
-- millions merged by the hundred thousand. (PostgreSQL's 0009 also puts
-- win_hi in its candidate index; SQLite's fuse_claims is stored in that
-- order with win_hi beside the key already.)
CREATE INDEX fuse_retired_into ON fuse_retired (merged_into);
