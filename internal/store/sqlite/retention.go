package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
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
// store.PruneOptions for the contract).
//
// A body lives in its batch's compressed chunk, beside the other
// reports' bodies and the claims' documents: the prune writes the chunk
// again, in place, with the pruned bodies' bytes turned to zeros. Every
// other byte keeps its offset, so no claim or kept report row changes,
// and a reader's cache of the old decoded chunk still serves every range
// a row points at; a run of zeros compresses to almost nothing. The
// pruned reports get raw_length 0, so nothing reads the zeros.
func (s *Store) PruneRaw(ctx context.Context, o store.PruneOptions) (store.PruneCounts, error) {
	if err := store.CheckPruneOptions(o); err != nil {
		return store.PruneCounts{}, err
	}
	c := store.PruneCounts{Before: o.Before.UTC(), DryRun: o.DryRun}
	byChunk, chunks, planned, err := s.pruneCandidates(ctx, o.Before)
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
		if err := s.pruneChunks(ctx, group, byChunk, o, &c); err != nil {
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
	if c.FreedBytes, c.FreeBytes, err = s.reclaim(ctx, o.Vacuum); err != nil {
		return c, err
	}
	return c, nil
}

// pruneCandidates returns the ids of the reports to prune by chunk, the
// chunks in order, and the counts a prune would have. fetched is RFC 3339
// text whose fraction varies in length, which does not sort as text: the
// query takes a second more and Go compares the times.
func (s *Store) pruneCandidates(ctx context.Context, before time.Time) (map[int64][]string, []int64, store.PruneCounts, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT r.id, r.raw_chunk, r.fetched, r.raw_length, a.report_id IS NOT NULL,
		coalesce(length(CAST(a.text AS BLOB)), 0)
		FROM reports r LEFT JOIN articles a ON a.report_id = r.id
		WHERE r.pruned IS NULL AND r.fetched < ?`, formatTime(before.Add(time.Second)))
	if err != nil {
		return nil, nil, store.PruneCounts{}, fmt.Errorf("prune: find bodies: %w", err)
	}
	defer rows.Close()
	var c store.PruneCounts
	byChunk := map[int64][]string{}
	for rows.Next() {
		var id string
		var chunk, length, textLen int64
		var fetched sql.NullString
		var article bool
		if err := rows.Scan(&id, &chunk, &fetched, &length, &article, &textLen); err != nil {
			return nil, nil, store.PruneCounts{}, fmt.Errorf("prune: find bodies: %w", err)
		}
		t, err := parseTime(fetched)
		if err != nil {
			return nil, nil, store.PruneCounts{}, fmt.Errorf("prune: report %s: %w", id, err)
		}
		if !t.Before(before) {
			continue
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
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("prune: begin: %w", err)
	}
	defer tx.Rollback()
	var done store.PruneCounts
	for _, chunk := range chunks {
		if err := pruneChunk(ctx, tx, chunk, byChunk[chunk], o, &done); err != nil {
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

// pruneChunk zeroes the bodies of the reports ids in one chunk and marks
// them pruned. The reports are read again inside the transaction: one
// that another prune took meanwhile is left alone.
func pruneChunk(ctx context.Context, tx *sql.Tx, chunk int64, ids []string, o store.PruneOptions, c *store.PruneCounts) error {
	list, err := jsonText(ids)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT r.id, r.raw_offset, r.raw_length, a.report_id IS NOT NULL,
		coalesce(length(CAST(a.text AS BLOB)), 0)
		FROM reports r LEFT JOIN articles a ON a.report_id = r.id
		WHERE r.id IN (SELECT value FROM json_each(?)) AND r.raw_chunk = ? AND r.pruned IS NULL`, list, chunk)
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
	var codec string
	var data []byte
	if err := tx.QueryRowContext(ctx, `SELECT codec, data FROM raw_chunks WHERE id = ?`, chunk).Scan(&codec, &data); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	codec, data, err = zeroBodies(codec, data, reps)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE raw_chunks SET codec = ?, data = ? WHERE id = ?`, codec, data, chunk); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	ids = ids[:0]
	var articles []string
	for _, r := range reps {
		ids = append(ids, r.id)
		if r.article {
			articles = append(articles, r.id)
		}
		c.Bytes += r.length + r.textLen
	}
	if list, err = jsonText(ids); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE reports SET raw_offset = 0, raw_length = 0, pruned = ?
		WHERE id IN (SELECT value FROM json_each(?))`, formatTime(o.At), list); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	if len(articles) > 0 {
		if list, err = jsonText(articles); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET text = '' WHERE report_id IN (SELECT value FROM json_each(?))`, list); err != nil {
			return fmt.Errorf("articles: %w", err)
		}
	}
	c.Reports += len(reps)
	c.Articles += len(articles)
	c.Chunks++
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

// jsonText returns v as JSON text, for json_each.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode rows: %w", err)
	}
	return string(b), nil
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
// VACUUM on request. It returns the bytes given back and those left
// free for reuse.
func (s *Store) reclaim(ctx context.Context, vacuum bool) (freed, free int64, err error) {
	var mode, pageSize, freePages int64
	for _, p := range []struct {
		q string
		v *int64
	}{{`PRAGMA auto_vacuum`, &mode}, {`PRAGMA page_size`, &pageSize}, {`PRAGMA freelist_count`, &freePages}} {
		if err := s.write.QueryRowContext(ctx, p.q).Scan(p.v); err != nil {
			return 0, 0, fmt.Errorf("prune: reclaim space: %w", err)
		}
	}
	if !vacuum && mode != 2 {
		return 0, freePages * pageSize, nil
	}
	size := func() (int64, error) {
		var n int64
		err := s.write.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&n)
		return n, err
	}
	before, err := size()
	if err != nil {
		return 0, 0, fmt.Errorf("prune: reclaim space: %w", err)
	}
	if vacuum {
		if mode != 2 {
			if _, err := s.write.ExecContext(ctx, `PRAGMA auto_vacuum = INCREMENTAL`); err != nil {
				return 0, 0, fmt.Errorf("prune: vacuum: %w", err)
			}
		}
		if _, err := s.write.ExecContext(ctx, `VACUUM`); err != nil {
			return 0, 0, fmt.Errorf("prune: vacuum: %w", err)
		}
	} else if err := s.incrementalVacuum(ctx); err != nil {
		return 0, 0, err
	}
	after, err := size()
	if err != nil {
		return 0, 0, fmt.Errorf("prune: reclaim space: %w", err)
	}
	return max(before-after, 0) * pageSize, 0, nil
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

// prunedAt reads when a report's body was pruned, NULL when it was not.
func (s *Store) prunedAt(ctx context.Context, id string) (sql.NullString, error) {
	var p sql.NullString
	if err := s.read.QueryRowContext(ctx, `SELECT pruned FROM reports WHERE id = ?`, id).Scan(&p); err != nil {
		return sql.NullString{}, fmt.Errorf("pruned: %w", err)
	}
	return p, nil
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
