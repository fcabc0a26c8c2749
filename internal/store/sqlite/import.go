package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/plan"
)

// ImportBatch stores a batch of records in one transaction, following the
// rules of store.BatchCounts: new, updated (a new version of the
// incident) or unchanged. On any error nothing of the batch is stored.
//
// It is PlanBatch then WriteBatch: the batch is planned and encoded (JSON
// documents) on a read connection before the write lock is taken; inside
// the write transaction the plan is only checked against a fresh lookup,
// and made again there if another writer changed the same references in
// between.
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

// PlanBatch does the part of ImportBatch that needs no write lock: it
// checks the records, plans them against the store as it is now and
// encodes what the plan writes. An importer plans the next batch with it
// while WriteBatch writes the last one; WriteBatch checks the plan again
// inside its transaction, so a plan made before another batch committed
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
	p, err := b.Make(ctx, planReader{s.read})
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
		// the store holds now decides, through the read pool, which sees
		// every committed batch. A batch still unchanged needs no write
		// transaction: its counts hold for a committed state of the store.
		same, err := p.Check(ctx, planReader{s.read})
		if err != nil {
			return store.BatchCounts{}, fmt.Errorf("import batch: %w", err)
		}
		if same {
			return p.Counts, nil
		}
	}

	// The writer connection, held for the whole batch: foreign keys are
	// switched off on it around the transaction (the pragma has no effect
	// inside one) and on again after. An import's plan only refers to rows
	// it writes or has just looked up in the same transaction, except the
	// reports' sources, which checkSources looks up; SQLite's checks
	// would only repeat that, and cost a fifth of an import: even deferred
	// to the commit, they make every multi-row INSERT keep a statement
	// journal (a copy of each page it changes).
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return store.BatchCounts{}, fmt.Errorf("import batch: %w", err)
	}
	defer s.releaseUnchecked(conn)
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return store.BatchCounts{}, fmt.Errorf("import batch: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return store.BatchCounts{}, fmt.Errorf("import batch: begin: %w", err)
	}
	// After an INSERT OR ROLLBACK failed, SQLite has already rolled back
	// and this Rollback finds no transaction: its error means nothing.
	defer tx.Rollback()
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
	if err := s.writePlan(ctx, tx, &batchWriter{s: s, conn: conn}, p); err != nil {
		return store.BatchCounts{}, fmt.Errorf("import batch: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return store.BatchCounts{}, fmt.Errorf("import batch: commit: %w", err)
	}
	return p.Counts, nil
}

