package postgres

import (
	"context"
	"errors"
	"fmt"
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
// store.PruneOptions for the contract). Each chunk that held a pruned
// body is written again, as a new row, without it: new ids, so that no
// reader's cache of decoded chunks can serve the old layout. Plain
// UPDATE and DELETE: autovacuum makes the space reusable, and o.Vacuum
// is ignored.
func (s *Store) PruneRaw(ctx context.Context, o store.PruneOptions) (store.PruneCounts, error) {
	if err := store.CheckPruneOptions(o); err != nil {
		return store.PruneCounts{}, err
	}
	c := store.PruneCounts{Before: o.Before.UTC(), DryRun: o.DryRun}
	chunks, planned, err := s.pruneCandidates(ctx, o.Before)
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
		if err := s.pruneChunks(ctx, group, o, &c); err != nil {
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

// pruneCandidates returns the chunks holding bodies to prune, in order,
// and the counts a prune would have.
func (s *Store) pruneCandidates(ctx context.Context, before time.Time) ([]int64, store.PruneCounts, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.raw_chunk, r.raw_length, a.report_id IS NOT NULL, coalesce(octet_length(a.text), 0)
		FROM reports r LEFT JOIN articles a ON a.report_id = r.id
		WHERE r.pruned IS NULL AND r.fetched < $1`, before)
	if err != nil {
		return nil, store.PruneCounts{}, fmt.Errorf("prune: find bodies: %w", err)
	}
	defer rows.Close()
	var c store.PruneCounts
	seen := map[int64]bool{}
	var chunks []int64
	for rows.Next() {
		var chunk, length, textLen int64
		var article bool
		if err := rows.Scan(&chunk, &length, &article, &textLen); err != nil {
			return nil, store.PruneCounts{}, fmt.Errorf("prune: find bodies: %w", err)
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

// pruneChunks rewrites a group of chunks in one transaction.
func (s *Store) pruneChunks(ctx context.Context, chunks []int64, o store.PruneOptions, c *store.PruneCounts) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return fmt.Errorf("prune: begin: %w", err)
	}
	defer tx.Rollback(ctx)
	var done store.PruneCounts
	for _, chunk := range chunks {
		if err := pruneChunk(ctx, tx, chunk, o, &done); err != nil {
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

// pruneChunk rewrites one chunk without the bodies to prune: the kept
// reports' bodies first, then every claim document, each row pointed at
// its new place in a new chunk; the old chunk is deleted. The chunk row
// is locked first: a prune running at the same time in another process
// waits, then finds it gone and leaves it.
func pruneChunk(ctx context.Context, tx pgx.Tx, chunk int64, o store.PruneOptions, c *store.PruneCounts) error {
	var codec string
	var data []byte
	err := tx.QueryRow(ctx, `SELECT codec, data FROM raw_chunks WHERE id = $1 FOR UPDATE`, chunk).Scan(&codec, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // rewritten meanwhile
	}
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	reps, err := chunkReports(ctx, tx, chunk, o.Before)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(reps, func(r chunkReport) bool { return r.prune }) {
		return nil
	}
	claims, err := chunkClaims(ctx, tx, chunk)
	if err != nil {
		return err
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
	var next int64
	if err := tx.QueryRow(ctx, `INSERT INTO raw_chunks (codec, data) VALUES ($1, $2) RETURNING id`, codec, data).Scan(&next); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	for i, r := range reps {
		switch {
		case r.prune:
			if _, err := tx.Exec(ctx, `UPDATE reports SET raw_chunk = $1, raw_offset = 0, raw_length = 0, pruned = $2 WHERE id = $3`,
				next, o.At, r.id); err != nil {
				return fmt.Errorf("report %s: %w", r.id, err)
			}
			if r.article {
				if _, err := tx.Exec(ctx, `UPDATE articles SET text = '' WHERE report_id = $1`, r.id); err != nil {
					return fmt.Errorf("article %s: %w", r.id, err)
				}
				c.Articles++
			}
			c.Reports++
			c.Bytes += r.length + r.textLen
		case r.pruned:
			if _, err := tx.Exec(ctx, `UPDATE reports SET raw_chunk = $1 WHERE id = $2`, next, r.id); err != nil {
				return fmt.Errorf("report %s: %w", r.id, err)
			}
		default:
			if _, err := tx.Exec(ctx, `UPDATE reports SET raw_chunk = $1, raw_offset = $2 WHERE id = $3`, next, repAt[i], r.id); err != nil {
				return fmt.Errorf("report %s: %w", r.id, err)
			}
		}
	}
	for i, cl := range claims {
		if _, err := tx.Exec(ctx, `UPDATE claims SET doc_offset = $1 WHERE id = $2`, claimAt[i], cl.id); err != nil {
			return fmt.Errorf("claim %s: %w", cl.id, err)
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM raw_chunks WHERE id = $1`, chunk); err != nil {
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
		b, err := plan.SliceRaw(old, r.offset, r.length)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("report %s: %w", r.id, err)
		}
		if r.prune {
			continue
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
func chunkReports(ctx context.Context, tx pgx.Tx, chunk int64, before time.Time) ([]chunkReport, error) {
	rows, err := tx.Query(ctx, `SELECT r.id, r.raw_offset, r.raw_length, r.fetched < $2, r.pruned IS NOT NULL,
		a.report_id IS NOT NULL, coalesce(octet_length(a.text), 0)
		FROM reports r LEFT JOIN articles a ON a.report_id = r.id WHERE r.raw_chunk = $1 ORDER BY r.raw_offset, r.id`, chunk, before)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	defer rows.Close()
	var out []chunkReport
	for rows.Next() {
		var r chunkReport
		var old bool
		if err := rows.Scan(&r.id, &r.offset, &r.length, &old, &r.pruned, &r.article, &r.textLen); err != nil {
			return nil, fmt.Errorf("reports: %w", err)
		}
		r.prune = !r.pruned && old
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return out, nil
}

// chunkClaims returns the claims whose documents are in a chunk (those
// of the chunk's reports).
func chunkClaims(ctx context.Context, tx pgx.Tx, chunk int64) ([]chunkClaim, error) {
	rows, err := tx.Query(ctx, `SELECT c.id, c.doc_offset, c.doc_length FROM claims c
		JOIN reports r ON r.id = c.report_id WHERE r.raw_chunk = $1 ORDER BY c.doc_offset, c.id`, chunk)
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
