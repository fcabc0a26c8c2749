package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// DumpBackend is what the dump contract needs of a backend: every kind of
// row, written through the store's own methods, and the dump methods.
type DumpBackend interface {
	FuseBackend
	FeedBackend
	AlertBackend
	TeamBackend
	store.Dumper
	store.Restorer
	Audit(ctx context.Context, f store.AuditFilter, fn func(store.AuditEntry) error) error
	PruneRaw(ctx context.Context, o store.PruneOptions) (store.PruneCounts, error)
}

// Populated names some of the rows Populate wrote, for checks after a
// restore.
type Populated struct {
	Kerman      string // a fused incident with an analyst's setting
	Tehran      string // an incident split and merged back (retired rows)
	Session     string // the hash of a session, which dumps leave out
	ReportID    int64  // a public report with a contact, which dumps leave out
	AuditRows   int
	ReportIDs   []string
	AlertRuleID int64 // the highest alert rule id given, of a rule removed
	TokenID     int64
}

// Populate writes a row of every kind a store holds, through the store's
// methods: imported reports and claims (one revised), a fusion with its
// model and retired incidents, corrections (split, set, merge), a
// rejection and an import run, a feed with articles, an alert rule with an
// alert and deliveries (one delivered), users, a revoked token, a session,
// audit entries, and public reports (one approved with a contact, one
// rejected).
func Populate(t *testing.T, b DumpBackend) Populated {
	t.Helper()
	ctx := t.Context()
	var p Populated
	recs := fuseRecords()
	importFused(t, b, baseRecords()...)
	importFused(t, b, recs[0], recs[1])
	tehran := fusedIncidentOf(t, b, "gtd:201706070001#1")
	kerman := fusedIncidentOf(t, b, "gtd:201706210002#1")
	p.Tehran, p.Kerman = tehran.ID, kerman.ID
	c := fuse.Correction{Author: "analyst", Reason: "two events, then one", At: fuseAt.Add(2 * time.Hour)}
	newID, err := fuse.Split(ctx, b, tehran.ID, []string{"ucdp:u-9001#1"}, c)
	if err != nil {
		t.Fatalf("Split: %v", err)
	}
	if err := fuse.Set(ctx, b, kerman.ID, "killed", "3", c); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if err := fuse.Merge(ctx, b, []string{tehran.ID, newID}, c); err != nil {
		t.Fatalf("Merge: %v", err)
	}
	// A revised report: the old report and claim stay, superseded.
	mustImport(t, b, at3, Record("gtd", "201706210002", 1, "gtd row 2, revised", fetched, func(c *model.Claim) {
		c.Start = model.Date{Year: 2017, Month: time.June, Day: 21}
		c.Killed = model.Point(4, model.AtLeast)
	}))
	if _, err := fuse.Incremental(ctx, b, fuse.RunOptions{At: fuseAt.Add(3 * time.Hour)}); err != nil {
		t.Fatalf("Incremental: %v", err)
	}
	if err := b.SaveRejections(ctx, []store.Rejection{{Source: "gtd", File: "gtd.csv", Line: 7, Field: "iyear",
		Reason: "not a year", Raw: "x,\xff\xfe,<&>", At: at2},
		{Source: "gtd", File: "gtd.csv", Line: 8, Reason: "empty row", At: at2}}); err != nil {
		t.Fatalf("SaveRejections: %v", err)
	}
	run := store.ImportRun{Source: "gtd", File: "gtd.csv", Started: at1}
	if run.ID, err = b.StartImport(ctx, run); err != nil {
		t.Fatalf("StartImport: %v", err)
	}
	run.Finished, run.Read, run.BatchCounts, run.Rejected, run.Status = at2, 9, store.BatchCounts{New: 8}, 1, "done"
	if err := b.FinishImport(ctx, run); err != nil {
		t.Fatalf("FinishImport: %v", err)
	}

	ensure(t, b, NewsA)
	if err := b.AddFeed(ctx, store.Feed{Name: "news-a", URL: "https://a.example/feed.xml", Interval: time.Hour,
		Added: at1, NextPoll: at2}); err != nil {
		t.Fatalf("AddFeed: %v", err)
	}
	pub := time.Date(2024, 1, 3, 14, 0, 0, 0, time.UTC)
	if _, err := b.SaveArticles(ctx, []model.Article{
		Article("news-a", "g1", "https://a.example/1", "Twin blasts in Kerman", "At least 84 killed.", &pub),
		Article("news-a", "g2", "https://a.example/2", "انفجار در کرمان", "دست‌کم ۸۴ نفر کشته شدند.", nil),
	}, at1); err != nil {
		t.Fatalf("SaveArticles: %v", err)
	}

	if p.AlertRuleID, err = b.AddAlertRule(ctx, store.AlertRule{Name: "Iran, 10 killed", Kind: "incident",
		Spec: json.RawMessage(`{"country": "IR", "min_killed": 10}`), Created: at1, Checked: at2}); err != nil {
		t.Fatalf("AddAlertRule: %v", err)
	}
	if _, err := b.SaveAlerts(ctx, []store.NewAlert{{Alert: store.Alert{RuleID: p.AlertRuleID, RuleName: "Iran, 10 killed",
		Kind: "incident", Key: kerman.ID + "@1", At: at2, Title: "Kerman: 3 killed", Summary: "a <b>test</b> & more",
		Incidents: []string{kerman.ID}, Reports: []string{model.ReportID("gtd", "201706210002", 0)},
		Details: json.RawMessage(`{"killed": 3, "lat": 30.28, "tiny": 1e-7}`)},
		Deliveries: []store.Delivery{
			{Channel: "webhook", Target: "https://hooks.example/x", IdemKey: "idem-1"},
			{Channel: "email", Target: "desk@example.org", IdemKey: "idem-2"},
		}}}); err != nil {
		t.Fatalf("SaveAlerts: %v", err)
	}
	// A rule removed: its id is the highest given, and is never given
	// again, also after a restore.
	gone, err := b.AddAlertRule(ctx, store.AlertRule{Name: "removed", Kind: "incident", Spec: json.RawMessage(`{}`), Created: at1, Checked: at1})
	if err != nil {
		t.Fatalf("AddAlertRule: %v", err)
	}
	if err := b.DeleteAlertRule(ctx, gone); err != nil {
		t.Fatalf("DeleteAlertRule: %v", err)
	}
	p.AlertRuleID = gone
	items, err := b.LeaseOutbox(ctx, at3, time.Minute, 1)
	if err != nil || len(items) != 1 {
		t.Fatalf("LeaseOutbox: %d items, %v", len(items), err)
	}
	if err := b.FinishOutbox(ctx, items[0].ID, store.OutboxResult{State: store.OutboxDelivered, At: at3}); err != nil {
		t.Fatalf("FinishOutbox: %v", err)
	}

	admin, err := b.CreateUser(ctx, store.NewUser{Name: "admin", Role: store.RoleAdmin,
		PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", Created: at1})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if _, err := b.CreateUser(ctx, store.NewUser{Name: "analyst", Role: store.RoleAnalyst, Created: at2}); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	tok, err := b.CreateToken(ctx, store.NewToken{Name: "ci", Role: store.RoleViewer, Creator: "user:admin", Created: at1,
		Hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	p.TokenID = tok.ID
	if err := b.RevokeToken(ctx, tok.ID, at2); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	p.Session = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
	if err := b.CreateSession(ctx, store.Session{IDHash: p.Session, UserID: admin.ID, Created: at1,
		Expires: at3.Add(24 * time.Hour), CSRF: "csrf"}); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}

	for i, e := range []store.AuditEntry{
		{At: at1, Actor: "cli:test", Action: "import", Target: "gtd.csv", Details: json.RawMessage(`{"new":8,"file":"gtd.csv"}`)},
		{At: at2, Actor: "user:admin", Action: "token.add", Target: "1", Details: json.RawMessage(`{"name":"ci","note":"<&> کرمان"}`)},
		{At: at3, Actor: "system", Action: "fuse"},
	} {
		if _, err := b.AppendAudit(ctx, e); err != nil {
			t.Fatalf("AppendAudit %d: %v", i, err)
		}
		p.AuditRows++
	}

	lat, lon := 30.28, 57.08
	a, err := b.AddPublicReport(ctx, store.PublicReport{Received: at1, What: "two explosions near the cemetery", Place: "Kerman",
		Lat: &lat, Lon: &lon, When: "2024-01-03", Link: "https://example.org/a"}, "reporter@example.org")
	if err != nil {
		t.Fatalf("AddPublicReport: %v", err)
	}
	p.ReportID = a.ID
	if _, err := b.ModerateReport(ctx, a.ID, store.Moderation{State: store.ReportApproved, By: "user:analyst", At: at2,
		Note: "matches the GTD row", ClaimRef: "public:1"}); err != nil {
		t.Fatalf("ModerateReport approve: %v", err)
	}
	r, err := b.AddPublicReport(ctx, store.PublicReport{Received: at2, What: "انفجار در کرمان"}, "")
	if err != nil {
		t.Fatalf("AddPublicReport: %v", err)
	}
	if _, err := b.ModerateReport(ctx, r.ID, store.Moderation{State: store.ReportRejected, By: "user:analyst", At: at3,
		Note: "no detail"}); err != nil {
		t.Fatalf("ModerateReport reject: %v", err)
	}

	// Retention: the bodies of the reports received before a cutoff go,
	// a later report's stays.
	late := fetched.Add(100 * 24 * time.Hour)
	mustImport(t, b, late, Record("gtd", "201801010001", 0, "gtd row, received later", late, nil))
	pc, err := b.PruneRaw(ctx, store.PruneOptions{Before: fetched.Add(time.Hour), At: late.Add(time.Hour)})
	if err != nil || pc.Reports == 0 {
		t.Fatalf("PruneRaw: %+v, %v; want bodies pruned", pc, err)
	}
	return p
}

// Dumped is a store's dump held in memory: each table's rows, values
// copied. It is also a store.RowSource, for RestoreRows.
type Dumped map[string][][]any

// Dump returns every row of tables as b dumps them.
func Dump(t *testing.T, b store.Dumper, tables []store.DumpTable) Dumped {
	t.Helper()
	out := Dumped{}
	for _, tb := range tables {
		out[tb.Name] = [][]any{}
	}
	if err := b.DumpRows(t.Context(), tables, func(tb *store.DumpTable, row []any) error {
		out[tb.Name] = append(out[tb.Name], slices.Clone(row))
		return nil
	}); err != nil {
		t.Fatalf("DumpRows: %v", err)
	}
	return out
}

// NotEmpty returns the tables of d that hold rows, with their counts: a
// store that holds nothing gives none. (store.IDSequences always has a row
// per table; it counts when a value is not 0.)
func (d Dumped) NotEmpty() map[string]int {
	out := map[string]int{}
	for name, rows := range d {
		n := len(rows)
		if name == store.IDSequences {
			n = 0
			for _, r := range rows {
				if r[1] != int64(0) {
					n++
				}
			}
		}
		if n > 0 {
			out[name] = n
		}
	}
	return out
}

// Rows implements store.RowSource.
func (d Dumped) Rows(ctx context.Context, t *store.DumpTable, fn store.RowFunc) error {
	for _, row := range d[t.Name] {
		if err := fn(slices.Clone(row)); err != nil {
			return err
		}
	}
	return nil
}

// RunDump runs the dump contract: a populated store dumps every table,
// restores into an empty store of the same backend row for row (ids,
// versions and the audit chain intact, sessions and reporters' contacts
// left out), refuses a store that is not empty, and stores nothing when
// a restore fails half way.
func RunDump(t *testing.T, open func(t *testing.T) DumpBackend) {
	t.Run("RoundTrip", func(t *testing.T) { testDumpRoundTrip(t, open) })
	t.Run("RefusesNonEmpty", func(t *testing.T) { testDumpNonEmpty(t, open) })
	t.Run("FailureStoresNothing", func(t *testing.T) { testDumpFailure(t, open) })
	t.Run("WithoutAccounts", func(t *testing.T) { testDumpWithoutAccounts(t, open) })
	t.Run("Snapshot", func(t *testing.T) { testDumpSnapshot(t, open) })
}

// testDumpSnapshot: a dump is one snapshot of the store. Rows written
// while it runs (a source, an audit entry, an import) are not in it, so
// that it never holds a claim without its report or an audit entry
// without the one before.
func testDumpSnapshot(t *testing.T, open func(t *testing.T) DumpBackend) {
	ctx := t.Context()
	b := open(t)
	p := Populate(t, b)
	tables := store.DumpTablesFor(true)
	before := Dump(t, b, tables)
	got := Dumped{}
	wrote := false
	err := b.DumpRows(ctx, tables, func(tb *store.DumpTable, row []any) error {
		if !wrote {
			wrote = true
			ensure(t, b, model.Source{Name: "late", Kind: model.KindDataset, Title: "Late"})
			mustImport(t, b, at3, Synthetic("late", 0, 2, fetched)...)
			if _, err := b.AppendAudit(ctx, store.AuditEntry{At: at3, Actor: "cli:test", Action: "import", Target: "late.csv"}); err != nil {
				return err
			}
		}
		got[tb.Name] = append(got[tb.Name], slices.Clone(row))
		return nil
	})
	if err != nil {
		t.Fatalf("DumpRows with writes meanwhile: %v", err)
	}
	for _, tb := range tables {
		if g, w := len(got[tb.Name]), len(before[tb.Name]); g != w {
			t.Errorf("table %s: %d rows dumped while others were written, want the %d of the snapshot", tb.Name, g, w)
		}
	}
	checkAuditChain(t, b, p.AuditRows+1)
}

func testDumpRoundTrip(t *testing.T, open func(t *testing.T) DumpBackend) {
	ctx := t.Context()
	src := open(t)
	p := Populate(t, src)
	tables := store.DumpTablesFor(true)
	first := Dump(t, src, tables)
	for _, tb := range tables {
		if len(first[tb.Name]) == 0 {
			t.Errorf("table %s: no rows dumped from a populated store", tb.Name)
		}
	}
	dst := open(t)
	if err := dst.RestoreRows(ctx, tables, first); err != nil {
		t.Fatalf("RestoreRows: %v", err)
	}
	again := Dump(t, dst, tables)
	for _, tb := range tables {
		if got, want := again[tb.Name], first[tb.Name]; !reflect.DeepEqual(got, want) {
			t.Errorf("table %s after the round trip:\n got %v\nwant %v", tb.Name, got, want)
		}
	}
	// What the store's readers give back is the same too.
	for _, id := range []string{p.Kerman, p.Tehran} {
		wi, err1 := src.Incident(ctx, id)
		gi, err2 := dst.Incident(ctx, id)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(gi, wi) {
			t.Errorf("Incident(%s) after the round trip: got %+v (%v), want %+v (%v)", id, gi, err2, wi, err1)
		}
		wv, _ := src.Versions(ctx, id)
		gv, err := dst.Versions(ctx, id)
		if err != nil || !reflect.DeepEqual(gv, wv) {
			t.Errorf("Versions(%s) after the round trip: got %d versions (%v), want %d", id, len(gv), err, len(wv))
		}
		wc, _ := src.Claims(ctx, id)
		gc, err := dst.Claims(ctx, id)
		if err != nil || !reflect.DeepEqual(gc, wc) {
			t.Errorf("Claims(%s) after the round trip: got %+v (%v), want %+v", id, gc, err, wc)
		}
	}
	// A report whose body retention pruned stays pruned; one received
	// later keeps its body.
	for _, tc := range []struct {
		id     string
		pruned bool
	}{
		{model.ReportID("gtd", "201706210002", 0), true},
		{model.ReportID("news-a", "g2", 0), true},
		{model.ReportID("gtd", "201801010001", 0), false},
	} {
		wr, err1 := src.Report(ctx, tc.id)
		gr, err2 := dst.Report(ctx, tc.id)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(gr, wr) {
			t.Errorf("Report(%s) after the round trip: got %+v (%v), want %+v (%v)", tc.id, gr, err2, wr, err1)
		}
		if (gr.Pruned != nil) != tc.pruned || (len(gr.Raw) == 0) != tc.pruned {
			t.Errorf("Report(%s) after the round trip: pruned %v with %d raw bytes; want pruned %v", tc.id, gr.Pruned, len(gr.Raw), tc.pruned)
		}
	}
	checkAuditChain(t, dst, p.AuditRows)
	if _, _, err := dst.Session(ctx, p.Session, at3); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a session came through the dump: %v, want ErrNotFound", err)
	}
	if c, err := dst.PublicReportContact(ctx, p.ReportID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a reporter's contact came through the dump: %q, %v", c, err)
	}
	if got, err := dst.PublicReport(ctx, p.ReportID); err != nil || got.State != store.ReportApproved || got.HasContact {
		t.Errorf("PublicReport after the round trip: %+v, %v; want approved, without its contact", got, err)
	}

	// The restored store goes on: new ids follow the restored ones.
	e, err := dst.AppendAudit(ctx, store.AuditEntry{At: at3.Add(time.Hour), Actor: "cli:test", Action: "restore"})
	if err != nil {
		t.Fatalf("AppendAudit after a restore: %v", err)
	}
	checkAuditChain(t, dst, p.AuditRows+1)
	if e.ID != int64(p.AuditRows+1) {
		t.Errorf("audit id after a restore: got %d, want %d", e.ID, p.AuditRows+1)
	}
	id, err := dst.AddAlertRule(ctx, store.AlertRule{Name: "after", Kind: "incident", Spec: json.RawMessage(`{}`), Created: at3, Checked: at3})
	if err != nil || id <= p.AlertRuleID {
		t.Errorf("AddAlertRule after a restore: id %d, %v; want one after %d", id, err, p.AlertRuleID)
	}
	if _, err := dst.CreateUser(ctx, store.NewUser{Name: "third", Role: store.RoleViewer, Created: at3}); err != nil {
		t.Errorf("CreateUser after a restore: %v", err)
	}
	ensure(t, dst, GTD)
	if got := mustImport(t, dst, at3, Synthetic("gtd", 100, 3, fetched)...); got.New != 3 {
		t.Errorf("import after a restore: %+v, want 3 new", got)
	}
	if _, err := dst.Report(ctx, model.ReportID("gtd", "201706070001", 0)); err != nil {
		t.Errorf("a restored report after a new import: %v", err)
	}
}

