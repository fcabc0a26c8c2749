package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/plan"
)

// Incidents calls fn with each incident that f selects, in (start, id)
// order (descending when f.Desc), streaming them from the database. It
// stops at fn's first error and returns it as is.
func (s *Store) Incidents(ctx context.Context, f store.Filter, fn func(model.Incident) error) error {
	defer s.op("incidents_list")()
	return s.incidentDocs(ctx, f, func(doc []byte) error {
		var inc model.Incident
		if err := json.Unmarshal(doc, &inc); err != nil {
			return fmt.Errorf("query incidents: incident document: %w", err)
		}
		return fn(inc)
	})
}

// IncidentDocs is Incidents for JSON output: fn gets each incident as the
// bytes json.Marshal gives for it, valid only during the call. The
// documents are stored in exactly that form (plan.Encode), so they go out
// without being decoded and encoded again, which was two thirds of the
// time of a large JSON listing.
func (s *Store) IncidentDocs(ctx context.Context, f store.Filter, fn func(doc []byte) error) error {
	return s.incidentDocs(ctx, f, fn)
}

func (s *Store) incidentDocs(ctx context.Context, f store.Filter, fn func(doc []byte) error) error {
	floor, err := s.sinceFloor(ctx, f.Since)
	if err != nil {
		return err
	}
	wheres, argss, err := plan.Listing(f, dialect, floor)
	if err != nil {
		return err
	}
	left := f.Limit
	for i, where := range wheres {
		q := `SELECT doc FROM incidents` + where + plan.OrderBy(f, "")
		args := argss[i]
		if f.Limit > 0 {
			q += ` LIMIT ?`
			args = append(args, left)
		}
		n, err := s.streamDocs(ctx, q, args, fn)
		if err != nil {
			return err
		}
		if left -= n; f.Limit > 0 && left <= 0 {
			return nil
		}
	}
	return nil
}

// sinceFloor bounds the start of a listing since a day (plan.SinceFloor);
// zero when there is no since. The indexes are named: SQLite's planner
// would rather walk the start index.
func (s *Store) sinceFloor(ctx context.Context, since model.Date) (model.Date, error) {
	if since.IsZero() {
		return model.Date{}, nil
	}
	day := since.String()
	rows, err := s.read.QueryContext(ctx, `SELECT start_date, end_date FROM incidents INDEXED BY incidents_spanning_start
		WHERE end_date > start_date AND start_date < ? ORDER BY start_date LIMIT ?`, day, plan.Probe)
	if err != nil {
		return model.Date{}, fmt.Errorf("query incidents: since: %w", err)
	}
	var first []plan.Span
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			rows.Close()
			return model.Date{}, fmt.Errorf("query incidents: since: %w", err)
		}
		sp, err := spanOf(a, b)
		if err != nil {
			rows.Close()
			return model.Date{}, fmt.Errorf("query incidents: since: %w", err)
		}
		first = append(first, sp)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return model.Date{}, fmt.Errorf("query incidents: since: %w", err)
	}
	return plan.SinceFloor(since, first, func() (model.Date, error) {
		var d sql.NullString
		if err := s.read.QueryRowContext(ctx, `SELECT min(start_date) FROM incidents INDEXED BY incidents_spanning
			WHERE end_date > start_date AND end_date >= ? AND start_date < ?`, day, day).Scan(&d); err != nil {
			return model.Date{}, fmt.Errorf("query incidents: since: %w", err)
		}
		if !d.Valid {
			return model.Date{}, nil
		}
		return model.ParseDate(d.String)
	})
}

func spanOf(start, end string) (plan.Span, error) {
	a, err := model.ParseDate(start)
	if err != nil {
		return plan.Span{}, err
	}
	b, err := model.ParseDate(end)
	return plan.Span{Start: a, End: b}, err
}