// releaseUnchecked switches foreign keys on again on the writer
// connection and gives it back to the pool; a connection that cannot be
// switched back is closed, so that no other write runs unchecked.
func (s *Store) releaseUnchecked(conn *sql.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = ON`); err != nil {
		conn.Raw(func(dc any) error {
			// Statements left open would keep the closed connection's
			// file open (SQLite closes it when the last is finalized).
			s.raw.closeOn(dc)
			return driver.ErrBadConn
		})
	}
	conn.Close()
}

// checkSources refuses a plan whose reports name a source that is not
// stored: the one reference of an import that foreign keys would check
// and the plan does not vouch for.
func checkSources(ctx context.Context, tx *sql.Tx, p *plan.Plan) error {
	var names []string
	for i := range p.Reports {
		if n := p.Reports[i].Source; !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	list, err := json.Marshal(names)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sources WHERE name IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return fmt.Errorf("check sources: %w", err)
	}
	defer rows.Close()
	found := make(map[string]bool, len(names))
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return fmt.Errorf("check sources: %w", err)
		}
		found[n] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check sources: %w", err)
	}
	for _, n := range names {
		if !found[n] {
			return fmt.Errorf("source %q is not stored (EnsureSource first)", plan.CleanText(n))
		}
	}
	return nil
}

// planReader reads for plan, through the read pool or the write
// transaction.
type planReader struct{ q querier }

// lookupSQL finds every report of some references of one source, with the
// current claims of the current report and their incidents' versions. The
// references come as one JSON array so that the statement text is fixed.
const lookupSQL = `SELECT r.source_ref, r.id, r.hash, r.revision, r.superseded_by IS NULL,
	coalesce(c.id, ''), coalesce(c.incident_id, ''), coalesce(i.version, 0)
FROM reports r
LEFT JOIN claims c ON c.report_id = r.id AND c.superseded_by IS NULL AND r.superseded_by IS NULL
LEFT JOIN incidents i ON i.id = c.incident_id
WHERE r.source = ? AND r.source_ref IN (SELECT value FROM json_each(?))`

// Lookup implements plan.Reader.
func (r planReader) Lookup(ctx context.Context, source string, refs []string) ([]plan.Row, error) {
	list, err := json.Marshal(refs)
	if err != nil {
		return nil, err
	}
	rows, err := r.q.QueryContext(ctx, lookupSQL, source, string(list))
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
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := r.q.QueryContext(ctx, `SELECT doc FROM incidents WHERE id IN (SELECT value FROM json_each(?))`, string(list))
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

// table is a table that import batches insert into with multi-row INSERTs.
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

// insertRows is how many rows one INSERT statement carries: enough to
// spread the per-statement cost, few enough to keep statements small.
const insertRows = 64

// insertSQL returns the INSERT of n rows into t.
//
// OR ROLLBACK: a constraint failure ends the whole transaction at once,
// which is what a batch wants anyway, and it spares SQLite the statement
// journal it otherwise keeps to undo a multi-row INSERT that fails half
// way (with foreign keys off during the batch, see WriteBatch).
func (t table) insertSQL(n int) string {
	var b strings.Builder
	b.WriteString("INSERT OR ROLLBACK INTO ")
	b.WriteString(t.name)
	b.WriteString(" (")
	b.WriteString(strings.Join(t.cols, ", "))
	b.WriteString(") VALUES ")
	row := "(?" + strings.Repeat(", ?", len(t.cols)-1) + ")"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// insert inserts n rows into t, insertRows at a time; row appends the
// values of row i to args.
func (s *Store) insert(ctx context.Context, tx *sql.Tx, t table, n int, row func(i int, args []any) []any) error {
	args := make([]any, 0, insertRows*len(t.cols))
	for start := 0; start < n; start += insertRows {
		end := min(start+insertRows, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(i, args)
		}
		st, err := s.txStmt(ctx, tx, t.insertSQL(end-start))
		if err != nil {
			return fmt.Errorf("insert %s: %w", t.name, err)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("insert %s: %w", t.name, err)
		}
	}
	return nil
}

// batchWriter inserts an import batch's rows through the driver's own
// prepared statements on the writer connection (database/sql's Conn.Raw),
// inside the transaction that WriteBatch began on it. database/sql's
// statement path costs, per execution, a lock of the connection, a
// conversion of every argument and, for a context that can be cancelled,
// the driver's watcher goroutine and progress handler: writing the rows
// of a 200,000-row GTD import took 5.2 CPU s that way and 3.8 this way
// (bench/importfloor, docs/BENCHMARKS.md). The statements run on a context that is never
// cancelled; the batch's context is checked between statements instead,
// which at 64 rows a statement is as prompt.
type batchWriter struct {
	s    *Store
	conn *sql.Conn
	args []any
	vals []driver.NamedValue
}

// rawStmts are the driver statements a store's writer connection has
// prepared for batchWriter, kept while that connection lives.
type rawStmts struct {
	mu    sync.Mutex
	owner any // the driver connection they belong to
	stmts map[string]driver.Stmt
}

// insert inserts n rows into t, insertRows at a time; row appends the
// values of row i to args.
func (w *batchWriter) insert(ctx context.Context, t table, n int, row func(i int, args []any) []any) error {
	for start := 0; start < n; start += insertRows {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("insert %s: %w", t.name, err)
		}
		end := min(start+insertRows, n)
		w.args = w.args[:0]
		for i := start; i < end; i++ {
			w.args = row(i, w.args)
		}
		if err := w.exec(ctx, t.insertSQL(end-start), w.args); err != nil {
			return fmt.Errorf("insert %s: %w", t.name, err)
		}
	}
	return nil
}

// exec runs query with args on the driver connection, preparing it once
// for the connection's life.
func (w *batchWriter) exec(ctx context.Context, query string, args []any) error {
	w.vals = w.vals[:0]
	for i, a := range args {
		v, err := driverValue(a)
		if err != nil {
			return fmt.Errorf("argument %d: %w", i+1, err)
		}
		w.vals = append(w.vals, driver.NamedValue{Ordinal: i + 1, Value: v})
	}
	ctx = context.WithoutCancel(ctx)
	return w.conn.Raw(func(dc any) error {
		st, err := w.s.raw.stmt(ctx, dc, query)
		if err != nil {
			return err
		}
		ex, ok := st.(driver.StmtExecContext)
		if !ok {
			return fmt.Errorf("driver statement %T cannot execute with a context", st)
		}
		_, err = ex.ExecContext(ctx, w.vals)
		return err
	})
}

// stmt returns query prepared on the driver connection dc. Statements of
// an earlier connection (the writer's connection is replaced only after
// an error) are forgotten: they went with it.
func (r *rawStmts) stmt(ctx context.Context, dc any, query string) (driver.Stmt, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.owner != dc || r.stmts == nil {
		r.owner, r.stmts = dc, make(map[string]driver.Stmt)
	}
	if st, ok := r.stmts[query]; ok {
		return st, nil
	}
	pc, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("driver connection %T cannot prepare with a context", dc)
	}
	st, err := pc.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	r.stmts[query] = st
	return st, nil
}

// close closes the statements, on the writer connection they belong to.
func (r *rawStmts) close(ctx context.Context, write *sql.DB) {
	r.mu.Lock()
	n := len(r.stmts)
	r.mu.Unlock()
	if n == 0 {
		return
	}
	conn, err := write.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	conn.Raw(func(dc any) error {
		r.closeOn(dc)
		return nil
	})
}

// closeOn closes the statements if they belong to the driver connection
// dc, which the caller holds, and forgets them in any case.
func (r *rawStmts) closeOn(dc any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if dc == r.owner {
		for _, st := range r.stmts {
			st.Close()
		}
	}
	r.stmts, r.owner = nil, nil
}

// docText returns a plan's JSON document as the text it is stored as,
// without a copy: the driver copies the bytes when it binds them, and a
// plan's documents are not changed once encoded. A copy here was 130 MB
// of garbage in a 200,000-row import. ([]byte would bind as a BLOB, which
// SQLite's JSON functions read as JSONB, not as JSON text.)
func docText(doc []byte) string {
	return unsafe.String(unsafe.SliceData(doc), len(doc))
}

// timeText formats times as stored, remembering the last one: the times
// of a batch's rows are nearly all one instant (the batch's, or the file's
// fetch time), and formatting each again cost the writer 0.1–0.2 s of a
// 200,000-row import.
type timeText struct {
	t    time.Time
	text string
}

func (c *timeText) format(t time.Time) string {
	if c.text == "" || !t.Equal(c.t) {
		c.t, c.text = t, formatTime(t)
	}
	return c.text
}

// driverValue converts what the row functions append (Go ints among
// them) to the values a driver takes, as database/sql would.
func driverValue(a any) (driver.Value, error) {
	switch x := a.(type) {
	case nil, string, int64, float64, []byte, bool:
		return x, nil
	case int:
		return int64(x), nil
	}
	return driver.DefaultParameterConverter.ConvertValue(a)
}

// writePlan writes a plan's rows. Foreign keys are not checked (see
// WriteBatch), so the order is free: the chunk, the reports and the claims go last,
// giving the goroutine that Encode started (claim documents, compression)
// the time the other rows take.
func (s *Store) writePlan(ctx context.Context, tx *sql.Tx, w *batchWriter, p *plan.Plan) error {
	var firstSeen, updated, versionAt, fetched timeText
	if err := w.insert(ctx, incidentsTable, len(p.NewIncidents), func(i int, a []any) []any {
		inc := &p.NewIncidents[i]
		return append(incidentValues(inc, append(a, inc.ID)), firstSeen.format(inc.FirstSeen), updated.format(inc.Updated))
	}); err != nil {
		return err
	}
	if len(p.Changed) > 0 {
		st, err := s.txStmt(ctx, tx, saveCurrentSQL)
		if err != nil {
			return fmt.Errorf("keep current versions: %w", err)
		}
		for i := range p.Changed {
			if _, err := st.ExecContext(ctx, p.Changed[i].ID); err != nil {
				return fmt.Errorf("keep current version of %s: %w", p.Changed[i].ID, err)
			}
		}
	}
	if err := w.insert(ctx, versionsTable, len(p.Versions), func(i int, a []any) []any {
		v := &p.Versions[i]
		var doc any
		if !v.Current {
			doc = docText(v.Doc)
		}
		return append(a, v.IncidentID, v.Version.Version, versionAt.format(v.At), v.Author, v.Reason, doc)
	}); err != nil {
		return err
	}
	if len(p.Reports) > 0 {
		codec, data, err := p.Chunk()
		if err != nil {
			return err
		}
		st, err := s.txStmt(ctx, tx, insertChunkSQL)
		if err != nil {
			return fmt.Errorf("insert raw chunk: %w", err)
		}
		res, err := st.ExecContext(ctx, codec, data)
		if err != nil {
			return fmt.Errorf("insert raw chunk: %w", err)
		}
		chunk, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("insert raw chunk: %w", err)
		}
		if err := w.insert(ctx, reportsTable, len(p.Reports), func(i int, a []any) []any {
			r := &p.Reports[i]
			return append(a, r.ID, r.Source, r.SourceRef, r.Revision, r.Hash, chunk, r.RawOffset, r.RawLength,
				r.Origin, fetched.format(r.Fetched), publishedValue(r.Published), nullString(r.SupersededBy))
		}); err != nil {
			return err
		}
		if err := w.insert(ctx, claimsTable, len(p.Claims), func(i int, a []any) []any {
			c := &p.Claims[i]
			return append(a, c.ID, c.ReportID, c.IncidentID, nullString(c.SupersededBy), c.Source,
				dateValue(c.Start), dateValue(c.End), c.Country, c.Admin1, floatValue(c.Lat), floatValue(c.Lon),
				string(c.AttackType), c.DocOffset, c.DocLength)
		}); err != nil {
			return err
		}
	}

	if len(p.Changed) > 0 {
		st, err := s.txStmt(ctx, tx, updateIncidentSQL)
		if err != nil {
			return fmt.Errorf("update incidents: %w", err)
		}
		for i := range p.Changed {
			inc := &p.Changed[i]
			args := append(incidentValues(inc, nil), formatTime(inc.Updated), inc.ID)
			if _, err := st.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("update incident %s: %w", inc.ID, err)
			}
		}
	}
	if err := s.supersede(ctx, tx, "reports", p.SupersededReports); err != nil {
		return err
	}
	return s.supersede(ctx, tx, "claims", p.SupersededClaims)
}

// insertChunkSQL stores a batch's raw chunk.
const insertChunkSQL = `INSERT OR ROLLBACK INTO raw_chunks (codec, data) VALUES (?, ?)`

// saveCurrentSQL fills in the document of an incident's current version
// (stored as NULL, see plan.Version) from the incident row, before the
// incident changes.
const saveCurrentSQL = `UPDATE incident_versions SET doc = (SELECT i.doc FROM incidents i WHERE i.id = incident_versions.incident_id)
	WHERE incident_id = ? AND doc IS NULL`

// updateIncidentSQL updates a stored incident to its new version.
const updateIncidentSQL = `UPDATE incidents SET version = ?, status = ?, start_date = ?, end_date = ?, country = ?,
	admin1 = ?, attack_type = ?, killed_best = ?, perpetrator = ?, actors = ?, doc = ?, updated = ? WHERE id = ?`

// supersedeSQL marks a row of a table (reports or claims) as superseded.
func supersedeSQL(table string) string {
	return `UPDATE ` + table + ` SET superseded_by = ? WHERE id = ?`
}

// supersede marks stored rows of a table as superseded.
func (s *Store) supersede(ctx context.Context, tx *sql.Tx, tableName string, list []plan.Supersede) error {
	if len(list) == 0 {
		return nil
	}
	st, err := s.txStmt(ctx, tx, supersedeSQL(tableName))
	if err != nil {
		return fmt.Errorf("supersede %s: %w", tableName, err)
	}
	for _, x := range list {
		if _, err := st.ExecContext(ctx, x.By, x.ID); err != nil {
			return fmt.Errorf("supersede %s %s: %w", tableName, x.ID, err)
		}
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
		plan.Actors(inc.Incident), docText(inc.Doc))
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func floatValue(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func publishedValue(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}
