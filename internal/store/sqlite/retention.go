package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/plan"
)

// pruneGroup is how many chunks one prune transaction rewrites: the
// writer is held for a few chunks at a time, so that an import or a
// poll waits for one group, not for the whole prune.
const pruneGroup = 8

// PruneRaw removes the raw bodies of reports received before o.Before,
// the text of those that are articles and the raw bytes of rejections
// recorded before it, keeping every claim and the reports' metadata (see
// store.PruneOptions for the contract). Each chunk that held a pruned
// body is written again, as a new chunk, without it: new ids, so that no
// reader's cache of decoded chunks can serve the old layout.
func (s *Store) PruneRaw(ctx context.Context, o store.PruneOptions) (store.PruneCounts, error) {
	if err := store.CheckPruneOptions(o); err != nil {
		return store.PruneCounts{}, err
	}
	c := store.PruneCounts{Before: o.Before.UTC(), DryRun: o.DryRun}
	chunks, planned, err := s.pruneCandidates(ctx, o.Before)
	if err != nil {
		return store.PruneCounts{}, err
	}
	rej, rejBytes, err := s.pruneRejectionsCount(ctx, o.Before)
	if err != nil {
		return store.PruneCounts{}, err
	}
	if o.DryRun {
		planned.Rejections, planned.Bytes = rej, planned.Bytes+rejBytes
		planned.Before, planned.DryRun = c.Before, true
		return planned, nil
	}
	for group := range slices.Chunk(chunks, pruneGroup) {
		if err := s.pruneChunks(ctx, group, o, &c); err != nil {
			return c, err
		}
	}
	if err := s.pruneRejections(ctx, o, &c); err != nil {
		return c, err
	}
	if !c.Empty() {
		if _, err := s.write.ExecContext(ctx, `INSERT INTO prune_runs (at, cutoff, reports, articles, rejections, bytes, chunks)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, formatTime(o.At), formatTime(o.Before), c.Reports, c.Articles, c.Rejections, c.Bytes, c.Chunks); err != nil {
			return c, fmt.Errorf("prune: log: %w", err)
		}
	}
	freed, err := s.reclaim(ctx, o.Vacuum)
	if err != nil {
		return c, err
	}
	c.FreedBytes = freed
	return c, nil
}

// pruneCandidates returns the chunks holding bodies to prune, in order,
// and the counts a prune would have. fetched is RFC 3339 text whose
// fraction varies in length, which does not sort as text: the query
// takes a second more and Go compares the times.
func (s *Store) pruneCandidates(ctx context.Context, before time.Time) ([]int64, store.PruneCounts, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT r.raw_chunk, r.fetched, r.raw_length, a.report_id IS NOT NULL,
		coalesce(length(CAST(a.text AS BLOB)), 0)
		FROM reports r LEFT JOIN articles a ON a.report_id = r.id
		WHERE r.pruned IS NULL AND r.fetched < ?`, formatTime(before.Add(time.Second)))
	if err != nil {
		return nil, store.PruneCounts{}, fmt.Errorf("prune: find bodies: %w", err)
	}
	defer rows.Close()
	var c store.PruneCounts
	seen := map[int64]bool{}
	var chunks []int64
	for rows.Next() {
		var chunk, length, textLen int64
		var fetched sql.NullString
		var article bool
		if err := rows.Scan(&chunk, &fetched, &length, &article, &textLen); err != nil {
			return nil, store.PruneCounts{}, fmt.Errorf("prune: find bodies: %w", err)
		}
		t, err := parseTime(fetched)
		if err != nil {
			return nil, store.PruneCounts{}, fmt.Errorf("prune: find bodies: %w", err)
		}
		if !t.Before(before) {
			continue
		}
		c.Reports++
		c.Bytes += length + textLen
		if article {
			c.Articles++
		}
		if !seen[chunk] {
			seen[chunk] = true
			chunks = append(chunks, chunk)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, store.PruneCounts{}, fmt.Errorf("prune: find bodies: %w", err)
	}
	slices.Sort(chunks)
	c.Chunks = len(chunks)
	return chunks, c, nil
}

// chunkReport and chunkClaim are the rows placed in one chunk.
type chunkReport struct {
	id             string
	offset, length int64
	prune          bool
	pruned         bool // pruned before: nothing of it is in the chunk
	article        bool
	textLen        int64
}

type chunkClaim struct {
	id             string
	offset, length int64
}

// pruneChunks rewrites a group of chunks in one transaction. The rows
// are read again inside it: an import or another prune may have changed
// them since the candidates were found.
func (s *Store) pruneChunks(ctx context.Context, chunks []int64, o store.PruneOptions, c *store.PruneCounts) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("prune: begin: %w", err)
	}
	defer tx.Rollback()
	var done store.PruneCounts
	for _, chunk := range chunks {
		if err := pruneChunk(ctx, tx, chunk, o, &done); err != nil {
			return fmt.Errorf("prune: raw chunk %d: %w", chunk, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("prune: commit: %w", err)
	}
	c.Reports += done.Reports
	c.Articles += done.Articles
	c.Bytes += done.Bytes
	c.Chunks += done.Chunks
	return nil
}

// pruneChunk rewrites one chunk without the bodies to prune: the kept
// reports' bodies first, then every claim document, each row pointed at
// its new place in a new chunk; the old chunk is deleted.
func pruneChunk(ctx context.Context, tx *sql.Tx, chunk int64, o store.PruneOptions, c *store.PruneCounts) error {
	reps, err := chunkReports(ctx, tx, chunk, o.Before)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(reps, func(r chunkReport) bool { return r.prune }) {
		return nil // pruned or rewritten meanwhile
	}
	claims, err := chunkClaims(ctx, tx, chunk)
	if err != nil {
		return err
	}
	var codec string
	var data []byte
	if err := tx.QueryRowContext(ctx, `SELECT codec, data FROM raw_chunks WHERE id = ?`, chunk).Scan(&codec, &data); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	old, err := plan.DecodeChunk(codec, data)
	if err != nil {
		return err
	}
	raw, repAt, claimAt, err := rewriteChunk(old, reps, claims)
	if err != nil {
		return err
	}
	codec, data = plan.CodecNone, []byte{}
	if len(raw) > 0 {
		if codec, data, err = plan.EncodeChunk(raw); err != nil {
			return err
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO raw_chunks (codec, data) VALUES (?, ?)`, codec, data)
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	next, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	at := formatTime(o.At)
	for i, r := range reps {
		if r.prune {
			if _, err := tx.ExecContext(ctx, `UPDATE reports SET raw_chunk = ?, raw_offset = 0, raw_length = 0, pruned = ? WHERE id = ?`,
				next, at, r.id); err != nil {
				return fmt.Errorf("report %s: %w", r.id, err)
			}
			if r.article {
				if _, err := tx.ExecContext(ctx, `UPDATE articles SET text = '' WHERE report_id = ?`, r.id); err != nil {
					return fmt.Errorf("article %s: %w", r.id, err)
				}
				c.Articles++
			}
			c.Reports++
			c.Bytes += r.length + r.textLen
			continue
		}
		if r.pruned {
			if _, err := tx.ExecContext(ctx, `UPDATE reports SET raw_chunk = ? WHERE id = ?`, next, r.id); err != nil {
				return fmt.Errorf("report %s: %w", r.id, err)
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reports SET raw_chunk = ?, raw_offset = ? WHERE id = ?`, next, repAt[i], r.id); err != nil {
			return fmt.Errorf("report %s: %w", r.id, err)
		}
	}
	for i, cl := range claims {
		if _, err := tx.ExecContext(ctx, `UPDATE claims SET doc_offset = ? WHERE id = ?`, claimAt[i], cl.id); err != nil {
			return fmt.Errorf("claim %s: %w", cl.id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM raw_chunks WHERE id = ?`, chunk); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	c.Chunks++
	return nil
}

// rewriteChunk lays out a chunk without the pruned bodies: the kept
// reports' bodies in their order, then the claims' documents. It returns
// the new bytes and each kept report's and claim's new offset; an offset
// outside the old chunk is an error, never a silent loss.
func rewriteChunk(old []byte, reps []chunkReport, claims []chunkClaim) ([]byte, []int64, []int64, error) {
	var raw []byte
	repAt := make([]int64, len(reps))
	for i, r := range reps {
		if r.pruned {
			continue
		}
		if r.prune {
			if _, err := plan.SliceRaw(old, r.offset, r.length); err != nil {
				return nil, nil, nil, fmt.Errorf("report %s: %w", r.id, err)
			}
			continue
		}
		b, err := plan.SliceRaw(old, r.offset, r.length)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("report %s: %w", r.id, err)
		}
		repAt[i] = int64(len(raw))
		raw = append(raw, b...)
	}
	claimAt := make([]int64, len(claims))
	for i, cl := range claims {
		b, err := plan.SliceRaw(old, cl.offset, cl.length)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("claim %s: %w", cl.id, err)
		}
		claimAt[i] = int64(len(raw))
		raw = append(raw, b...)
	}
	return raw, repAt, claimAt, nil
}

// chunkReports returns the reports placed in a chunk, marking those to
// prune.
func chunkReports(ctx context.Context, tx *sql.Tx, chunk int64, before time.Time) ([]chunkReport, error) {
	rows, err := tx.QueryContext(ctx, `SELECT r.id, r.raw_offset, r.raw_length, r.fetched, r.pruned IS NOT NULL,
		a.report_id IS NOT NULL, coalesce(length(CAST(a.text AS BLOB)), 0)
		FROM reports r LEFT JOIN articles a ON a.report_id = r.id WHERE r.raw_chunk = ? ORDER BY r.raw_offset, r.id`, chunk)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	defer rows.Close()
	var out []chunkReport
	for rows.Next() {
		var r chunkReport
		var fetched sql.NullString
		if err := rows.Scan(&r.id, &r.offset, &r.length, &fetched, &r.pruned, &r.article, &r.textLen); err != nil {
			return nil, fmt.Errorf("reports: %w", err)
		}
		t, err := parseTime(fetched)
		if err != nil {
			return nil, fmt.Errorf("report %s: %w", r.id, err)
		}
		r.prune = !r.pruned && t.Before(before)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return out, nil
}

// chunkClaims returns the claims whose documents are in a chunk (those
// of the chunk's reports).
func chunkClaims(ctx context.Context, tx *sql.Tx, chunk int64) ([]chunkClaim, error) {
	rows, err := tx.QueryContext(ctx, `SELECT c.id, c.doc_offset, c.doc_length FROM claims c
		JOIN reports r ON r.id = c.report_id WHERE r.raw_chunk = ? ORDER BY c.doc_offset, c.id`, chunk)
	if err != nil {
		return nil, fmt.Errorf("claims: %w", err)
	}
	defer rows.Close()
	var out []chunkClaim
	for rows.Next() {
		var cl chunkClaim
		if err := rows.Scan(&cl.id, &cl.offset, &cl.length); err != nil {
			return nil, fmt.Errorf("claims: %w", err)
		}
		out = append(out, cl)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claims: %w", err)
	}
	return out, nil
}

// pruneRejectionsCount counts the rejected rows whose raw bytes a prune
// removes. Their times are RFC 3339 text too: compared by value.
func (s *Store) pruneRejectionsCount(ctx context.Context, before time.Time) (int, int64, error) {
	var n int
	var bytes int64
	err := s.read.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(length(raw)), 0) FROM rejections
		WHERE length(raw) > 0 AND unixepoch(at, 'subsec') < ?`, unixSeconds(before)).Scan(&n, &bytes)
	if err != nil {
		return 0, 0, fmt.Errorf("prune: count rejections: %w", err)
	}
	return n, bytes, nil
}

// pruneRejections empties the raw bytes of rejections recorded before
// the cutoff; their file, line, field and reason stay.
func (s *Store) pruneRejections(ctx context.Context, o store.PruneOptions, c *store.PruneCounts) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("prune: begin: %w", err)
	}
	defer tx.Rollback()
	var n int
	var bytes int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(length(raw)), 0) FROM rejections
		WHERE length(raw) > 0 AND unixepoch(at, 'subsec') < ?`, unixSeconds(o.Before)).Scan(&n, &bytes); err != nil {
		return fmt.Errorf("prune: rejections: %w", err)
	}
	if n == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE rejections SET raw = x'' WHERE length(raw) > 0 AND unixepoch(at, 'subsec') < ?`,
		unixSeconds(o.Before)); err != nil {
		return fmt.Errorf("prune: rejections: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("prune: commit: %w", err)
	}
	c.Rejections += n
	c.Bytes += bytes
	return nil
}

// unixSeconds returns t as unixepoch(…, 'subsec') gives it.
func unixSeconds(t time.Time) float64 {
	return float64(t.UnixMicro()) / 1e6
}

// reclaim gives the pages a prune freed back: SQLite keeps a deleted
// chunk's pages in the file's free list, for later writes to reuse, and
// only returns them to the file system through a vacuum. A file in
// incremental auto-vacuum mode returns them at once (incremental_vacuum,
// cheap: it moves only the free pages); a file created without it keeps
// them for reuse, unless vacuum is asked for, which rebuilds the file
// once (VACUUM) and switches it to incremental mode, so that later
// prunes shrink it on their own. Why not incremental mode from the
// start: it must be chosen before the first table is created, a change
// to how every store is opened that this package leaves to a full
// VACUUM on request. It returns the bytes given back or free for reuse.
func (s *Store) reclaim(ctx context.Context, vacuum bool) (int64, error) {
	var mode, pageSize, freeBefore int64
	for _, p := range []struct {
		q string
		v *int64
	}{{`PRAGMA auto_vacuum`, &mode}, {`PRAGMA page_size`, &pageSize}, {`PRAGMA freelist_count`, &freeBefore}} {
		if err := s.write.QueryRowContext(ctx, p.q).Scan(p.v); err != nil {
			return 0, fmt.Errorf("prune: reclaim space: %w", err)
		}
	}
	size := func() (int64, error) {
		var n int64
		err := s.write.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&n)
		return n, err
	}
	before, err := size()
	if err != nil {
		return 0, fmt.Errorf("prune: reclaim space: %w", err)
	}
	switch {
	case vacuum:
		if mode != 2 {
			if _, err := s.write.ExecContext(ctx, `PRAGMA auto_vacuum = INCREMENTAL`); err != nil {
				return 0, fmt.Errorf("prune: vacuum: %w", err)
			}
		}
		if _, err := s.write.ExecContext(ctx, `VACUUM`); err != nil {
			return 0, fmt.Errorf("prune: vacuum: %w", err)
		}
	case mode == 2:
		if err := s.incrementalVacuum(ctx); err != nil {
			return 0, err
		}
	default:
		return freeBefore * pageSize, nil
	}
	after, err := size()
	if err != nil {
		return 0, fmt.Errorf("prune: reclaim space: %w", err)
	}
	return max(before-after, 0) * pageSize, nil
}

