package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/plan"
)

// This file implements fuse.Store: the tables of 0004_fusion.sql.

// FuseSources returns every stored source by name.
func (s *Store) FuseSources(ctx context.Context) (map[string]model.Source, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT name, kind, title, reliability FROM sources`)
	if err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	defer rows.Close()
	out := map[string]model.Source{}
	for rows.Next() {
		var src model.Source
		if err := rows.Scan(&src.Name, &src.Kind, &src.Title, &src.Reliability); err != nil {
			return nil, fmt.Errorf("sources: %w", err)
		}
		out[src.Name] = src
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	return out, nil
}

// FuseCounts returns how many claims wait, and how many are placed
// counted up to unfused+1.
func (s *Store) FuseCounts(ctx context.Context) (fused, unfused int, err error) {
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM claims WHERE fused = 0`).Scan(&unfused); err != nil {
		return 0, 0, fmt.Errorf("fuse counts: %w", err)
	}
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM fuse_claims LIMIT ?)`, unfused+1).Scan(&fused); err != nil {
		return 0, 0, fmt.Errorf("fuse counts: %w", err)
	}
	return fused, unfused, nil
}

// located is a claim row whose document is still in its raw chunk.
type located struct {
	fuse.StoredClaim
	chunk, offset, length int64
}

// readLocated reads the documents of claim rows from their chunks, after
// the rows are closed (a chunk read needs a read connection of its own).
func (s *Store) readLocated(ctx context.Context, found []located) ([]fuse.StoredClaim, error) {
	out := make([]fuse.StoredClaim, 0, len(found))
	for _, c := range found {
		doc, err := s.chunkBytes(ctx, c.chunk, c.offset, c.length)
		if err != nil {
			return nil, err
		}
		var cl model.Claim
		if err := json.Unmarshal(doc, &cl); err != nil {
			return nil, fmt.Errorf("claim %s: document: %w", c.Claim.ID, err)
		}
		c.Claim = fuse.Slim(cl)
		out = append(out, c.StoredClaim)
	}
	return out, nil
}

// scanLocated scans (id, superseded, incident, ref, published, fetched, chunk, offset, length).
func scanLocated(rows *sql.Rows) (located, error) {
	var c located
	var published, fetched sql.NullString
	if err := rows.Scan(&c.Claim.ID, &c.Superseded, &c.IncidentID, &c.Ref, &published, &fetched,
		&c.chunk, &c.offset, &c.length); err != nil {
		return c, err
	}
	var err error
	if c.Fetched, err = parseTime(fetched); err != nil {
		return c, err
	}
	if published.Valid {
		t, err := parseTime(published)
		if err != nil {
			return c, err
		}
		c.Published = &t
	}
	return c, nil
}

const locatedCols = `c.id, c.superseded_by IS NOT NULL, c.incident_id, r.source_ref, r.published, r.fetched,
	r.raw_chunk, c.doc_offset, c.doc_length FROM claims c JOIN reports r ON r.id = c.report_id`

// UnfusedClaims returns up to limit claims not yet fused, by id.
func (s *Store) UnfusedClaims(ctx context.Context, limit int) ([]fuse.StoredClaim, error) {
	defer s.op("fuse_unfused")()
	// The partial index holds the waiting claims only; without it SQLite
	// would scan every claim.
	rows, err := s.read.QueryContext(ctx, `SELECT `+strings.Replace(locatedCols, "FROM claims c", "FROM claims c INDEXED BY claims_unfused", 1)+`
		WHERE c.fused = 0 ORDER BY c.id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("unfused claims: %w", err)
	}
	var found []located
	for rows.Next() {
		c, err := scanLocated(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("unfused claims: %w", err)
		}
		found = append(found, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("unfused claims: %w", err)
	}
	out, err := s.readLocated(ctx, found)
	if err != nil {
		return nil, fmt.Errorf("unfused claims: %w", err)
	}
	return out, nil
}

