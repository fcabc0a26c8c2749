package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/plan"
)

// Incidents calls fn with each incident that f selects, in (start, id)
// order (descending when f.Desc), streaming them from the database. It
// stops at fn's first error and returns it as is.
func (s *Store) Incidents(ctx context.Context, f store.Filter, fn func(model.Incident) error) error {
	defer s.op("incidents_list")()
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
		q := `SELECT doc FROM incidents` + where + plan.OrderBy(f, " NULLS FIRST")
		args := argss[i]
		if f.Limit > 0 {
			args = append(args, left)
			q += ` LIMIT $` + strconv.Itoa(len(args))
		}
		n, err := s.streamIncidents(ctx, q, args, fn)
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
// zero when there is no since.
func (s *Store) sinceFloor(ctx context.Context, since model.Date) (model.Date, error) {
	if since.IsZero() {
		return model.Date{}, nil
	}
	day := since.Time()
	rows, err := s.pool.Query(ctx, `SELECT start_date, end_date FROM incidents
		WHERE end_date > start_date AND start_date < $1 ORDER BY start_date LIMIT $2`, day, plan.Probe)
	if err != nil {
		return model.Date{}, fmt.Errorf("query incidents: since: %w", err)
	}
	var first []plan.Span
	for rows.Next() {
		var a, b time.Time
		if err := rows.Scan(&a, &b); err != nil {
			rows.Close()
			return model.Date{}, fmt.Errorf("query incidents: since: %w", err)
		}
		first = append(first, plan.Span{Start: model.DateOf(a), End: model.DateOf(b)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return model.Date{}, fmt.Errorf("query incidents: since: %w", err)
	}
	return plan.SinceFloor(since, first, func() (model.Date, error) {
		// start_date + 0 is not the key of the start index, which the
		// planner would otherwise walk for the minimum.
		var d *time.Time
		if err := s.pool.QueryRow(ctx, `SELECT min(start_date + 0) FROM incidents
			WHERE end_date > start_date AND end_date >= $1 AND start_date < $1`, day).Scan(&d); err != nil {
			return model.Date{}, fmt.Errorf("query incidents: since: %w", err)
		}
		if d == nil {
			return model.Date{}, nil
		}
		return model.DateOf(*d), nil
	})
}

// streamIncidents calls fn with the incident of each row of q and returns
// how many there were.
func (s *Store) streamIncidents(ctx context.Context, q string, args []any, fn func(model.Incident) error) (int, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("query incidents: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			return n, fmt.Errorf("query incidents: %w", err)
		}
		n++
		if err := fn(inc); err != nil {
			return n, err
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("query incidents: %w", err)
	}
	return n, nil
}

// IncidentDocs is Incidents for JSON output: fn gets each incident as the
// bytes json.Marshal gives for it, valid only during the call. jsonb keeps
// neither key order nor spacing, so PostgreSQL's documents are decoded and
// encoded again to give the same bytes as the SQLite store.
func (s *Store) IncidentDocs(ctx context.Context, f store.Filter, fn func(doc []byte) error) error {
	return s.Incidents(ctx, f, func(inc model.Incident) error {
		b, err := json.Marshal(inc)
		if err != nil {
			return fmt.Errorf("query incidents: incident %s: %w", inc.ID, err)
		}
		return fn(b)
	})
}

// filterSQL returns the WHERE clause (with a leading space, or "") and its
// arguments for f.
func filterSQL(f store.Filter) (string, []any, error) { return plan.Where(f, dialect) }

var dialect = plan.Dialect{Numbered: true, Contains: "strpos", Date: func(d model.Date) any { return d.Time() }}

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
	inc, err := scanIncident(s.pool.QueryRow(ctx, `SELECT doc FROM incidents WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
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
	err := s.pool.QueryRow(ctx, `SELECT 1 FROM incidents WHERE id = $1`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
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
	rows, err := s.pool.Query(ctx, `SELECT r.raw_chunk, c.doc_offset, c.doc_length, c.incident_id,
		coalesce(c.superseded_by, ''), r.origin, r.pruned
		FROM claims c JOIN reports r ON r.id = c.report_id
		WHERE c.incident_id = $1 ORDER BY c.seq`, incidentID)
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
		var pruned *time.Time
		if err := rows.Scan(&c.chunk, &c.offset, &c.length, &c.IncidentID, &c.SupersededBy, &c.Origin, &pruned); err != nil {
			rows.Close()
			return nil, fmt.Errorf("claims of %s: %w", incidentID, err)
		}
		if pruned != nil {
			t := parseTime(pruned)
			c.RawPruned = &t
		}
		found = append(found, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claims of %s: %w", incidentID, err)
	}
	// The documents are read once the rows are, so that the connection
	// is free for reading chunks.
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
	rows, err := s.pool.Query(ctx, `SELECT v.version, v.at, v.author, v.reason, coalesce(v.doc, i.doc)
		FROM incident_versions v JOIN incidents i ON i.id = v.incident_id
		WHERE v.incident_id = $1 ORDER BY v.version`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("versions of %s: %w", incidentID, err)
	}
	defer rows.Close()
	var out []store.Version
	for rows.Next() {
		v := store.Version{IncidentID: incidentID}
		var at *time.Time
		var doc []byte
		if err := rows.Scan(&v.Version, &at, &v.Author, &v.Reason, &doc); err != nil {
			return nil, fmt.Errorf("versions of %s: %w", incidentID, err)
		}
		v.At = parseTime(at)
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
	var fetched, published, pruned *time.Time
	err := s.pool.QueryRow(ctx, `SELECT id, source, source_ref, revision, hash, raw_chunk, raw_offset,
		raw_length, origin, fetched, published, pruned FROM reports WHERE id = $1`, id).
		Scan(&r.ID, &r.Source, &r.SourceRef, &r.Revision, &r.Hash, &chunk, &offset, &length,
			&r.Origin, &fetched, &published, &pruned)
	if errors.Is(err, pgx.ErrNoRows) {
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
			if pruned != nil {
				r.Raw = []byte{}
			}
		}
	}
	r.Fetched = parseTime(fetched)
	if published != nil {
		t := parseTime(published)
		r.Published = &t
	}
	if pruned != nil {
		t := parseTime(pruned)
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
		if err := s.pool.QueryRow(ctx, `SELECT codec, data FROM raw_chunks WHERE id = $1`, chunk).
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
	err := s.pool.QueryRow(ctx, `SELECT
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
	rows, err := s.pool.Query(ctx, q)
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