// incrementalVacuum runs PRAGMA incremental_vacuum to its end: the
// pragma frees pages one result row at a time.
func (s *Store) incrementalVacuum(ctx context.Context) error {
	rows, err := s.write.QueryContext(ctx, `PRAGMA incremental_vacuum`)
	if err != nil {
		return fmt.Errorf("prune: incremental vacuum: %w", err)
	}
	for rows.Next() {
	}
	return errors.Join(rows.Err(), rows.Close())
}

// LastPrune returns the latest logged prune, or an error wrapping
// store.ErrNotFound when there was none.
func (s *Store) LastPrune(ctx context.Context) (store.PruneRun, error) {
	var r store.PruneRun
	var at, cutoff sql.NullString
	err := s.read.QueryRowContext(ctx, `SELECT id, at, cutoff, reports, articles, rejections, bytes, chunks
		FROM prune_runs ORDER BY id DESC LIMIT 1`).
		Scan(&r.ID, &at, &cutoff, &r.Reports, &r.Articles, &r.Rejections, &r.Bytes, &r.Chunks)
	if errors.Is(err, sql.ErrNoRows) {
		return store.PruneRun{}, fmt.Errorf("last prune: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.PruneRun{}, fmt.Errorf("last prune: %w", err)
	}
	if r.At, err = parseTime(at); err != nil {
		return store.PruneRun{}, fmt.Errorf("last prune: %w", err)
	}
	if r.Before, err = parseTime(cutoff); err != nil {
		return store.PruneRun{}, fmt.Errorf("last prune: %w", err)
	}
	return r, nil
}
