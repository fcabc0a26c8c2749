package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/plan"
)

// ImportBatch stores a batch of records in one transaction, following the
// rules of store.BatchCounts: new, updated (a new version of the
// incident) or unchanged. On any error nothing of the batch is stored.
//
// It is PlanBatch then WriteBatch: the batch is planned and encoded (JSON
// documents) before the transaction; inside it, after taking the import
// lock, the plan is only checked against a fresh lookup, and made again
// there if another writer changed the same references in between. Rows go
// in with COPY.
func (s *Store) ImportBatch(ctx context.Context, recs []model.Record, at time.Time) (store.BatchCounts, error) {
	pb, err := s.PlanBatch(ctx, recs, at)
	if err != nil {
		return store.BatchCounts{}, err
	}
	return s.WriteBatch(ctx, pb)
}

// planned is this store's store.PlannedBatch.
type planned struct {
	b       *plan.Batch // nil for an empty batch
	p       *plan.Plan
	written bool
}

// Len implements store.PlannedBatch.
func (x *planned) Len() int {
	if x.b == nil {
		return 0
	}
	return x.b.Len()
}

// PlanBatch does the part of ImportBatch that needs no transaction: it
// checks the records, plans them against the store as it is now and
// encodes what the plan writes. An importer plans the next batch with it
// while WriteBatch writes the last one; WriteBatch checks the plan again
// under the import lock, so a plan made before another batch committed
// is still applied by the rules of store.BatchCounts.
func (s *Store) PlanBatch(ctx context.Context, recs []model.Record, at time.Time) (store.PlannedBatch, error) {
	return s.planBatch(ctx, recs, at, plan.Prepare)
}

// PlanCheckedBatch is PlanBatch for records that the caller has checked
// with model.Record.CheckText, as ingest does: their text is not checked
// again.
func (s *Store) PlanCheckedBatch(ctx context.Context, recs []model.Record, at time.Time) (store.PlannedBatch, error) {
	return s.planBatch(ctx, recs, at, plan.PrepareChecked)
}

func (s *Store) planBatch(ctx context.Context, recs []model.Record, at time.Time,
	prepare func([]model.Record, time.Time) (*plan.Batch, error)) (store.PlannedBatch, error) {
	defer s.op("import_plan")()
	if len(recs) == 0 {
		return &planned{}, nil
	}
	b, err := prepare(recs, at)
	if err != nil {
		return nil, fmt.Errorf("import batch: %w", err)
	}
	p, err := b.Make(ctx, planReader{s.pool})
	if err != nil {
		return nil, fmt.Errorf("import batch: %w", err)
	}
	if !p.Empty() {
		if err := p.Encode(); err != nil {
			return nil, fmt.Errorf("import batch: %w", err)
		}
	}
	return &planned{b: b, p: p}, nil
}