// AuditLog returns b's whole audit log, oldest first.
func AuditLog(t testing.TB, b interface {
	Audit(ctx context.Context, f store.AuditFilter, fn func(store.AuditEntry) error) error
}) []store.AuditEntry {
	t.Helper()
	var es []store.AuditEntry
	if err := b.Audit(t.Context(), store.AuditFilter{}, func(e store.AuditEntry) error {
		es = append(es, e)
		return nil
	}); err != nil {
		t.Fatalf("Audit: %v", err)
	}
	return es
}

// checkAuditChain checks that b's audit log has n entries that chain.
func checkAuditChain(t *testing.T, b DumpBackend, n int) {
	t.Helper()
	es := AuditLog(t, b)
	if len(es) != n {
		t.Errorf("audit log: got %d entries, want %d", len(es), n)
	}
	if err := store.VerifyAudit(es); err != nil {
		t.Errorf("audit chain after a restore: %v", err)
	}
}

func testDumpNonEmpty(t *testing.T, open func(t *testing.T) DumpBackend) {
	src := open(t)
	Populate(t, src)
	tables := store.DumpTablesFor(true)
	d := Dump(t, src, tables)
	dst := open(t)
	ensure(t, dst, ACLED)
	err := dst.RestoreRows(t.Context(), tables, d)
	if !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("RestoreRows into a store with a source: %v, want ErrNotEmpty", err)
	}
	got := Dump(t, dst, tables)
	if n := len(got["sources"]); n != 1 || len(got["reports"]) != 0 {
		t.Errorf("after a refused restore: %d sources, %d reports; want the 1 source it had, no report", n, len(got["reports"]))
	}
}

