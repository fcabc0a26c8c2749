package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/plan"
)

// This file implements fuse.Store: the tables of 0004_fusion.sql, shaped
// as store/sqlite's fuse.go.

// fuseConns is a pool of connections of its own that fusion's
// statements run on, with generic plans (plan_cache_mode
// force_generic_plan), opened when fusion first asks. The store's pool
// plans every statement for its values (Open says why: the import's
// lookups), which cost an attach more than its execution: about half of
// its time in the store at 10k (tracing each call: the start 0.77 ms
// planned anew each time against 0.27 ms with its plan kept, the
// neighbourhood 0.67 against 0.22, the change 1.4 against 0.43). An
// attach's statements find their rows by key or by the block index
// whatever the values, so one plan serves them all. Their own
// connections also keep their plans from the import's, which a
// superuser's import resets at each batch (session_replication_role).
type fuseConns struct {
	once sync.Once
	pool *pgxpool.Pool
	err  error
}

// fusePool returns fusion's pool, opening it the first time.
func (s *Store) fusePool() (*pgxpool.Pool, error) {
	s.fuse.once.Do(func() {
		cfg := s.pool.Config()
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
		cfg.MinConns = 0 // as many at most as the store's pool, none kept idle
		s.fuse.pool, s.fuse.err = pgxpool.NewWithConfig(context.Background(), cfg)
		if s.fuse.err != nil {
			s.fuse.err = fmt.Errorf("fusion connections: %w", s.fuse.err)
		}
	})
	return s.fuse.pool, s.fuse.err
}

// close closes fusion's pool if it was opened.
func (c *fuseConns) close() {
	c.once.Do(func() { c.err = errors.New("store closed") })
	if c.pool != nil {
		c.pool.Close()
	}
}

