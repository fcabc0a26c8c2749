-- Candidates of a new claim (fuse.Store.CandidateClaims) are the placed
-- claims of its country whose windows overlap its own: win_lo within
-- fuse.NarrowSpan days before its end, and win_hi not before its start.
-- With win_hi outside the index, every row of the 45-day range was
-- fetched from the table to test it, three of four for nothing (EXPLAIN
-- ANALYZE at 100k: 30 rows removed by the filter for 10 kept, a random
-- page each in a table of gigabytes at 1M). With it in the key the test
-- is made in the index, and only the candidates are fetched. (SQLite's
-- fuse_claims is stored in this order, win_hi beside the key: nothing to
-- change there.)
DROP INDEX fuse_claims_block;
CREATE INDEX fuse_claims_block ON fuse_claims (country, wide, win_lo, win_hi);

-- Retiring an incident repoints those retired into it earlier
-- (UPDATE fuse_retired ... WHERE merged_into = $2): without an index,
-- each retirement scanned every retired incident, which a store of
-- millions merged by the hundred thousand.
CREATE INDEX fuse_retired_into ON fuse_retired (merged_into);