// AllClaims calls fn with every current claim, in the order stored.
func (s *Store) AllClaims(ctx context.Context, fn func(fuse.StoredClaim) error) error {
	// Pages by rowid, so that no read stays open across fn.
	var after int64 = -1
	for {
		rows, err := s.read.QueryContext(ctx, `SELECT c.rowid, `+locatedCols+`
			WHERE c.superseded_by IS NULL AND c.rowid > ? ORDER BY c.rowid LIMIT 5000`, after)
		if err != nil {
			return fmt.Errorf("all claims: %w", err)
		}
		var found []located
		for rows.Next() {
			var c located
			var published, fetched sql.NullString
			if err := rows.Scan(&after, &c.Claim.ID, &c.Superseded, &c.IncidentID, &c.Ref, &published, &fetched,
				&c.chunk, &c.offset, &c.length); err != nil {
				rows.Close()
				return fmt.Errorf("all claims: %w", err)
			}
			if c.Fetched, err = parseTime(fetched); err != nil {
				rows.Close()
				return fmt.Errorf("all claims: %w", err)
			}
			if published.Valid {
				t, err := parseTime(published)
				if err != nil {
					rows.Close()
					return fmt.Errorf("all claims: %w", err)
				}
				c.Published = &t
			}
			found = append(found, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("all claims: %w", err)
		}
		if len(found) == 0 {
			return nil
		}
		out, err := s.readLocated(ctx, found)
		if err != nil {
			return fmt.Errorf("all claims: %w", err)
		}
		for _, c := range out {
			if err := fn(c); err != nil {
				return err
			}
		}
	}
}

// placedCols are the columns of a placed claim, read by queryFused.
const placedCols = `f.claim_id, f.incident_id, f.size, f.source_ref, f.published, f.fetched, f.doc, f.link`

// fusedCols reads the placed claims that are current: the join leaves out
// rows of superseded claims that fusion has not purged yet.
const fusedCols = placedCols + ` FROM fuse_claims f JOIN claims c ON c.id = f.claim_id AND c.superseded_by IS NULL`

// queryFused reads placed claims, and the size of each one's incident.
func (s *Store) queryFused(ctx context.Context, q string, args ...any) ([]fuse.StoredClaim, []int, error) {
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []fuse.StoredClaim
	var sizes []int
	for rows.Next() {
		var c fuse.StoredClaim
		var published, fetched sql.NullString
		var doc []byte
		var link sql.NullString
		var size int
		if err := rows.Scan(&c.Claim.ID, &c.IncidentID, &size, &c.Ref, &published, &fetched, &doc, &link); err != nil {
			return nil, nil, err
		}
		sizes = append(sizes, size)
		if c.Fetched, err = parseTime(fetched); err != nil {
			return nil, nil, err
		}
		if published.Valid {
			t, err := parseTime(published)
			if err != nil {
				return nil, nil, err
			}
			c.Published = &t
		}
		if err := json.Unmarshal(doc, &c.Claim); err != nil {
			return nil, nil, fmt.Errorf("fused claim document: %w", err)
		}
		if link.Valid {
			c.Link = new(fuse.Link)
			if err := json.Unmarshal([]byte(link.String), c.Link); err != nil {
				return nil, nil, fmt.Errorf("fused claim link: %w", err)
			}
		}
		out = append(out, c)
	}
	return out, sizes, rows.Err()
}

// CandidateClaims returns every current fused claim of the incidents
// holding a claim whose window overlaps [lo, hi], of a country or of none
// (of every country for ""). The window's rows are one range of the
// table; the other claims of incidents of more than one claim are read
// by incident.
func (s *Store) CandidateClaims(ctx context.Context, country string, lo, hi int) ([]fuse.StoredClaim, error) {
	var q string
	var args []any
	if country == "" {
		q = `SELECT ` + placedCols + ` FROM fuse_claims f WHERE f.wide = 0 AND f.win_lo BETWEEN ? AND ? AND f.win_hi >= ?
			UNION ALL SELECT ` + placedCols + ` FROM fuse_claims f WHERE f.wide = 1 AND f.win_lo <= ? AND f.win_hi >= ?`
		args = []any{lo - fuse.NarrowSpan, hi, lo, hi, lo}
	} else {
		q = `SELECT ` + placedCols + ` FROM fuse_claims f WHERE f.country IN (?, '') AND f.wide = 0 AND f.win_lo BETWEEN ? AND ? AND f.win_hi >= ?
			UNION ALL SELECT ` + placedCols + ` FROM fuse_claims f WHERE f.country IN (?, '') AND f.wide = 1 AND f.win_lo <= ? AND f.win_hi >= ?`
		args = []any{country, lo - fuse.NarrowSpan, hi, lo, country, hi, lo}
	}
	found, sizes, err := s.queryFused(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("candidate claims: %w", err)
	}
	seen := map[string]int{}
	need := map[string]int{}
	for i, c := range found {
		seen[c.IncidentID]++
		need[c.IncidentID] = sizes[i]
	}
	var more []string
	for id, n := range need {
		if n > 1 || seen[id] > 1 {
			more = append(more, id)
		}
	}
	if len(more) == 0 {
		return found, nil
	}
	// Incidents of several claims: all their current claims, superseded
	// ones left out.
	out := found[:0]
	inMore := map[string]bool{}
	for _, id := range more {
		inMore[id] = true
	}
	for _, c := range found {
		if !inMore[c.IncidentID] {
			out = append(out, c)
		}
	}
	members, err := s.IncidentClaims(ctx, more)
	if err != nil {
		return nil, fmt.Errorf("candidate claims: %w", err)
	}
	return append(out, members...), nil
}

// IncidentClaims returns the current fused claims of some incidents.
func (s *Store) IncidentClaims(ctx context.Context, ids []string) ([]fuse.StoredClaim, error) {
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	out, _, err := s.queryFused(ctx, `SELECT `+fusedCols+` WHERE f.incident_id IN (SELECT value FROM json_each(?)) ORDER BY f.claim_id`, string(list))
	if err != nil {
		return nil, fmt.Errorf("incident claims: %w", err)
	}
	return out, nil
}

// FuseIncidents returns the current documents of the live incidents among ids.
func (s *Store) FuseIncidents(ctx context.Context, ids []string) (map[string]model.Incident, error) {
	out, err := planReader{s.read}.Incidents(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("incidents: %w", err)
	}
	return out, nil
}

// LastVersions returns the number of the last version of incidents, live or retired.
func (s *Store) LastVersions(ctx context.Context, ids []string) (map[string]int, error) {
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT incident_id, max(version) FROM incident_versions
		WHERE incident_id IN (SELECT value FROM json_each(?)) GROUP BY incident_id`, string(list))
	if err != nil {
		return nil, fmt.Errorf("last versions: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var v int
		if err := rows.Scan(&id, &v); err != nil {
			return nil, fmt.Errorf("last versions: %w", err)
		}
		out[id] = v
	}
	return out, rows.Err()
}

// Constraints returns the analysts' corrections in the order given.
func (s *Store) Constraints(ctx context.Context) ([]fuse.Constraint, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT doc FROM fuse_constraints ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("constraints: %w", err)
	}
	defer rows.Close()
	var out []fuse.Constraint
	for rows.Next() {
		var doc []byte
		var c fuse.Constraint
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("constraints: %w", err)
		}
		if err := json.Unmarshal(doc, &c); err != nil {
			return nil, fmt.Errorf("constraints: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Successors returns, for the claims among ids that newer revisions
// replaced, the current claim at the end of each chain.
func (s *Store) Successors(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	// One query per step of the chains: revisions of one report are few.
	next := map[string][]string{} // a claim to follow → the ids it stands for
	for _, id := range ids {
		next[id] = append(next[id], id)
	}
	for step := 0; len(next) > 0; step++ {
		if step > 1000 {
			return nil, fmt.Errorf("successors: a chain of revisions loops")
		}
		keys := make([]string, 0, len(next))
		for k := range next {
			keys = append(keys, k)
		}
		list, err := json.Marshal(keys)
		if err != nil {
			return nil, err
		}
		rows, err := s.read.QueryContext(ctx, `SELECT id, superseded_by FROM claims
			WHERE id IN (SELECT value FROM json_each(?)) AND superseded_by IS NOT NULL`, string(list))
		if err != nil {
			return nil, fmt.Errorf("successors: %w", err)
		}
		found := map[string][]string{}
		for rows.Next() {
			var id, by string
			if err := rows.Scan(&id, &by); err != nil {
				rows.Close()
				return nil, fmt.Errorf("successors: %w", err)
			}
			for _, orig := range next[id] {
				out[orig] = by
				found[by] = append(found[by], orig)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("successors: %w", err)
		}
		next = found
	}
	return out, nil
}

// FuseModel returns the model of the last full re-fusion, nil if none.
func (s *Store) FuseModel(ctx context.Context) (*fuse.Model, error) {
	var doc []byte
	err := s.read.QueryRowContext(ctx, `SELECT doc FROM fuse_model WHERE id = 1`).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("fuse model: %w", err)
	}
	m := new(fuse.Model)
	if err := json.Unmarshal(doc, m); err != nil {
		return nil, fmt.Errorf("fuse model: %w", err)
	}
	return m, nil
}

// RetiredIncident says where a retired incident went, or returns an error
// wrapping store.ErrNotFound.
func (s *Store) RetiredIncident(ctx context.Context, id string) (fuse.Retired, error) {
	r := fuse.Retired{ID: id}
	var at sql.NullString
	err := s.read.QueryRowContext(ctx, `SELECT merged_into, at, reason FROM fuse_retired WHERE incident_id = ?`, id).
		Scan(&r.MergedInto, &at, &r.Reason)
	if errors.Is(err, sql.ErrNoRows) {
		return fuse.Retired{}, notFound("retired incident", id)
	}
	if err != nil {
		return fuse.Retired{}, fmt.Errorf("retired incident %s: %w", id, err)
	}
	if r.At, err = parseTime(at); err != nil {
		return fuse.Retired{}, fmt.Errorf("retired incident %s: %w", id, err)
	}
	return r, nil
}

// IncidentHistory returns every version of an incident, live or retired,
// in version order, or an error wrapping store.ErrNotFound.
func (s *Store) IncidentHistory(ctx context.Context, id string) ([]store.Version, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT v.version, v.at, v.author, v.reason, coalesce(v.doc, i.doc)
		FROM incident_versions v LEFT JOIN incidents i ON i.id = v.incident_id
		WHERE v.incident_id = ? ORDER BY v.version`, id)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", id, err)
	}
	defer rows.Close()
	var out []store.Version
	for rows.Next() {
		v := store.Version{IncidentID: id}
		var at sql.NullString
		var doc []byte
		if err := rows.Scan(&v.Version, &at, &v.Author, &v.Reason, &doc); err != nil {
			return nil, fmt.Errorf("history of %s: %w", id, err)
		}
		if v.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("history of %s: %w", id, err)
		}
		if doc != nil {
			if err := json.Unmarshal(doc, &v.Incident); err != nil {
				return nil, fmt.Errorf("history of %s: %w", id, err)
			}
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history of %s: %w", id, err)
	}
	if len(out) == 0 {
		return nil, notFound("incident", id)
	}
	return out, nil
}

