package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/plan"
)

// pruneGroup is how many chunks one prune transaction rewrites, so that
// its row locks are held for a few chunks at a time.
const pruneGroup = 8

// PruneRaw removes the raw bodies of reports received before o.Before,
// the text of those that are articles and the raw bytes of rejections
// recorded before it, keeping every claim and the reports' metadata (see
// store.PruneOptions for the contract). As in the SQLite store, each
// chunk that held a pruned body is written again in place with the
// body's bytes turned to zeros, every other byte at its offset. Plain
// UPDATEs: autovacuum makes the space reusable, and o.Vacuum is ignored.
func (s *Store) PruneRaw(ctx context.Context, o store.PruneOptions) (store.PruneCounts, error) {
	if err := store.CheckPruneOptions(o); err != nil {
		return store.PruneCounts{}, err
	}
	c := store.PruneCounts{Before: o.Before.UTC(), DryRun: o.DryRun}
	byChunk, chunks, planned, err := s.pruneCandidates(ctx, o.Before)
	if err != nil {
		return store.PruneCounts{}, err
	}
	if o.DryRun {
		var rej int
		var rejBytes int64
		if err := s.pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(length(raw)), 0) FROM rejections
			WHERE length(raw) > 0 AND at < $1`, o.Before).Scan(&rej, &rejBytes); err != nil {
			return store.PruneCounts{}, fmt.Errorf("prune: count rejections: %w", err)
		}
		planned.Rejections, planned.Bytes = rej, planned.Bytes+rejBytes
		planned.Before, planned.DryRun = c.Before, true
		return planned, nil
	}
	for group := range slices.Chunk(chunks, pruneGroup) {
		if err := s.pruneChunks(ctx, group, byChunk, o, &c); err != nil {
			return c, err
		}
	}
	var rejBytes int64
	if err := s.pool.QueryRow(ctx, `WITH old AS (SELECT source, file, line, length(raw) AS n FROM rejections
			WHERE length(raw) > 0 AND at < $1 FOR UPDATE),
		done AS (UPDATE rejections r SET raw = '' FROM old
			WHERE r.source = old.source AND r.file = old.file AND r.line = old.line)
		SELECT count(*), coalesce(sum(n), 0) FROM old`, o.Before).Scan(&c.Rejections, &rejBytes); err != nil {
		return c, fmt.Errorf("prune: rejections: %w", err)
	}
	c.Bytes += rejBytes
	if !c.Empty() {
		if _, err := s.pool.Exec(ctx, `INSERT INTO prune_runs (at, cutoff, reports, articles, rejections, bytes, chunks)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, o.At, o.Before, c.Reports, c.Articles, c.Rejections, c.Bytes, c.Chunks); err != nil {
			return c, fmt.Errorf("prune: log: %w", err)
		}
	}
	return c, nil
}