// streamDocs calls fn with the doc of each row of q and returns how many
// there were.
func (s *Store) streamDocs(ctx context.Context, q string, args []any, fn func(doc []byte) error) (int, error) {
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("query incidents: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var doc sql.RawBytes
		if err := rows.Scan(&doc); err != nil {
			return n, fmt.Errorf("query incidents: %w", err)
		}
		n++
		if err := fn(doc); err != nil {
			return n, err
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("query incidents: %w", err)
	}
	return n, nil
}

// filterSQL returns the WHERE clause (with a leading space, or "") and its
// arguments for f.
func filterSQL(f store.Filter) (string, []any, error) { return plan.Where(f, dialect) }

var dialect = plan.Dialect{Contains: "instr", Date: func(d model.Date) any { return d.String() }}

// scanIncident reads an incident from a row of one column, its doc.
func scanIncident(rows interface{ Scan(...any) error }) (model.Incident, error) {
	var doc []byte
	if err := rows.Scan(&doc); err != nil {
		return model.Incident{}, err
	}
	var inc model.Incident
	if err := json.Unmarshal(doc, &inc); err != nil {
		return model.Incident{}, fmt.Errorf("incident document: %w", err)
	}
	return inc, nil
}

// Incident returns the incident with id in its current version, or an
// error wrapping store.ErrNotFound.
func (s *Store) Incident(ctx context.Context, id string) (model.Incident, error) {
	defer s.op("incident_get")()
	inc, err := scanIncident(s.read.QueryRowContext(ctx, `SELECT doc FROM incidents WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return model.Incident{}, notFound("incident", id)
	}
	if err != nil {
		return model.Incident{}, fmt.Errorf("incident %s: %w", id, err)
	}
	return inc, nil
}

// incidentExists tells a known incident without claims or versions from
// an unknown one.
func (s *Store) incidentExists(ctx context.Context, id string) error {
	var one int
	err := s.read.QueryRowContext(ctx, `SELECT 1 FROM incidents WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("incident", id)
	}
	if err != nil {
		return fmt.Errorf("incident %s: %w", id, err)
	}
	return nil
}

// Claims returns every claim of an incident, superseded ones included,
// oldest first, or an error wrapping store.ErrNotFound for an unknown
// incident.
func (s *Store) Claims(ctx context.Context, incidentID string) ([]store.StoredClaim, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT r.raw_chunk, c.doc_offset, c.doc_length, c.incident_id,
		coalesce(c.superseded_by, ''), r.origin, r.pruned
		FROM claims c JOIN reports r ON r.id = c.report_id
		WHERE c.incident_id = ? ORDER BY c.rowid`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("claims of %s: %w", incidentID, err)
	}
	type located struct {
		store.StoredClaim
		chunk, offset, length int64
	}
	var found []located
	for rows.Next() {
		var c located
		var pruned sql.NullString
		if err := rows.Scan(&c.chunk, &c.offset, &c.length, &c.IncidentID, &c.SupersededBy, &c.Origin, &pruned); err != nil {
			rows.Close()
			return nil, fmt.Errorf("claims of %s: %w", incidentID, err)
		}
		if pruned.Valid {
			t, err := parseTime(pruned)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("claims of %s: %w", incidentID, err)
			}
			c.RawPruned = &t
		}
		found = append(found, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claims of %s: %w", incidentID, err)
	}
	// The documents are read once the rows are: reading a chunk needs a
	// read connection of its own.
	out := make([]store.StoredClaim, 0, len(found))
	for _, c := range found {
		doc, err := s.chunkBytes(ctx, c.chunk, c.offset, c.length)
		if err != nil {
			return nil, fmt.Errorf("claims of %s: %w", incidentID, err)
		}
		if err := json.Unmarshal(doc, &c.Claim); err != nil {
			return nil, fmt.Errorf("claims of %s: claim document: %w", incidentID, err)
		}
		out = append(out, c.StoredClaim)
	}
	if len(out) == 0 {
		return nil, s.incidentExists(ctx, incidentID)
	}
	return out, nil
}

// Versions returns every version of an incident in version order, or an
// error wrapping store.ErrNotFound for an unknown incident.
func (s *Store) Versions(ctx context.Context, incidentID string) ([]store.Version, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT v.version, v.at, v.author, v.reason, coalesce(v.doc, i.doc)
		FROM incident_versions v JOIN incidents i ON i.id = v.incident_id
		WHERE v.incident_id = ? ORDER BY v.version`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("versions of %s: %w", incidentID, err)
	}
	defer rows.Close()
	var out []store.Version
	for rows.Next() {
		v := store.Version{IncidentID: incidentID}
		var at sql.NullString
		var doc []byte
		if err := rows.Scan(&v.Version, &at, &v.Author, &v.Reason, &doc); err != nil {
			return nil, fmt.Errorf("versions of %s: %w", incidentID, err)
		}
		if v.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("versions of %s: %w", incidentID, err)
		}
		if err := json.Unmarshal(doc, &v.Incident); err != nil {
			return nil, fmt.Errorf("versions of %s: incident document: %w", incidentID, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("versions of %s: %w", incidentID, err)
	}
	if len(out) == 0 {
		return nil, s.incidentExists(ctx, incidentID)
	}
	return out, nil
}

// Report returns a stored report with its raw bytes as received, or an
// error wrapping store.ErrNotFound.
func (s *Store) Report(ctx context.Context, id string) (model.Report, error) {
	var r model.Report
	var chunk, offset, length int64
	var fetched, published, pruned sql.NullString
	err := s.read.QueryRowContext(ctx, `SELECT id, source, source_ref, revision, hash, raw_chunk, raw_offset,
		raw_length, origin, fetched, published, pruned FROM reports WHERE id = ?`, id).
		Scan(&r.ID, &r.Source, &r.SourceRef, &r.Revision, &r.Hash, &chunk, &offset, &length,
			&r.Origin, &fetched, &published, &pruned)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Report{}, notFound("report", id)
	}
	if err != nil {
		return model.Report{}, fmt.Errorf("report %s: %w", id, err)
	}
	// An empty body (a pruned one) needs no chunk: its bytes there are
	// zeros, or gone.
	r.Raw = []byte{}
	if length > 0 {
		if r.Raw, err = s.chunkBytes(ctx, chunk, offset, length); err != nil {
			return model.Report{}, fmt.Errorf("report %s: %w", id, err)
		}
		if allZero(r.Raw) {
			// Pruned between reading the row and its chunk (retention.go):
			// the row says so now, rather than zeros passing for a body.
			if pruned, err = s.prunedAt(ctx, id); err != nil {
				return model.Report{}, fmt.Errorf("report %s: %w", id, err)
			}
			if pruned.Valid {
				r.Raw = []byte{}
			}
		}
	}
	if r.Fetched, err = parseTime(fetched); err != nil {
		return model.Report{}, fmt.Errorf("report %s: %w", id, err)
	}
	if published.Valid {
		t, err := parseTime(published)
		if err != nil {
			return model.Report{}, fmt.Errorf("report %s: %w", id, err)
		}
		r.Published = &t
	}
	if pruned.Valid {
		t, err := parseTime(pruned)
		if err != nil {
			return model.Report{}, fmt.Errorf("report %s: %w", id, err)
		}
		r.Pruned = &t
	}
	return r, nil
}

// chunkBytes returns a copy of length bytes at offset in the decoded raw
// chunk (see plan.Chunk), decoding it unless the store's cache has it.
func (s *Store) chunkBytes(ctx context.Context, chunk, offset, length int64) ([]byte, error) {
	data, err := s.chunks.Get(chunk, func() ([]byte, error) {
		var codec string
		var data []byte
		if err := s.read.QueryRowContext(ctx, `SELECT codec, data FROM raw_chunks WHERE id = ?`, chunk).
			Scan(&codec, &data); err != nil {
			return nil, fmt.Errorf("raw chunk %d: %w", chunk, err)
		}
		return plan.DecodeChunk(codec, data)
	})
	if err != nil {
		return nil, err
	}
	return plan.SliceRaw(data, offset, length)
}

// Stats counts what the store holds.
func (s *Store) Stats(ctx context.Context) (store.Stats, error) {
	st := store.Stats{ReportsBySource: map[string]int{}, RejectedBySource: map[string]int{}}
	err := s.read.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM incidents), (SELECT count(*) FROM claims),
		(SELECT count(*) FROM reports), (SELECT count(*) FROM import_runs)`).
		Scan(&st.Incidents, &st.Claims, &st.Reports, &st.Imports)
	if err != nil {
		return store.Stats{}, fmt.Errorf("stats: %w", err)
	}
	if err := s.countBy(ctx, st.ReportsBySource,
		`SELECT source, count(*) FROM reports WHERE superseded_by IS NULL GROUP BY source`); err != nil {
		return store.Stats{}, err
	}
	if err := s.countBy(ctx, st.RejectedBySource, `SELECT source, count(*) FROM rejections GROUP BY source`); err != nil {
		return store.Stats{}, err
	}
	return st, nil
}

// countBy fills m from a query of (key, count) rows.
func (s *Store) countBy(ctx context.Context, m map[string]int, q string) error {
	rows, err := s.read.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		m[k] = n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	return nil
}