// FuseSources returns every stored source by name.
func (s *Store) FuseSources(ctx context.Context) (map[string]model.Source, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, kind, title, reliability FROM sources`)
	if err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	defer rows.Close()
	out := map[string]model.Source{}
	for rows.Next() {
		var src model.Source
		var kind string
		if err := rows.Scan(&src.Name, &kind, &src.Title, &src.Reliability); err != nil {
			return nil, fmt.Errorf("sources: %w", err)
		}
		src.Kind = model.SourceKind(kind)
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
	pool, err := s.fusePool()
	if err != nil {
		return 0, 0, fmt.Errorf("fuse counts: %w", err)
	}
	if err := pool.QueryRow(ctx, `WITH `+countsSQL+` SELECT (SELECT n FROM cp), (SELECT n FROM cu)`).
		Scan(&fused, &unfused); err != nil {
		return 0, 0, fmt.Errorf("fuse counts: %w", err)
	}
	return fused, unfused, nil
}

// located is a claim row whose document is still in its raw chunk.
type located struct {
	fuse.StoredClaim
	seq                   int64
	chunk, offset, length int64
}

const locatedCols = `c.seq, c.id, c.superseded_by IS NOT NULL, c.incident_id, r.source_ref, r.published, r.fetched,
	r.raw_chunk, c.doc_offset, c.doc_length FROM claims c JOIN reports r ON r.id = c.report_id`

// queryLocated reads claim rows, then their documents from their chunks
// (once the rows are closed, so that the connection is free). A query
// that ends with two more columns, a chunk's codec and data (on the first
// row of each chunk, NULL on the others), brings the chunks with the
// rows: no round trip more per chunk.
func (s *Store) queryLocated(ctx context.Context, q string, args ...any) ([]located, error) {
	return s.queryLocatedOn(ctx, s.pool, q, args...)
}

// queryLocatedOn is queryLocated on a pool of the caller's choice.
func (s *Store) queryLocatedOn(ctx context.Context, pool *pgxpool.Pool, q string, args ...any) ([]located, error) {
	rows, err := pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	found, err := s.scanLocated(rows)
	if err != nil {
		return nil, err
	}
	if err := s.locatedDocs(ctx, found); err != nil {
		return nil, err
	}
	return found, nil
}

// scanLocated reads and closes the rows of queryLocated's query, keeping
// the chunks that come with them in the chunk cache.
func (s *Store) scanLocated(rows pgx.Rows) ([]located, error) {
	defer rows.Close()
	inline := len(rows.FieldDescriptions()) == 12
	var found []located
	for rows.Next() {
		var c located
		var published, fetched *time.Time
		var codec *string
		var data []byte
		dest := []any{&c.seq, &c.Claim.ID, &c.Superseded, &c.IncidentID, &c.Ref, &published, &fetched,
			&c.chunk, &c.offset, &c.length}
		if inline {
			dest = append(dest, &codec, &data)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if codec != nil {
			raw, err := plan.DecodeChunk(*codec, data)
			if err != nil {
				return nil, fmt.Errorf("raw chunk %d: %w", c.chunk, err)
			}
			if _, err := s.chunks.Get(c.chunk, func() ([]byte, error) { return raw, nil }); err != nil {
				return nil, err
			}
		}
		c.Fetched = parseTime(fetched)
		if published != nil {
			t := parseTime(published)
			c.Published = &t
		}
		found = append(found, c)
	}
	rows.Close()
	return found, rows.Err()
}

// locatedDocs reads the documents of claim rows from their chunks.
func (s *Store) locatedDocs(ctx context.Context, found []located) error {
	for i := range found {
		c := &found[i]
		doc, err := s.chunkBytes(ctx, c.chunk, c.offset, c.length)
		if err != nil {
			return err
		}
		var cl model.Claim
		if err := json.Unmarshal(doc, &cl); err != nil {
			return fmt.Errorf("claim %s: document: %w", c.Claim.ID, err)
		}
		c.Claim = fuse.Slim(cl)
	}
	return nil
}

// unfusedSQL reads up to $1 unfused claims in the order stored, with
// their chunks (queryLocated): an attach's one claim in one round trip,
// not two.
var unfusedSQL = `WITH ` + unfusedBody("$1")

// unfusedBody is unfusedSQL after its WITH, with the limit given.
func unfusedBody(limit string) string {
	return `u AS (SELECT c.seq, c.id, c.superseded_by IS NOT NULL AS superseded,
		c.incident_id, r.source_ref, r.published, r.fetched, r.raw_chunk, c.doc_offset, c.doc_length
		FROM claims c JOIN reports r ON r.id = c.report_id WHERE NOT c.fused ORDER BY c.seq LIMIT ` + limit + `),
	n AS (SELECT u.*, row_number() OVER (PARTITION BY u.raw_chunk ORDER BY u.seq) AS k FROM u)
	SELECT n.seq, n.id, n.superseded, n.incident_id, n.source_ref, n.published, n.fetched, n.raw_chunk,
		n.doc_offset, n.doc_length, rc.codec, rc.data
	FROM n LEFT JOIN raw_chunks rc ON rc.id = n.raw_chunk AND n.k = 1 ORDER BY n.seq`
}

// UnfusedClaims returns up to limit claims not yet fused, in the order
// they were stored.
func (s *Store) UnfusedClaims(ctx context.Context, limit int) ([]fuse.StoredClaim, error) {
	defer s.op("fuse_unfused")()
	pool, err := s.fusePool()
	if err != nil {
		return nil, fmt.Errorf("unfused claims: %w", err)
	}
	found, err := s.queryLocatedOn(ctx, pool, unfusedSQL, limit)
	if err != nil {
		return nil, fmt.Errorf("unfused claims: %w", err)
	}
	out := make([]fuse.StoredClaim, len(found))
	for i := range found {
		out[i] = found[i].StoredClaim
	}
	return out, nil
}

// AllClaims calls fn with every current claim, in the order stored.
func (s *Store) AllClaims(ctx context.Context, fn func(fuse.StoredClaim) error) error {
	var after int64 = -1
	for {
		found, err := s.queryLocated(ctx, `SELECT `+locatedCols+`
			WHERE c.superseded_by IS NULL AND c.seq > $1 ORDER BY c.seq LIMIT 5000`, after)
		if err != nil {
			return fmt.Errorf("all claims: %w", err)
		}
		if len(found) == 0 {
			return nil
		}
		for _, c := range found {
			after = c.seq
			if err := fn(c.StoredClaim); err != nil {
				return err
			}
		}
	}
}

// placedCols are the columns of a placed claim, read by scanFused.
const placedCols = `f.claim_id, f.incident_id, f.size, f.source_ref, f.published, f.fetched, f.doc, f.link`

// queryFused reads placed claims, and the size of each one's incident.
func (s *Store) queryFused(ctx context.Context, q string, args ...any) ([]fuse.StoredClaim, []int, error) {
	pool, err := s.fusePool()
	if err != nil {
		return nil, nil, err
	}
	rows, err := pool.Query(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	return scanFused(rows)
}

// scanFused reads and closes the rows of a query of placedCols.
func scanFused(rows pgx.Rows) ([]fuse.StoredClaim, []int, error) {
	defer rows.Close()
	var out []fuse.StoredClaim
	var sizes []int
	for rows.Next() {
		var c fuse.StoredClaim
		var published, fetched *time.Time
		var doc, link []byte
		var size int
		if err := rows.Scan(&c.Claim.ID, &c.IncidentID, &size, &c.Ref, &published, &fetched, &doc, &link); err != nil {
			return nil, nil, err
		}
		sizes = append(sizes, size)
		c.Fetched = parseTime(fetched)
		if published != nil {
			t := parseTime(published)
			c.Published = &t
		}
		if err := json.Unmarshal(doc, &c.Claim); err != nil {
			return nil, nil, fmt.Errorf("fused claim document: %w", err)
		}
		if link != nil {
			c.Link = new(fuse.Link)
			if err := json.Unmarshal(link, c.Link); err != nil {
				return nil, nil, fmt.Errorf("fused claim link: %w", err)
			}
		}
		out = append(out, c)
	}
	rows.Close()
	return out, sizes, rows.Err()
}

// candidateSQL returns the candidates of a window of a country, in one
// statement: the window's rows from the block index (w), and for the
// incidents of more than one claim (m: a size above one on their row, or
// two rows in the window) every current claim instead, read by incident
// through its index (mf, materialised: left to the planner, a join with
// claims of a freshly loaded store scanned every claim). Arguments:
// country, the window's lowest start (lo - fuse.NarrowSpan), hi, lo.
// candidateAllSQL is the same for claims without a country (every
// country), without the country's condition that picks the index.
var candidateSQL, candidateAllSQL = candidateQuery(`f.country IN ($1, '') AND `, ""), candidateQuery(`$1 = '' AND `, "")

// candidateSkipSQL and candidateAllSkipSQL are candidateSQL and
// candidateAllSQL for Neighbourhood, which skips the lookup of a claim
// whose incident ($5) holds a current fused claim other than itself
// ($6): fusion leaves such a claim where it is (fuse.Lookup), and a
// batch of newer reports of fused claims read every window for nothing.
var candidateSkipSQL, candidateAllSkipSQL = candidateQuery(`f.country IN ($1, '') AND `, skipKept),
	candidateQuery(`$1 = '' AND `, skipKept)

// skipKept is the condition of candidateSkipSQL: evaluated once.
const skipKept = ` AND NOT EXISTS (SELECT 1 FROM fuse_claims k JOIN claims kc ON kc.id = k.claim_id
	AND kc.superseded_by IS NULL WHERE k.incident_id = $5 AND k.claim_id <> $6)`

func candidateQuery(country, skip string) string {
	return `WITH w AS MATERIALIZED (
		SELECT ` + placedCols + ` FROM fuse_claims f
			WHERE ` + country + `NOT f.wide AND f.win_lo BETWEEN $2 AND $3 AND f.win_hi >= $4` + skip + `
		UNION ALL SELECT ` + placedCols + ` FROM fuse_claims f
			WHERE ` + country + `f.wide AND f.win_lo <= $3 AND f.win_hi >= $4` + skip + `),
	m AS (SELECT incident_id FROM w GROUP BY incident_id HAVING count(*) > 1 OR max(size) > 1),
	mf AS MATERIALIZED (SELECT * FROM fuse_claims WHERE incident_id IN (SELECT incident_id FROM m))
	SELECT claim_id, incident_id, size, source_ref, published, fetched, doc, link FROM w
		WHERE incident_id NOT IN (SELECT incident_id FROM m)
	UNION ALL
	(SELECT ` + mfCols + ` FROM mf JOIN claims c ON c.id = mf.claim_id AND c.superseded_by IS NULL
		ORDER BY mf.claim_id)`
}

// candidates returns the statement and arguments of a window's candidates.
func candidates(country string, lo, hi int) (string, []any) {
	q := candidateSQL
	if country == "" {
		q = candidateAllSQL
	}
	return q, []any{country, lo - fuse.NarrowSpan, hi, lo}
}

// mfCols are placedCols of the materialised rows of an incident's
// claims, joined with claims to leave out those of superseded claims
// that fusion has not purged yet.
const mfCols = `mf.claim_id, mf.incident_id, mf.size, mf.source_ref, mf.published, mf.fetched, mf.doc, mf.link`

// incidentClaimsSQL returns the current fused claims of the incidents $1:
// their rows first, by their index, then their claims by key (with the
// join left to the planner, statistics of a freshly loaded store made it
// scan every claim: 12 ms an attach at 10k, growing with the store).
const incidentClaimsSQL = `WITH mf AS MATERIALIZED (SELECT * FROM fuse_claims WHERE incident_id = ANY($1))
	SELECT ` + mfCols + ` FROM mf JOIN claims c ON c.id = mf.claim_id AND c.superseded_by IS NULL
	ORDER BY mf.claim_id`

// CandidateClaims returns every current fused claim of the incidents
// holding a claim whose window overlaps [lo, hi], of a country or of none
// (of every country for ""): the window's rows from the block index, and
// the other claims of incidents of more than one claim by incident, in
// one statement (candidateSQL).
func (s *Store) CandidateClaims(ctx context.Context, country string, lo, hi int) ([]fuse.StoredClaim, error) {
	q, args := candidates(country, lo, hi)
	out, _, err := s.queryFused(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("candidate claims: %w", err)
	}
	return out, nil
}

// IncidentClaims returns the current fused claims of some incidents.
func (s *Store) IncidentClaims(ctx context.Context, ids []string) ([]fuse.StoredClaim, error) {
	out, _, err := s.queryFused(ctx, incidentClaimsSQL, ids)
	if err != nil {
		return nil, fmt.Errorf("incident claims: %w", err)
	}
	return out, nil
}

// Neighbourhood reads IncidentClaims(incs) and the CandidateClaims of
// every lookup as one pipelined batch: one round trip for what took one
// per query (two per lookup before candidateSQL).
func (s *Store) Neighbourhood(ctx context.Context, incs []string, lookups []fuse.Lookup) ([]fuse.StoredClaim, [][]fuse.StoredClaim, error) {
	var b pgx.Batch
	b.Queue(incidentClaimsSQL, incs)
	for _, l := range lookups {
		q := candidateSkipSQL
		if l.Country == "" {
			q = candidateAllSkipSQL
		}
		b.Queue(q, l.Country, l.Lo-fuse.NarrowSpan, l.Hi, l.Lo, l.Incident, l.Claim)
	}
	pool, err := s.fusePool()
	if err != nil {
		return nil, nil, fmt.Errorf("neighbourhood: %w", err)
	}
	br := pool.SendBatch(ctx, &b)
	defer br.Close()
	members, err := scanBatchFused(br)
	if err != nil {
		return nil, nil, fmt.Errorf("neighbourhood: incident claims: %w", err)
	}
	cands := make([][]fuse.StoredClaim, len(lookups))
	for i, l := range lookups {
		if cands[i], err = scanBatchFused(br); err != nil {
			return nil, nil, fmt.Errorf("neighbourhood: candidates in %q [%d, %d]: %w", l.Country, l.Lo, l.Hi, err)
		}
	}
	if err := br.Close(); err != nil {
		return nil, nil, fmt.Errorf("neighbourhood: %w", err)
	}
	return members, cands, nil
}

// scanBatchFused reads the next result of a batch of placedCols queries.
func scanBatchFused(br pgx.BatchResults) ([]fuse.StoredClaim, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	out, _, err := scanFused(rows)
	return out, err
}

// FuseIncidents returns the current documents of the live incidents among ids.
func (s *Store) FuseIncidents(ctx context.Context, ids []string) (map[string]model.Incident, error) {
	pool, err := s.fusePool()
	if err != nil {
		return nil, fmt.Errorf("incidents: %w", err)
	}
	out, err := planReader{pool}.Incidents(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("incidents: %w", err)
	}
	return out, nil
}

// LastVersions returns the number of the last version of incidents, live or retired.
func (s *Store) LastVersions(ctx context.Context, ids []string) (map[string]int, error) {
	pool, err := s.fusePool()
	if err != nil {
		return nil, fmt.Errorf("last versions: %w", err)
	}
	rows, err := pool.Query(ctx, `SELECT incident_id, max(version) FROM incident_versions
		WHERE incident_id = ANY($1) GROUP BY incident_id`, ids)
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

// Successors returns, for the claims among ids that newer revisions
// replaced, the current claim at the end of each chain.
func (s *Store) Successors(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	// The chains of revisions, followed in one recursive query.
	rows, err := s.pool.Query(ctx, `WITH RECURSIVE chain (orig, id, depth) AS (
			SELECT id, superseded_by, 1 FROM claims WHERE id = ANY($1) AND superseded_by IS NOT NULL
			UNION ALL
			SELECT chain.orig, c.superseded_by, chain.depth + 1 FROM chain JOIN claims c ON c.id = chain.id
			WHERE c.superseded_by IS NOT NULL AND chain.depth < 1000)
		SELECT DISTINCT ON (orig) orig, id FROM chain ORDER BY orig, depth DESC`, ids)
	if err != nil {
		return nil, fmt.Errorf("successors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var orig, id string
		if err := rows.Scan(&orig, &id); err != nil {
			return nil, fmt.Errorf("successors: %w", err)
		}
		out[orig] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("successors: %w", err)
	}
	return out, nil
}

// Constraints returns the analysts' corrections in the order given.
func (s *Store) Constraints(ctx context.Context) ([]fuse.Constraint, error) {
	rows, err := s.pool.Query(ctx, `SELECT doc FROM fuse_constraints ORDER BY id`)
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

// FuseModel returns the model of the last full re-fusion, nil if none.
func (s *Store) FuseModel(ctx context.Context) (*fuse.Model, error) {
	var doc []byte
	err := s.pool.QueryRow(ctx, `SELECT doc FROM fuse_model WHERE id = 1`).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
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

// setupCols read a run's Setup: the sources, the model and the
// corrections, as JSON (decodeSetup).
const setupCols = `(SELECT coalesce(json_agg(json_build_object('name', name, 'kind', kind, 'title', title, 'reliability', reliability)), '[]') FROM sources),
	(SELECT doc FROM fuse_model WHERE id = 1),
	(SELECT coalesce(json_agg(doc ORDER BY id), '[]') FROM fuse_constraints)`

// FuseSetup reads the sources, the model and the analysts' corrections
// in one query: a run of fusion starts with them, and an attach of one
// claim made three round trips for them before.
func (s *Store) FuseSetup(ctx context.Context) (fuse.Setup, error) {
	var srcs, mdoc, cons []byte
	if err := s.pool.QueryRow(ctx, `SELECT `+setupCols).Scan(&srcs, &mdoc, &cons); err != nil {
		return fuse.Setup{}, fmt.Errorf("fuse setup: %w", err)
	}
	su, err := decodeSetup(srcs, mdoc, cons)
	if err != nil {
		return fuse.Setup{}, fmt.Errorf("fuse setup: %w", err)
	}
	return su, nil
}

// decodeSetup decodes the columns of setupCols.
func decodeSetup(srcs, mdoc, cons []byte) (fuse.Setup, error) {
	var list []struct {
		Name        string  `json:"name"`
		Kind        string  `json:"kind"`
		Title       string  `json:"title"`
		Reliability float64 `json:"reliability"`
	}
	if err := json.Unmarshal(srcs, &list); err != nil {
		return fuse.Setup{}, fmt.Errorf("sources: %w", err)
	}
	su := fuse.Setup{Sources: make(map[string]model.Source, len(list))}
	for _, src := range list {
		su.Sources[src.Name] = model.Source{Name: src.Name, Kind: model.SourceKind(src.Kind), Title: src.Title, Reliability: src.Reliability}
	}
	if mdoc != nil {
		su.Model = new(fuse.Model)
		if err := json.Unmarshal(mdoc, su.Model); err != nil {
			return fuse.Setup{}, fmt.Errorf("model: %w", err)
		}
	}
	if err := json.Unmarshal(cons, &su.Constraints); err != nil {
		return fuse.Setup{}, fmt.Errorf("constraints: %w", err)
	}
	return su, nil
}

// countsSQL counts the unfused claims (u) and the placed ones up to one
// more than those (the limit of the second count is the first).
const countsSQL = `cu AS (SELECT count(*) AS n FROM claims WHERE NOT fused),
	cp AS (SELECT count(*) AS n FROM (SELECT 1 FROM fuse_claims LIMIT (SELECT n + 1 FROM cu)) x)`

// FuseStart reads what an incremental run starts with in one round trip:
// the counts and the setup in one statement, and, pipelined after it,
// the first batch of unfused claims with their chunks (unfusedSQL). The
// batch is read whether or not the run goes on one batch at a time, and
// dropped when it does not (a first fusion runs All instead, and reads
// them again): counting the unfused claims a second time to decide it in
// the statement cost more, at 1M, than the batch (the partial index of
// unfused claims keeps the entries of a whole store's first fusion until
// a vacuum: 2,700 pages counted at each attach).
func (s *Store) FuseStart(ctx context.Context, limit int) (fuse.Start, error) {
	defer s.op("fuse_unfused")() // the first read of the unfused claims, as UnfusedClaims
	var st fuse.Start
	var b pgx.Batch
	var srcs, mdoc, cons []byte
	b.Queue(`WITH ` + countsSQL + ` SELECT (SELECT n FROM cp), (SELECT n FROM cu), ` + setupCols)
	b.Queue(unfusedSQL, limit)
	pool, err := s.fusePool()
	if err != nil {
		return st, fmt.Errorf("fuse start: %w", err)
	}
	br := pool.SendBatch(ctx, &b)
	defer br.Close()
	if err := br.QueryRow().Scan(&st.Fused, &st.Unfused, &srcs, &mdoc, &cons); err != nil {
		return st, fmt.Errorf("fuse start: counts and setup: %w", err)
	}
	rows, err := br.Query()
	if err != nil {
		return st, fmt.Errorf("fuse start: unfused claims: %w", err)
	}
	found, err := s.scanLocated(rows)
	if err != nil {
		return st, fmt.Errorf("fuse start: unfused claims: %w", err)
	}
	if err := br.Close(); err != nil {
		return st, fmt.Errorf("fuse start: %w", err)
	}
	if st.Setup, err = decodeSetup(srcs, mdoc, cons); err != nil {
		return st, fmt.Errorf("fuse start: setup: %w", err)
	}
	if err := s.locatedDocs(ctx, found); err != nil {
		return st, fmt.Errorf("fuse start: unfused claims: %w", err)
	}
	if len(found) > 0 && st.Unfused < st.Fused {
		st.Batch = make([]fuse.StoredClaim, len(found))
		for i := range found {
			st.Batch[i] = found[i].StoredClaim
		}
	}
	return st, nil
}

// RetiredIncident says where a retired incident went, or returns an error
// wrapping store.ErrNotFound.
func (s *Store) RetiredIncident(ctx context.Context, id string) (fuse.Retired, error) {
	r := fuse.Retired{ID: id}
	var at *time.Time
	err := s.pool.QueryRow(ctx, `SELECT merged_into, at, reason FROM fuse_retired WHERE incident_id = $1`, id).
		Scan(&r.MergedInto, &at, &r.Reason)
	if errors.Is(err, pgx.ErrNoRows) {
		return fuse.Retired{}, notFound("retired incident", id)
	}
	if err != nil {
		return fuse.Retired{}, fmt.Errorf("retired incident %s: %w", id, err)
	}
	r.At = parseTime(at)
	return r, nil
}

// IncidentHistory returns every version of an incident, live or retired,
// in version order, or an error wrapping store.ErrNotFound.
func (s *Store) IncidentHistory(ctx context.Context, id string) ([]store.Version, error) {
	rows, err := s.pool.Query(ctx, `SELECT v.version, v.at, v.author, v.reason, coalesce(v.doc, i.doc)
		FROM incident_versions v LEFT JOIN incidents i ON i.id = v.incident_id
		WHERE v.incident_id = $1 ORDER BY v.version`, id)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", id, err)
	}
	defer rows.Close()
	var out []store.Version
	for rows.Next() {
		v := store.Version{IncidentID: id}
		var at *time.Time
		var doc []byte
		if err := rows.Scan(&v.Version, &at, &v.Author, &v.Reason, &doc); err != nil {
			return nil, fmt.Errorf("history of %s: %w", id, err)
		}
		v.At = parseTime(at)
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

// insertIncidentSQL creates an incident row.
const insertIncidentSQL = `INSERT INTO incidents (id, version, status, start_date, end_date, country, admin1,
	attack_type, killed_best, perpetrator, actors, doc, first_seen, updated)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`

// ApplyFusion writes a fusion change in one transaction: incidents
// created or versioned, claims placed, claims done, incidents retired,
// the model and the analyst's constraint.
//
// The change is one batch, sent in one round trip without BEGIN and
// COMMIT: PostgreSQL runs the statements up to the batch's Sync as one
// implicit transaction (all or nothing), so the explicit transaction only
// cost two more round trips, a third of an attach's time in the store.
//
// A change with a model ends a full re-fusion, which rewrote the fusion
// tables: they are analysed then, so that the planner does not go on
// with the statistics of an empty store (it then scanned every claim to
// count the unfused ones or read an incident's claims). The claims are
// vacuumed too: the re-fusion marked every claim fused, and until a
// vacuum the partial index of unfused claims kept an entry for each,
// which every attach's count and read walked (2,700 pages at 1M, a
// millisecond or two an attach; the vacuum took 1.1 s there, after a
// re-fusion of 25 minutes). And fuse_claims is rewritten in the order of
// its block index (CLUSTER), as SQLite stores it: the candidates of a
// window are then neighbours, 71 pages for the 283 candidates of a busy
// window at 1M instead of 290 (20 s there, under load; the table is
// fusion's own, and only fusion and a dump wait for it meanwhile).
func (s *Store) ApplyFusion(ctx context.Context, ch *fuse.Change) error {
	defer s.op("fuse_apply")()
	pool, err := s.fusePool()
	if err != nil {
		return fmt.Errorf("apply fusion: %w", err)
	}
	if err := applyFusion(ctx, pool, ch); err != nil {
		return fmt.Errorf("apply fusion: %w", err)
	}
	if ch.Model != nil {
		if _, err := s.pool.Exec(ctx, `CLUSTER fuse_claims USING fuse_claims_block`); err != nil {
			return fmt.Errorf("apply fusion: cluster: %w", err)
		}
		if _, err := s.pool.Exec(ctx, `ANALYZE fuse_claims, incidents, incident_versions`); err != nil {
			return fmt.Errorf("apply fusion: analyze: %w", err)
		}
		if _, err := s.pool.Exec(ctx, `VACUUM (ANALYZE) claims`); err != nil {
			return fmt.Errorf("apply fusion: vacuum: %w", err)
		}
	}
	return nil
}

// placeSQL places claims, one row per element of its arrays: their
// fuse_claims rows written (a claim placed again, with its incident's
// new size, replaces its row), and their claims rows moved to the
// incident and marked fused, the rows already so left alone (an
// incident's members are placed again each time it grows: rewriting
// their unchanged rows cost an attach a row version and index entries
// per member). One statement for every placement of a change, not two
// per placement.
const placeSQL = `WITH v AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
		$6::integer[], $7::integer[], $8::boolean[], $9::timestamptz[], $10::timestamptz[], $11::jsonb[], $12::jsonb[],
		$13::integer[]) AS v (claim_id, incident_id, source, source_ref, country, win_lo, win_hi, wide, published,
		fetched, doc, link, size)),
	placed AS (INSERT INTO fuse_claims (claim_id, incident_id, source, source_ref, country, win_lo, win_hi,
		wide, published, fetched, doc, link, size) SELECT * FROM v
		ON CONFLICT (claim_id) DO UPDATE SET incident_id = excluded.incident_id, size = excluded.size, source = excluded.source,
		source_ref = excluded.source_ref, country = excluded.country, win_lo = excluded.win_lo,
		win_hi = excluded.win_hi, wide = excluded.wide, published = excluded.published,
		fetched = excluded.fetched, doc = excluded.doc, link = excluded.link)
	UPDATE claims c SET incident_id = v.incident_id, fused = true FROM v
	WHERE c.id = v.claim_id AND (c.incident_id <> v.incident_id OR NOT c.fused)`

// queuePlacements queues placeSQL for the placements of a change (the
// last of a claim placed twice, as when each had its statement).
func queuePlacements(b *pgx.Batch, ps []fuse.Placement) error {
	last := make(map[string]int, len(ps))
	for i, p := range ps {
		last[p.Claim.ID] = i
	}
	n := len(last)
	if n == 0 {
		return nil
	}
	ids, incs, srcs, refs, countries := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	los, his, sizes := make([]int32, 0, n), make([]int32, 0, n), make([]int32, 0, n)
	wides := make([]bool, 0, n)
	published, fetched := make([]*time.Time, 0, n), make([]time.Time, 0, n)
	docs, links := make([]string, 0, n), make([]*string, 0, n)
	for i, p := range ps {
		if last[p.Claim.ID] != i {
			continue
		}
		doc, err := json.Marshal(p.Claim)
		if err != nil {
			return fmt.Errorf("claim %s: %w", p.Claim.ID, err)
		}
		var link *string
		if p.Link != nil {
			l, err := json.Marshal(p.Link)
			if err != nil {
				return fmt.Errorf("claim %s: %w", p.Claim.ID, err)
			}
			ls := string(l)
			link = &ls
		}
		var pub *time.Time
		if p.Published != nil {
			t := p.Published.UTC()
			pub = &t
		}
		ids, incs, srcs, refs = append(ids, p.Claim.ID), append(incs, p.IncidentID), append(srcs, p.Claim.Source), append(refs, p.Ref)
		countries = append(countries, p.Claim.Country)
		los, his = append(los, int32(p.WinLo)), append(his, int32(p.WinHi))
		wides = append(wides, p.WinHi-p.WinLo > fuse.NarrowSpan)
		published, fetched = append(published, pub), append(fetched, p.Fetched.UTC())
		docs, links = append(docs, string(doc)), append(links, link)
		sizes = append(sizes, int32(max(p.Size, 1)))
	}
	b.Queue(placeSQL, ids, incs, srcs, refs, countries, los, his, wides, published, fetched, docs, links, sizes)
	return nil
}

// batchSender sends a batch: the pool (one implicit transaction) or a transaction.
type batchSender interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

func applyFusion(ctx context.Context, tx batchSender, ch *fuse.Change) error {
	at := ch.At.UTC()
	var b pgx.Batch
	// The current documents of the incidents versioned or retired go to
	// their last versions first, in one statement, not one each: nothing
	// before their own statements changes them (an incident is versioned
	// or retired, never both; should a change hold both, each keeps its
	// own statement, in order).
	var save []string
	retired := map[string]bool{}
	for _, r := range ch.Retired {
		retired[r.ID] = true
	}
	saveEach := false
	for _, v := range ch.Incidents {
		if !v.Create {
			save = append(save, v.Incident.ID)
			saveEach = saveEach || retired[v.Incident.ID]
		}
	}
	if !saveEach {
		for _, r := range ch.Retired {
			save = append(save, r.ID)
		}
		if len(save) > 0 {
			b.Queue(saveCurrentSQL, save)
		}
	}
	for _, v := range ch.Incidents {
		inc := v.Incident
		doc, err := json.Marshal(inc)
		if err != nil {
			return fmt.Errorf("incident %s: %w", inc.ID, err)
		}
		pi := &plan.Incident{Incident: inc, Doc: doc}
		if v.Create {
			b.Queue(insertIncidentSQL, append(incidentValues(pi, []any{inc.ID}), inc.FirstSeen.UTC(), inc.Updated.UTC())...)
			b.Queue(`DELETE FROM fuse_retired WHERE incident_id = $1`, inc.ID)
		} else {
			if saveEach {
				b.Queue(saveCurrentSQL, []string{inc.ID})
			}
			b.Queue(updateIncidentSQL, append(incidentValues(pi, nil), inc.Updated.UTC(), inc.ID)...)
		}
		b.Queue(`INSERT INTO incident_versions (incident_id, version, at, author, reason, doc) VALUES ($1, $2, $3, $4, $5, NULL)`,
			inc.ID, inc.Version, at, ch.Author, v.Reason)
	}
	if err := queuePlacements(&b, ch.Placements); err != nil {
		return err
	}
	for _, id := range ch.Done {
		b.Queue(`UPDATE claims SET fused = true WHERE id = $1`, id)
		b.Queue(`DELETE FROM fuse_claims WHERE claim_id = $1`, id)
	}
	for _, r := range ch.Retired {
		doc, err := json.Marshal(r.Doc)
		if err != nil {
			return fmt.Errorf("retire %s: %w", r.ID, err)
		}
		if saveEach {
			b.Queue(saveCurrentSQL, []string{r.ID})
		}
		b.Queue(`INSERT INTO incident_versions (incident_id, version, at, author, reason, doc) VALUES ($1, $2, $3, $4, $5, $6)`,
			r.ID, r.Doc.Version, at, ch.Author, r.Reason, doc)
		b.Queue(`UPDATE claims SET incident_id = $1 WHERE incident_id = $2`, r.Into, r.ID)
		b.Queue(`UPDATE fuse_claims SET incident_id = $1 WHERE incident_id = $2`, r.Into, r.ID)
		b.Queue(`DELETE FROM incidents WHERE id = $1`, r.ID)
		b.Queue(`UPDATE fuse_retired SET merged_into = $1 WHERE merged_into = $2`, r.Into, r.ID)
		b.Queue(`INSERT INTO fuse_retired (incident_id, merged_into, at, reason) VALUES ($1, $2, $3, $4)
			ON CONFLICT (incident_id) DO UPDATE SET merged_into = excluded.merged_into, at = excluded.at, reason = excluded.reason`,
			r.ID, r.Into, at, r.Reason)
	}
	// After the retirements, which move superseded claims too.
	if ch.PurgeAll {
		b.Queue(`DELETE FROM fuse_claims WHERE claim_id IN (SELECT id FROM claims WHERE superseded_by IS NOT NULL)`)
	}
	for _, id := range ch.Purge {
		b.Queue(`DELETE FROM fuse_claims WHERE claim_id IN
			(SELECT id FROM claims WHERE incident_id = $1 AND superseded_by IS NOT NULL)`, id)
	}
	if ch.Model != nil {
		doc, err := json.Marshal(ch.Model)
		if err != nil {
			return fmt.Errorf("model: %w", err)
		}
		b.Queue(`INSERT INTO fuse_model (id, at, doc) VALUES (1, $1, $2)
			ON CONFLICT (id) DO UPDATE SET at = excluded.at, doc = excluded.doc`, at, doc)
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
		b.Queue(`INSERT INTO fuse_constraints (at, author, reason, doc) VALUES ($1, $2, $3, $4)`, at, c.Author, c.Reason, doc)
	}
	if b.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, &b).Close()
}