// pruneCandidates returns the ids of the reports to prune by chunk, the
// chunks in order, and the counts a prune would have.
func (s *Store) pruneCandidates(ctx context.Context, before time.Time) (map[int64][]string, []int64, store.PruneCounts, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.id, r.raw_chunk, r.raw_length, a.report_id IS NOT NULL, coalesce(octet_length(a.text), 0)
		FROM reports r LEFT JOIN articles a ON a.report_id = r.id
		WHERE r.pruned IS NULL AND r.fetched < $1`, before)
	if err != nil {
		return nil, nil, store.PruneCounts{}, fmt.Errorf("prune: find bodies: %w", err)
	}
	defer rows.Close()
	var c store.PruneCounts
	byChunk := map[int64][]string{}
	for rows.Next() {
		var id string
		var chunk, length, textLen int64
		var article bool
		if err := rows.Scan(&id, &chunk, &length, &article, &textLen); err != nil {
			return nil, nil, store.PruneCounts{}, fmt.Errorf("prune: find bodies: %w", err)
		}
		c.Reports++
		c.Bytes += length + textLen
		if article {
			c.Articles++
		}
		byChunk[chunk] = append(byChunk[chunk], id)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, store.PruneCounts{}, fmt.Errorf("prune: find bodies: %w", err)
	}
	chunks := slices.Sorted(maps.Keys(byChunk))
	c.Chunks = len(chunks)
	return byChunk, chunks, c, nil
}

// pruneChunks prunes the bodies of a group of chunks in one transaction.
func (s *Store) pruneChunks(ctx context.Context, chunks []int64, byChunk map[int64][]string, o store.PruneOptions, c *store.PruneCounts) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return fmt.Errorf("prune: begin: %w", err)
	}
	defer tx.Rollback(ctx)
	var done store.PruneCounts
	for _, chunk := range chunks {
		if err := pruneChunk(ctx, tx, chunk, byChunk[chunk], o, &done); err != nil {
			return fmt.Errorf("prune: raw chunk %d: %w", chunk, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("prune: commit: %w", err)
	}
	c.Reports += done.Reports
	c.Articles += done.Articles
	c.Bytes += done.Bytes
	c.Chunks += done.Chunks
	return nil
}

// bodyRange is a report body to prune: where it is in its chunk, and
// whether the report is an article (whose text goes too).
type bodyRange struct {
	id             string
	offset, length int64
	article        bool
	textLen        int64
}

// pruneChunk zeroes the bodies of the reports ids in one chunk and marks
// them pruned. The chunk row is locked first, so that a prune running at
// the same time in another process waits, then finds the reports pruned
// and leaves them.
func pruneChunk(ctx context.Context, tx pgx.Tx, chunk int64, ids []string, o store.PruneOptions, c *store.PruneCounts) error {
	var codec string
	var data []byte
	err := tx.QueryRow(ctx, `SELECT codec, data FROM raw_chunks WHERE id = $1 FOR UPDATE`, chunk).Scan(&codec, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT r.id, r.raw_offset, r.raw_length, a.report_id IS NOT NULL, coalesce(octet_length(a.text), 0)
		FROM reports r LEFT JOIN articles a ON a.report_id = r.id
		WHERE r.id = ANY($1) AND r.raw_chunk = $2 AND r.pruned IS NULL`, ids, chunk)
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	var reps []bodyRange
	for rows.Next() {
		var r bodyRange
		if err := rows.Scan(&r.id, &r.offset, &r.length, &r.article, &r.textLen); err != nil {
			rows.Close()
			return fmt.Errorf("reports: %w", err)
		}
		reps = append(reps, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	if len(reps) == 0 {
		return nil
	}
	if codec, data, err = zeroBodies(codec, data, reps); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE raw_chunks SET codec = $1, data = $2 WHERE id = $3`, codec, data, chunk); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	pruned := make([]string, 0, len(reps))
	var articles []string
	for _, r := range reps {
		pruned = append(pruned, r.id)
		if r.article {
			articles = append(articles, r.id)
		}
		c.Bytes += r.length + r.textLen
	}
	if _, err := tx.Exec(ctx, `UPDATE reports SET raw_offset = 0, raw_length = 0, pruned = $1 WHERE id = ANY($2)`, o.At, pruned); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	if len(articles) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE articles SET text = '' WHERE report_id = ANY($1)`, articles); err != nil {
			return fmt.Errorf("articles: %w", err)
		}
	}
	c.Reports += len(reps)
	c.Articles += len(articles)
	c.Chunks++
	return nil
}

// zeroBodies returns a chunk with the bytes of reps turned to zeros,
// encoded again. A range outside the chunk is an error, never a silent
// loss: the chunk is left as it was.
func zeroBodies(codec string, data []byte, reps []bodyRange) (string, []byte, error) {
	raw, err := plan.DecodeChunk(codec, data)
	if err != nil {
		return "", nil, err
	}
	// DecodeChunk may return data itself (codec ""): zero a copy.
	raw = slices.Clone(raw)
	for _, r := range reps {
		if _, err := plan.SliceRaw(raw, r.offset, r.length); err != nil {
			return "", nil, fmt.Errorf("report %s: %w", r.id, err)
		}
		clear(raw[r.offset : r.offset+r.length])
	}
	return plan.EncodeChunk(raw)
}

// allZero reports whether b is all zero bytes: what a body pruned while
// it was being read looks like (see Report).
func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// prunedAt reads when a report's body was pruned, nil when it was not.
func (s *Store) prunedAt(ctx context.Context, id string) (*time.Time, error) {
	var p *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT pruned FROM reports WHERE id = $1`, id).Scan(&p); err != nil {
		return nil, fmt.Errorf("pruned: %w", err)
	}
	return p, nil
}

// LastPrune returns the latest logged prune, or an error wrapping
// store.ErrNotFound when there was none.
func (s *Store) LastPrune(ctx context.Context) (store.PruneRun, error) {
	var r store.PruneRun
	var at, cutoff time.Time
	err := s.pool.QueryRow(ctx, `SELECT id, at, cutoff, reports, articles, rejections, bytes, chunks
		FROM prune_runs ORDER BY id DESC LIMIT 1`).
		Scan(&r.ID, &at, &cutoff, &r.Reports, &r.Articles, &r.Rejections, &r.Bytes, &r.Chunks)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.PruneRun{}, fmt.Errorf("last prune: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.PruneRun{}, fmt.Errorf("last prune: %w", err)
	}
	r.At, r.Before = at.UTC(), cutoff.UTC()
	return r, nil
}