// failing is a RowSource that fails at the nth row of a table, after
// giving the rows before it.
type failing struct {
	Dumped
	table string
	n     int
}

func (f failing) Rows(ctx context.Context, t *store.DumpTable, fn store.RowFunc) error {
	for i, row := range f.Dumped[t.Name] {
		if t.Name == f.table && i == f.n {
			return fmt.Errorf("%s line %d: damaged", t.Name, i+1)
		}
		if err := fn(slices.Clone(row)); err != nil {
			return err
		}
	}
	return nil
}

func testDumpFailure(t *testing.T, open func(t *testing.T) DumpBackend) {
	src := open(t)
	Populate(t, src)
	tables := store.DumpTablesFor(true)
	d := Dump(t, src, tables)
	dst := open(t)
	for _, tc := range []struct {
		name string
		src  store.RowSource
	}{
		{"source fails in audit_log", failing{d, "audit_log", 2}},
		{"bad value", badValue(d, "incidents", "doc")},
		{"dangling claim", dangling(d)},
	} {
		if err := dst.RestoreRows(t.Context(), tables, tc.src); err == nil {
			t.Errorf("%s: RestoreRows got no error", tc.name)
		}
		if full := Dump(t, dst, tables).NotEmpty(); len(full) != 0 {
			t.Errorf("%s: after a failed restore the store holds %v, want nothing", tc.name, full)
		}
	}
	// A failed restore leaves the store usable: the same dump restores.
	if err := dst.RestoreRows(t.Context(), tables, d); err != nil {
		t.Fatalf("RestoreRows after failed ones: %v", err)
	}
}