// WriteBatch writes a batch that PlanBatch planned, once, in one
// transaction, and returns what it did with each record.
func (s *Store) WriteBatch(ctx context.Context, pb store.PlannedBatch) (store.BatchCounts, error) {
	defer s.op("import_write")()
	x, ok := pb.(*planned)
	switch {
	case !ok || x == nil:
		return store.BatchCounts{}, fmt.Errorf("import batch: %T was not planned by this store", pb)
	case x.written:
		return store.BatchCounts{}, errors.New("import batch: written already")
	case x.b == nil:
		return store.BatchCounts{}, nil
	}
	x.written = true
	b, p := x.b, x.p
	if p.Empty() {
		// Every record was unchanged when planned. The plan may be older
		// than a batch committed since (an importer plans ahead): what
		// the store holds now decides. A batch still unchanged needs no
		// transaction: its counts hold for a committed state of the store.
		same, err := p.Check(ctx, planReader{s.pool})
		if err != nil {
			return store.BatchCounts{}, fmt.Errorf("import batch: %w", err)
		}
		if same {
			return p.Counts, nil
		}
	}

	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return store.BatchCounts{}, fmt.Errorf("import batch: begin: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, importLock); err != nil {
		return store.BatchCounts{}, fmt.Errorf("import batch: lock: %w", err)
	}
	same, err := p.Check(ctx, planReader{tx})
	if err != nil {
		return store.BatchCounts{}, fmt.Errorf("import batch: %w", err)
	}
	if !same {
		if p, err = b.Make(ctx, planReader{tx}); err == nil && !p.Empty() {
			err = p.Encode()
		}
		if err != nil {
			return store.BatchCounts{}, fmt.Errorf("import batch: %w", err)
		}
	}
	if p.Empty() {
		return p.Counts, nil
	}
	if err := checkSources(ctx, tx, p); err != nil {
		return store.BatchCounts{}, fmt.Errorf("import batch: %w", err)
	}
	// Foreign keys are triggers that PostgreSQL runs row by row, one query
	// each: four a record, half the server's work of an import. An
	// import's plan only refers to rows it writes or has looked up under
	// the import lock, except the sources, which checkSources looked up;
	// so a role that may (a superuser, as pg_restore --disable-triggers
	// does) turns them off for this transaction. Other roles keep them.
	if _, err := tx.Exec(ctx, skipTriggersSQL); err != nil {
		return store.BatchCounts{}, fmt.Errorf("import batch: %w", err)
	}
	if err := writePlan(ctx, tx, p); err != nil {
		return store.BatchCounts{}, fmt.Errorf("import batch: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return store.BatchCounts{}, fmt.Errorf("import batch: commit: %w", err)
	}
	return p.Counts, nil
}

// skipTriggersSQL turns triggers (foreign keys among them) off until the
// end of the transaction when the role is a superuser, and does nothing
// otherwise: the WHERE clause is evaluated before set_config is called.
const skipTriggersSQL = `SELECT set_config('session_replication_role', 'replica', true)
	WHERE current_setting('is_superuser') = 'on'`

// checkSources refuses a plan whose reports name a source that is not
// stored: the one reference of an import that the plan does not vouch for.
func checkSources(ctx context.Context, tx pgx.Tx, p *plan.Plan) error {
	var names []string
	for i := range p.Reports {
		if n := p.Reports[i].Source; !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	rows, err := tx.Query(ctx, `SELECT name FROM sources WHERE name = ANY($1)`, names)
	if err != nil {
		return fmt.Errorf("check sources: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("check sources: %w", err)
	}
	for _, n := range names {
		if !slices.Contains(found, n) {
			return fmt.Errorf("source %q is not stored (EnsureSource first)", plan.CleanText(n))
		}
	}
	return nil
}

// planReader reads for plan, through the pool or the write transaction.
type planReader struct{ q querier }

// lookupSQL finds every report of some references of one source, with the
// current claims of the current report and their incidents' versions.
const lookupSQL = `SELECT r.source_ref, r.id, r.hash, r.revision, r.superseded_by IS NULL,
	coalesce(c.id, ''), coalesce(c.incident_id, ''), coalesce(i.version, 0)
FROM reports r
LEFT JOIN claims c ON c.report_id = r.id AND c.superseded_by IS NULL AND r.superseded_by IS NULL
LEFT JOIN incidents i ON i.id = c.incident_id
WHERE r.source = $1 AND r.source_ref = ANY($2)`

// Lookup implements plan.Reader.
func (r planReader) Lookup(ctx context.Context, source string, refs []string) ([]plan.Row, error) {
	rows, err := r.q.Query(ctx, lookupSQL, source, refs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []plan.Row
	for rows.Next() {
		row := plan.Row{Source: source}
		if err := rows.Scan(&row.Ref, &row.ReportID, &row.Hash, &row.Revision, &row.Current,
			&row.ClaimID, &row.IncidentID, &row.IncidentVersion); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// Incidents implements plan.Reader.
func (r planReader) Incidents(ctx context.Context, ids []string) (map[string]model.Incident, error) {
	rows, err := r.q.Query(ctx, `SELECT doc FROM incidents WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]model.Incident, len(ids))
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			return nil, err
		}
		out[inc.ID] = inc
	}
	return out, rows.Err()
}

// table is a table that import batches COPY into.
type table struct {
	name string
	cols []string
}

var (
	reportsTable = table{"reports", []string{"id", "source", "source_ref", "revision", "hash",
		"raw_chunk", "raw_offset", "raw_length", "origin", "fetched", "published", "superseded_by"}}
	incidentsTable = table{"incidents", []string{"id", "version", "status", "start_date", "end_date", "country",
		"admin1", "attack_type", "killed_best", "perpetrator", "actors", "doc", "first_seen", "updated"}}
	claimsTable = table{"claims", []string{"id", "report_id", "incident_id", "superseded_by", "source",
		"start_date", "end_date", "country", "admin1", "lat", "lon", "attack_type", "doc_offset", "doc_length"}}
	versionsTable = table{"incident_versions", []string{"incident_id", "version", "at", "author", "reason", "doc"}}
)

// insert copies n rows into t; row returns the values of row i.
func insert(ctx context.Context, tx pgx.Tx, t table, n int, row func(i int) []any) error {
	if n == 0 {
		return nil
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
		return row(i), nil
	})); err != nil {
		return fmt.Errorf("insert %s: %w", t.name, err)
	}
	return nil
}

// writePlan writes a plan's rows in the order foreign keys need: the raw
// chunk, reports, incidents, claims, versions.
func writePlan(ctx context.Context, tx pgx.Tx, p *plan.Plan) error {
	if len(p.Reports) > 0 {
		codec, data, err := p.Chunk()
		if err != nil {
			return err
		}
		var chunk int64
		if err := tx.QueryRow(ctx, `INSERT INTO raw_chunks (codec, data) VALUES ($1, $2) RETURNING id`,
			codec, data).Scan(&chunk); err != nil {
			return fmt.Errorf("insert raw chunk: %w", err)
		}
		if err := insert(ctx, tx, reportsTable, len(p.Reports), func(i int) []any {
			r := &p.Reports[i]
			return []any{r.ID, r.Source, r.SourceRef, r.Revision, r.Hash, chunk, r.RawOffset, r.RawLength,
				r.Origin, r.Fetched, publishedValue(r.Published), nullString(r.SupersededBy)}
		}); err != nil {
			return err
		}
	}
	if err := insert(ctx, tx, incidentsTable, len(p.NewIncidents), func(i int) []any {
		inc := &p.NewIncidents[i]
		return append(incidentValues(inc, []any{inc.ID}), inc.FirstSeen, inc.Updated)
	}); err != nil {
		return err
	}
	if err := insert(ctx, tx, claimsTable, len(p.Claims), func(i int) []any {
		c := &p.Claims[i]
		return []any{c.ID, c.ReportID, c.IncidentID, nullString(c.SupersededBy), c.Source,
			dateValue(c.Start), dateValue(c.End), c.Country, c.Admin1, c.Lat, c.Lon,
			string(c.AttackType), c.DocOffset, c.DocLength}
	}); err != nil {
		return err
	}
	if len(p.Changed) > 0 {
		ids := make([]string, len(p.Changed))
		for i := range p.Changed {
			ids[i] = p.Changed[i].ID
		}
		if _, err := tx.Exec(ctx, saveCurrentSQL, ids); err != nil {
			return fmt.Errorf("keep current versions: %w", err)
		}
	}
	if err := insert(ctx, tx, versionsTable, len(p.Versions), func(i int) []any {
		v := &p.Versions[i]
		var doc any
		if !v.Current {
			doc = v.Doc
		}
		return []any{v.IncidentID, v.Version.Version, v.At, v.Author, v.Reason, doc}
	}); err != nil {
		return err
	}

	if len(p.Changed) > 0 {
		var batch pgx.Batch
		for i := range p.Changed {
			inc := &p.Changed[i]
			batch.Queue(updateIncidentSQL, append(incidentValues(inc, nil), inc.Updated, inc.ID)...)
		}
		if err := tx.SendBatch(ctx, &batch).Close(); err != nil {
			return fmt.Errorf("update incidents: %w", err)
		}
	}
	if err := supersede(ctx, tx, "reports", p.SupersededReports); err != nil {
		return err
	}
	return supersede(ctx, tx, "claims", p.SupersededClaims)
}

// saveCurrentSQL fills in the document of some incidents' current
// versions (stored as NULL, see plan.Version) from the incident rows,
// before the incidents change.
const saveCurrentSQL = `UPDATE incident_versions v SET doc = i.doc FROM incidents i
	WHERE i.id = v.incident_id AND v.incident_id = ANY($1) AND v.doc IS NULL`

// updateIncidentSQL updates a stored incident to its new version.
const updateIncidentSQL = `UPDATE incidents SET version = $1, status = $2, start_date = $3, end_date = $4,
	country = $5, admin1 = $6, attack_type = $7, killed_best = $8, perpetrator = $9, actors = $10, doc = $11,
	updated = $12 WHERE id = $13`

// supersede marks stored rows of a table (reports or claims) as
// superseded, all in one statement.
func supersede(ctx context.Context, tx pgx.Tx, tableName string, list []plan.Supersede) error {
	if len(list) == 0 {
		return nil
	}
	ids, by := make([]string, len(list)), make([]string, len(list))
	for i, x := range list {
		ids[i], by[i] = x.ID, x.By
	}
	if _, err := tx.Exec(ctx, `UPDATE `+tableName+` t SET superseded_by = u.by
		FROM unnest($1::text[], $2::text[]) AS u(id, by) WHERE t.id = u.id`, ids, by); err != nil {
		return fmt.Errorf("supersede %s: %w", tableName, err)
	}
	return nil
}

// incidentValues appends an incident's column values, version to doc, to a.
func incidentValues(inc *plan.Incident, a []any) []any {
	end := inc.End
	if end.IsZero() {
		end = inc.Start
	}
	var killed any
	if inc.Killed != nil {
		killed = inc.Killed.Best
	}
	return append(a, inc.Version, string(inc.Status), dateValue(inc.Start), dateValue(end),
		inc.Country, plan.Fold(inc.Admin1), string(inc.AttackType), killed, inc.Perpetrator,
		plan.Actors(inc.Incident), inc.Doc)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func publishedValue(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}