// ApplyFusion writes a fusion change in one transaction: incidents
// created or versioned, claims placed, claims done, incidents retired,
// the model and the analyst's constraint.
func (s *Store) ApplyFusion(ctx context.Context, ch *fuse.Change) error {
	defer s.op("fuse_apply")()
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("apply fusion: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
		return fmt.Errorf("apply fusion: %w", err)
	}
	if err := s.applyFusion(ctx, tx, ch); err != nil {
		return fmt.Errorf("apply fusion: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("apply fusion: commit: %w", err)
	}
	return nil
}

func (s *Store) applyFusion(ctx context.Context, tx *sql.Tx, ch *fuse.Change) error {
	at := formatTime(ch.At)
	// Each statement is prepared once per change: a full re-fusion runs
	// each of them hundreds of thousands of times.
	stmts := map[string]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	exec := func(q string, args ...any) error {
		st, ok := stmts[q]
		if !ok {
			var err error
			if st, err = s.txStmt(ctx, tx, q); err != nil {
				return err
			}
			stmts[q] = st
		}
		_, err := st.ExecContext(ctx, args...)
		return err
	}
	for _, v := range ch.Incidents {
		inc := v.Incident
		doc, err := json.Marshal(inc)
		if err != nil {
			return fmt.Errorf("incident %s: %w", inc.ID, err)
		}
		pi := &plan.Incident{Incident: inc, Doc: doc}
		if v.Create {
			args := append(incidentValues(pi, []any{inc.ID}), formatTime(inc.FirstSeen), formatTime(inc.Updated))
			if err := exec(incidentsTable.insertSQL(1), args...); err != nil {
				return fmt.Errorf("create incident %s: %w", inc.ID, err)
			}
			if err := exec(`DELETE FROM fuse_retired WHERE incident_id = ?`, inc.ID); err != nil {
				return fmt.Errorf("create incident %s: %w", inc.ID, err)
			}
		} else {
			if err := exec(saveCurrentSQL, inc.ID); err != nil {
				return fmt.Errorf("keep current version of %s: %w", inc.ID, err)
			}
			args := append(incidentValues(pi, nil), formatTime(inc.Updated), inc.ID)
			if err := exec(updateIncidentSQL, args...); err != nil {
				return fmt.Errorf("update incident %s: %w", inc.ID, err)
			}
		}
		if err := exec(`INSERT INTO incident_versions (incident_id, version, at, author, reason, doc) VALUES (?, ?, ?, ?, ?, NULL)`,
			inc.ID, inc.Version, at, ch.Author, v.Reason); err != nil {
			return fmt.Errorf("version %d of %s: %w", inc.Version, inc.ID, err)
		}
	}
	for _, p := range ch.Placements {
		doc, err := json.Marshal(p.Claim)
		if err != nil {
			return fmt.Errorf("claim %s: %w", p.Claim.ID, err)
		}
		var link any
		if p.Link != nil {
			b, err := json.Marshal(p.Link)
			if err != nil {
				return fmt.Errorf("claim %s: %w", p.Claim.ID, err)
			}
			link = string(b)
		}
		var published any
		if p.Published != nil {
			published = formatTime(*p.Published)
		}
		if err := exec(`INSERT OR REPLACE INTO fuse_claims (claim_id, incident_id, size, source, source_ref, country, win_lo, win_hi,
			wide, published, fetched, doc, link) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Claim.ID, p.IncidentID, max(p.Size, 1), p.Claim.Source, p.Ref, p.Claim.Country, p.WinLo, p.WinHi,
			wideValue(p.WinLo, p.WinHi), published, formatTime(p.Fetched), string(doc), link); err != nil {
			return fmt.Errorf("place claim %s: %w", p.Claim.ID, err)
		}
		if err := exec(`UPDATE claims SET incident_id = ?, fused = 1 WHERE id = ?`, p.IncidentID, p.Claim.ID); err != nil {
			return fmt.Errorf("place claim %s: %w", p.Claim.ID, err)
		}
	}
	for _, id := range ch.Done {
		if err := exec(`UPDATE claims SET fused = 1 WHERE id = ?`, id); err != nil {
			return fmt.Errorf("claim %s: %w", id, err)
		}
		if err := exec(`DELETE FROM fuse_claims WHERE claim_id = ?`, id); err != nil {
			return fmt.Errorf("claim %s: %w", id, err)
		}
	}
	for _, r := range ch.Retired {
		doc, err := json.Marshal(r.Doc)
		if err != nil {
			return fmt.Errorf("retire %s: %w", r.ID, err)
		}
		for _, st := range []struct {
			q    string
			args []any
		}{
			{saveCurrentSQL, []any{r.ID}},
			{`INSERT INTO incident_versions (incident_id, version, at, author, reason, doc) VALUES (?, ?, ?, ?, ?, ?)`,
				[]any{r.ID, r.Doc.Version, at, ch.Author, r.Reason, string(doc)}},
			{`UPDATE claims SET incident_id = ? WHERE incident_id = ?`, []any{r.Into, r.ID}},
			{`UPDATE fuse_claims SET incident_id = ? WHERE incident_id = ?`, []any{r.Into, r.ID}},
			{`DELETE FROM incidents WHERE id = ?`, []any{r.ID}},
			{`UPDATE fuse_retired SET merged_into = ? WHERE merged_into = ?`, []any{r.Into, r.ID}},
			{`INSERT OR REPLACE INTO fuse_retired (incident_id, merged_into, at, reason) VALUES (?, ?, ?, ?)`,
				[]any{r.ID, r.Into, at, r.Reason}},
		} {
			if err := exec(st.q, st.args...); err != nil {
				return fmt.Errorf("retire %s into %s: %w", r.ID, r.Into, err)
			}
		}
	}
	// After the retirements, which move superseded claims too.
	if ch.PurgeAll {
		if err := exec(`DELETE FROM fuse_claims WHERE claim_id IN (SELECT id FROM claims WHERE superseded_by IS NOT NULL)`); err != nil {
			return fmt.Errorf("purge superseded claims: %w", err)
		}
	}
	for _, id := range ch.Purge {
		if err := exec(`DELETE FROM fuse_claims WHERE claim_id IN
			(SELECT id FROM claims WHERE incident_id = ? AND superseded_by IS NOT NULL)`, id); err != nil {
			return fmt.Errorf("purge superseded claims of %s: %w", id, err)
		}
	}
	if ch.Model != nil {
		doc, err := json.Marshal(ch.Model)
		if err != nil {
			return fmt.Errorf("model: %w", err)
		}
		if err := exec(`INSERT OR REPLACE INTO fuse_model (id, at, doc) VALUES (1, ?, ?)`, at, string(doc)); err != nil {
			return fmt.Errorf("model: %w", err)
		}
	}
	cons := ch.Carried
	if ch.Constraint != nil {
		cons = append([]fuse.Constraint{*ch.Constraint}, cons...)
	}
	for _, c := range cons {
		doc, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("constraint: %w", err)
		}
		if err := exec(`INSERT INTO fuse_constraints (at, author, reason, doc) VALUES (?, ?, ?, ?)`,
			at, c.Author, c.Reason, string(doc)); err != nil {
			return fmt.Errorf("constraint: %w", err)
		}
	}
	return nil
}

// wideValue is the wide column of a window: 1 when longer than fuse.NarrowSpan.
func wideValue(lo, hi int) int {
	if hi-lo > fuse.NarrowSpan {
		return 1
	}
	return 0
}