// badValue returns d with a NULL in a column that does not allow it, in
// the last row of a table.
func badValue(d Dumped, table, col string) Dumped {
	out := Dumped{}
	for k, v := range d {
		out[k] = v
	}
	rows := slices.Clone(d[table])
	i := store.DumpTables[slices.IndexFunc(store.DumpTables, func(t store.DumpTable) bool { return t.Name == table })].Column(col)
	last := slices.Clone(rows[len(rows)-1])
	last[i] = nil
	rows[len(rows)-1] = last
	out[table] = rows
	return out
}

// dangling returns d with one claim's report left out.
func dangling(d Dumped) Dumped {
	out := Dumped{}
	for k, v := range d {
		out[k] = v
	}
	claims := d["claims"]
	reportID := claims[len(claims)-1][1].(string)
	out["reports"] = slices.DeleteFunc(slices.Clone(d["reports"]), func(r []any) bool { return r[0] == reportID })
	out["articles"] = slices.DeleteFunc(slices.Clone(d["articles"]), func(r []any) bool { return r[0] == reportID })
	return out
}

func testDumpWithoutAccounts(t *testing.T, open func(t *testing.T) DumpBackend) {
	src := open(t)
	p := Populate(t, src)
	tables := store.DumpTablesFor(false)
	for _, tb := range tables {
		if tb.Name == "users" || tb.Name == "api_tokens" {
			t.Fatalf("DumpTablesFor(false) holds %s", tb.Name)
		}
	}
	d := Dump(t, src, tables)
	dst := open(t)
	if err := dst.RestoreRows(t.Context(), tables, d); err != nil {
		t.Fatalf("RestoreRows without accounts: %v", err)
	}
	if us, err := dst.Users(t.Context()); err != nil || len(us) != 0 {
		t.Errorf("users after a restore without accounts: %d, %v; want none", len(us), err)
	}
	if toks, err := dst.Tokens(t.Context()); err != nil || len(toks) != 0 {
		t.Errorf("tokens after a restore without accounts: %d, %v; want none", len(toks), err)
	}
	checkAuditChain(t, dst, 3)
	// The audit log names tokens by id: a new token does not take an old
	// one's, though the old one was left out.
	tok, err := dst.CreateToken(t.Context(), store.NewToken{Name: "new", Role: store.RoleViewer, Created: at3,
		Hash: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"})
	if err != nil || tok.ID <= p.TokenID {
		t.Errorf("CreateToken after a restore without accounts: id %d, %v; want one after %d", tok.ID, err, p.TokenID)
	}
}
