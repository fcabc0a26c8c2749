package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/internal/plan"
)

// Run runs the contract suite. open must return a fresh, empty backend
// for each call and close it when the test ends (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b Backend)
	}{
		{"SchemaVersion", testSchemaVersion},
		{"Counts", testCounts},
		{"Revisions", testRevisions},
		{"UpdateAppendsVersion", testUpdateAppendsVersion},
		{"VersionHistory", testVersionHistory},
		{"RawRoundTrip", testRawRoundTrip},
		{"RawAcrossBatches", testRawAcrossBatches},
		{"FieldsRoundTrip", testFieldsRoundTrip},
		{"Filter", testFilter},
		{"CursorPagination", testCursorPagination},
		{"SinceStraddling", testSinceStraddling},
		{"StreamStops", testStreamStops},
		{"NotFound", testNotFound},
		{"Stats", testStats},
		{"Rejections", testRejections},
		{"ImportRuns", testImportRuns},
		{"FailedBatchStoresNothing", testFailedBatch},
		{"Sources", testSources},
		{"ConcurrentImports", testConcurrentImports},
		{"PlanAhead", testPlanAhead},
		{"BulkLoad", testBulkLoad},
		{"Feeds", testFeeds},
		{"Aggregate", testAggregate},
		{"Alerts", testAlerts},
		{"Retention", testRetention},
		{"Metrics", testMetrics},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
	t.Run("Fuse", func(t *testing.T) { runFuse(t, open) })
	t.Run("Scale", func(t *testing.T) { runScale(t, open) })
}

// stored is t as a store gives it back: to the microsecond.
func stored(t time.Time) time.Time { return t.Truncate(time.Microsecond) }

// Fixed times: tests never read the clock. at2 has nanoseconds, which
// stores drop.
var (
	fetched = time.Date(2024, 1, 4, 8, 30, 0, 0, time.UTC)
	at1     = time.Date(2024, 1, 4, 9, 0, 0, 0, time.UTC)
	at2     = time.Date(2024, 1, 5, 9, 0, 0, 123456789, time.UTC)
	at3     = time.Date(2024, 1, 6, 9, 0, 0, 0, time.UTC)
)

func ensure(t *testing.T, b Backend, srcs ...model.Source) {
	t.Helper()
	for _, s := range srcs {
		if err := b.EnsureSource(t.Context(), s); err != nil {
			t.Fatalf("EnsureSource(%s): %v", s.Name, err)
		}
	}
}

func mustImport(t *testing.T, b Backend, at time.Time, recs ...model.Record) store.BatchCounts {
	t.Helper()
	c, err := b.ImportBatch(t.Context(), recs, at)
	if err != nil {
		t.Fatalf("ImportBatch: %v", err)
	}
	return c
}

func checkCounts(t *testing.T, what string, got, want store.BatchCounts) {
	t.Helper()
	if got != want {
		t.Errorf("%s: counts got %+v, want %+v", what, got, want)
	}
}

func incidentOf(src, ref string) string { return model.IncidentIDFor(src, ref) }

func all(t *testing.T, b Backend, f store.Filter) []model.Incident {
	t.Helper()
	var out []model.Incident
	if err := b.Incidents(t.Context(), f, func(inc model.Incident) error {
		out = append(out, inc)
		return nil
	}); err != nil {
		t.Fatalf("Incidents(%+v): %v", f, err)
	}
	return out
}

func ids(incs []model.Incident) []string {
	out := make([]string, len(incs))
	for i, inc := range incs {
		out[i] = inc.ID
	}
	return out
}

// sameJSON reports whether a and b marshal alike, and both encodings.
func sameJSON(t *testing.T, a, b any) (bool, string, string) {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(ja) == string(jb), string(ja), string(jb)
}

func testSchemaVersion(t *testing.T, b Backend) {
	v, err := b.SchemaVersion(t.Context())
	if err != nil {
		t.Fatalf("SchemaVersion: %v", err)
	}
	if v < 1 {
		t.Errorf("SchemaVersion got %d, want ≥ 1 on a migrated store", v)
	}
}

func testCounts(t *testing.T, b Backend) {
	ensure(t, b, GTD)
	a := Record("gtd", "a", 0, "row a", fetched, nil)
	bb := Record("gtd", "b", 0, "row b", fetched, nil)
	c := Record("gtd", "c", 0, "row c", fetched, nil)
	checkCounts(t, "first import", mustImport(t, b, at1, a, bb, c), store.BatchCounts{New: 3})
	checkCounts(t, "same rows again", mustImport(t, b, at2, a, bb, c), store.BatchCounts{Unchanged: 3})

	a2 := Record("gtd", "a", 0, "row a, edited", fetched, func(c *model.Claim) { c.Killed = model.Point(7, model.Exact) })
	c2 := Record("gtd", "c", 0, "row c, edited", fetched, nil)
	c3 := Record("gtd", "c", 0, "row c, edited twice", fetched, nil)
	d := Record("gtd", "d", 0, "row d", fetched, nil)
	// d twice (the second is unchanged), c changed twice in one batch
	// (each change an update), b as stored.
	got := mustImport(t, b, at3, a2, bb, d, c2, d, c3)
	checkCounts(t, "mixed batch", got, store.BatchCounts{New: 1, Updated: 3, Unchanged: 2})

	// A batch that repeats a row whose first copy is new within it.
	e := Record("gtd", "e", 0, "row e", fetched, nil)
	checkCounts(t, "repeat in one batch", mustImport(t, b, at3, e, e, e), store.BatchCounts{New: 1, Unchanged: 2})

	st, err := b.Stats(t.Context())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	// Reports: a, a2, b, c, c2, c3, d, e; current: a2, b, c3, d, e.
	if st.Reports != 8 || st.ReportsBySource["gtd"] != 5 || st.Incidents != 5 || st.Claims != 8 {
		t.Errorf("Stats got reports %d (current gtd %d), incidents %d, claims %d; want 8 (5), 5, 8",
			st.Reports, st.ReportsBySource["gtd"], st.Incidents, st.Claims)
	}
	vs, err := b.Versions(t.Context(), incidentOf("gtd", "c"))
	if err != nil {
		t.Fatalf("Versions(c): %v", err)
	}
	if len(vs) != 3 {
		t.Errorf("Versions(c) got %d, want 3 (imported, updated twice)", len(vs))
	}
}

func testRevisions(t *testing.T, b Backend) {
	ensure(t, b, ACLED)
	r100 := Record("acled", "IRN1", 100, "rev 100", fetched, nil)
	r200 := Record("acled", "IRN1", 200, "rev 200", fetched, func(c *model.Claim) { c.Killed = model.Point(9, model.Exact) })
	r150 := Record("acled", "IRN1", 150, "rev 150, older but different", fetched, nil)
	checkCounts(t, "rev 100", mustImport(t, b, at1, r100), store.BatchCounts{New: 1})
	checkCounts(t, "rev 200", mustImport(t, b, at2, r200), store.BatchCounts{Updated: 1})
	checkCounts(t, "rev 150 after 200", mustImport(t, b, at3, r150), store.BatchCounts{Unchanged: 1})
	checkCounts(t, "rev 200 again", mustImport(t, b, at3, r200), store.BatchCounts{Unchanged: 1})

	// Newer then older in one batch: the older one is unchanged.
	r300 := Record("acled", "IRN1", 300, "rev 300", fetched, nil)
	r250 := Record("acled", "IRN1", 250, "rev 250", fetched, nil)
	checkCounts(t, "rev 300 then 250", mustImport(t, b, at3, r300, r250), store.BatchCounts{Updated: 1, Unchanged: 1})

	inc, err := b.Incident(t.Context(), incidentOf("acled", "IRN1"))
	if err != nil {
		t.Fatalf("Incident: %v", err)
	}
	if inc.Version != 3 || !slices.Equal(inc.Claims, []string{model.ClaimID("acled:IRN1@300", 1)}) {
		t.Errorf("incident got version %d, claims %v; want 3, [acled:IRN1@300#1]", inc.Version, inc.Claims)
	}
	for _, id := range []string{"acled:IRN1@100", "acled:IRN1@200", "acled:IRN1@300"} {
		if _, err := b.Report(t.Context(), id); err != nil {
			t.Errorf("Report(%s): %v", id, err)
		}
	}
	for _, id := range []string{"acled:IRN1@150", "acled:IRN1@250"} {
		if _, err := b.Report(t.Context(), id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Report(%s) of an unchanged record got err %v, want ErrNotFound", id, err)
		}
	}
}

// testVersionHistory changes one incident in three batches, twice within
// the middle one: every version keeps its own snapshot and every claim
// its own document, whichever batch wrote them and however the store
// keeps the current version.
func testVersionHistory(t *testing.T, b Backend) {
	ensure(t, b, GTD)
	ctx := t.Context()
	row := func(killed int) model.Record {
		return Record("gtd", "201801010001", 0, fmt.Sprintf("row with %d killed", killed), fetched, func(c *model.Claim) {
			c.Killed = &model.Range{Low: killed, Best: killed, High: killed}
		})
	}
	checkCounts(t, "first", mustImport(t, b, at1, row(1), Record("gtd", "201801010002", 0, "other", fetched, nil)),
		store.BatchCounts{New: 2})
	checkCounts(t, "second", mustImport(t, b, at2, row(2), row(3)), store.BatchCounts{Updated: 2})
	checkCounts(t, "third", mustImport(t, b, at3, row(4)), store.BatchCounts{Updated: 1})

	id := incidentOf("gtd", "201801010001")
	vs, err := b.Versions(ctx, id)
	if err != nil {
		t.Fatalf("Versions: %v", err)
	}
	cs, err := b.Claims(ctx, id)
	if err != nil {
		t.Fatalf("Claims: %v", err)
	}
	if len(vs) != 4 || len(cs) != 4 {
		t.Fatalf("got %d versions and %d claims, want 4 and 4", len(vs), len(cs))
	}
	for i := range 4 {
		if v := vs[i]; v.Version != i+1 || v.Incident.Version != i+1 || v.Incident.Killed == nil || v.Incident.Killed.Best != i+1 {
			t.Errorf("version %d got version %d, snapshot version %d, killed %v; want %d, %d, %d",
				i+1, v.Version, v.Incident.Version, v.Incident.Killed, i+1, i+1, i+1)
		}
		if c := cs[i]; c.Killed == nil || c.Killed.Best != i+1 || (c.SupersededBy == "") != (i == 3) {
			t.Errorf("claim %d got killed %v superseded by %q; want %d, superseded but for the last", i, c.Killed, c.SupersededBy, i+1)
		}
	}
	inc, err := b.Incident(ctx, id)
	if err != nil {
		t.Fatalf("Incident: %v", err)
	}
	if ok, a, b := sameJSON(t, vs[3].Incident, inc); !ok {
		t.Errorf("last version differs from the incident:\n got %s\nwant %s", a, b)
	}
	// The other incident of the first batch is untouched.
	other, err := b.Versions(ctx, incidentOf("gtd", "201801010002"))
	if err != nil || len(other) != 1 || other[0].Incident.Version != 1 {
		t.Errorf("other incident's versions got %d, %v; want one, version 1", len(other), err)
	}
}

func testUpdateAppendsVersion(t *testing.T, b Backend) {
	ensure(t, b, GTD)
	ctx := t.Context()
	old := Record("gtd", "201706070002", 0, "first release row", fetched, nil)
	mustImport(t, b, at1, old)
	newer := Record("gtd", "201706070002", 0, "second release row", fetched.Add(time.Hour), func(c *model.Claim) {
		c.Killed = &model.Range{Low: 12, Best: 13, High: 17, Qualifier: model.About}
		c.Perpetrator = "Islamic State"
	})
	checkCounts(t, "changed row", mustImport(t, b, at2, newer), store.BatchCounts{Updated: 1})

	id := incidentOf("gtd", "201706070002")
	inc, err := b.Incident(ctx, id)
	if err != nil {
		t.Fatalf("Incident: %v", err)
	}
	if inc.Version != 2 || inc.Killed == nil || *inc.Killed != *newer.Claim.Killed || inc.Perpetrator != "Islamic State" {
		t.Errorf("incident after update got version %d killed %v perpetrator %q; want 2, %v, Islamic State",
			inc.Version, inc.Killed, inc.Perpetrator, newer.Claim.Killed)
	}
	if !inc.FirstSeen.Equal(at1) || !inc.Updated.Equal(stored(at2)) {
		t.Errorf("incident first seen %v updated %v, want %v and %v", inc.FirstSeen, inc.Updated, at1, stored(at2))
	}
	checkDocs(t, b, store.Filter{}) // the updated document too

	vs, err := b.Versions(ctx, id)
	if err != nil {
		t.Fatalf("Versions: %v", err)
	}
	if len(vs) != 2 {
		t.Fatalf("Versions got %d, want 2", len(vs))
	}
	if vs[0].Version != 1 || vs[1].Version != 2 || vs[0].Author != "import" || vs[1].Author != "import" {
		t.Errorf("versions got (%d %s) (%d %s), want (1 import) (2 import)", vs[0].Version, vs[0].Author, vs[1].Version, vs[1].Author)
	}
	if vs[0].Reason != "imported gtd:201706070002" || !strings.HasPrefix(vs[1].Reason, "updated from gtd:201706070002") {
		t.Errorf("version reasons got %q, %q", vs[0].Reason, vs[1].Reason)
	}
	if !vs[0].At.Equal(at1) || !vs[1].At.Equal(stored(at2)) {
		t.Errorf("version times got %v, %v; want %v, %v", vs[0].At, vs[1].At, at1, stored(at2))
	}
	if vs[0].Incident.Killed == nil || vs[0].Incident.Killed.Best != 5 || vs[0].Incident.Version != 1 {
		t.Errorf("version 1 got killed %v version %d, want the first figures (5) kept", vs[0].Incident.Killed, vs[0].Incident.Version)
	}
	if ok, a, b := sameJSON(t, vs[1].Incident, inc); !ok {
		t.Errorf("last version differs from the incident:\n got %s\nwant %s", a, b)
	}

	cs, err := b.Claims(ctx, id)
	if err != nil {
		t.Fatalf("Claims: %v", err)
	}
	if len(cs) != 2 {
		t.Fatalf("Claims got %d, want 2 (old one superseded)", len(cs))
	}
	if cs[0].ID != old.Claim.ID || cs[0].SupersededBy != cs[1].ID || cs[1].SupersededBy != "" {
		t.Errorf("claims got [%s superseded by %q] [%s superseded by %q]; want the old one superseded by the new",
			cs[0].ID, cs[0].SupersededBy, cs[1].ID, cs[1].SupersededBy)
	}
	if cs[0].IncidentID != id || cs[1].IncidentID != id || cs[0].Origin != old.Report.Origin {
		t.Errorf("claims got incident %s/%s origin %q, want %s and %q", cs[0].IncidentID, cs[1].IncidentID, cs[0].Origin, id, old.Report.Origin)
	}
	if !slices.Equal(inc.Claims, []string{cs[1].ID}) {
		t.Errorf("incident claims got %v, want [%s]", inc.Claims, cs[1].ID)
	}

	// Reports are immutable: the old one is still there, the new one has
	// its own id.
	r0, err := b.Report(ctx, old.Report.ID)
	if err != nil || string(r0.Raw) != "first release row" {
		t.Errorf("old report got %q, %v; want the first release row", r0.Raw, err)
	}
	r1, err := b.Report(ctx, cs[1].ReportID)
	if err != nil || string(r1.Raw) != "second release row" || r1.ID == old.Report.ID {
		t.Errorf("new report %s got %q, %v; want the second release row under a new id", cs[1].ReportID, r1.Raw, err)
	}
	if !r1.Fetched.Equal(fetched.Add(time.Hour)) {
		t.Errorf("new report fetched got %v, want %v", r1.Fetched, fetched.Add(time.Hour))
	}
	st, err := b.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Reports != 2 || st.ReportsBySource["gtd"] != 1 {
		t.Errorf("Stats got reports %d, current gtd %d; want 2 and 1", st.Reports, st.ReportsBySource["gtd"])
	}

	// A third content that equals the first: still an update, another id.
	again := Record("gtd", "201706070002", 0, "first release row", fetched, nil)
	checkCounts(t, "first content back", mustImport(t, b, at3, again), store.BatchCounts{Updated: 1})
	cs, err = b.Claims(ctx, id)
	if err != nil || len(cs) != 3 {
		t.Fatalf("Claims got %d, %v; want 3", len(cs), err)
	}
	if reports := map[string]bool{cs[0].ReportID: true, cs[1].ReportID: true, cs[2].ReportID: true}; len(reports) != 3 {
		t.Errorf("report ids got %s %s %s, want three different", cs[0].ReportID, cs[1].ReportID, cs[2].ReportID)
	}
}

// testRawAcrossBatches reads back reports of more batches than a store
// keeps decoded, in an order that jumps between batches, and a report
// that a later batch superseded: raw bytes are stored per batch, and each
// report must still get exactly its own.
func testRawAcrossBatches(t *testing.T, b Backend) {
	ensure(t, b, GTD)
	const batches, per = 9, 7
	want := make(map[string]string)
	var ids []string
	for i := range batches {
		var recs []model.Record
		for j := range per {
			raw := fmt.Sprintf("batch %d row %d,%s", i, j, strings.Repeat("x", i*j))
			r := Record("gtd", fmt.Sprintf("across%d-%d", i, j), 0, raw, fetched, nil)
			recs = append(recs, r)
			want[r.Report.ID] = raw
			ids = append(ids, r.Report.ID)
		}
		checkCounts(t, fmt.Sprintf("batch %d", i), mustImport(t, b, at1, recs...), store.BatchCounts{New: per})
	}
	// A new version of the first row: its first report keeps its bytes.
	r := Record("gtd", "across0-0", 1, "batch 0 row 0, revised", fetched, nil)
	checkCounts(t, "revision", mustImport(t, b, at2, r), store.BatchCounts{Updated: 1})
	want[r.Report.ID] = "batch 0 row 0, revised"
	ids = append(ids, r.Report.ID)
	for k := range 3 * len(ids) {
		id := ids[(k*31)%len(ids)]
		got, err := b.Report(t.Context(), id)
		if err != nil {
			t.Fatalf("Report %s: %v", id, err)
		}
		if string(got.Raw) != want[id] {
			t.Errorf("Report %s: raw got %q, want %q", id, got.Raw, want[id])
		}
	}
}

func testRawRoundTrip(t *testing.T, b Backend) {
	ensure(t, b, GTD)
	big := strings.Repeat("200001010027,2000,1,1,,0,,217,United States,1,North America,Michigan,Mesick\n", 200)
	cases := []struct {
		name string
		raw  []byte
	}{
		{"empty", []byte{}},
		{"short", []byte("a,b,c")},
		{"persian", []byte("حمله تروریستی در کرمان ۱۴۰۲/۱۰/۱۳")},
		{"binary", []byte{0, 1, 2, 0xff, 0xfe, '\n', '\r', 0, 0x80}},
		{"large compressible", []byte(big)},
		{"incompressible", func() []byte {
			p := make([]byte, 4096)
			x := uint32(2463534242)
			for i := range p {
				x ^= x << 13
				x ^= x >> 17
				x ^= x << 5
				p[i] = byte(x)
			}
			return p
		}()},
	}
	pub := time.Date(2024, 1, 3, 14, 15, 16, 0, time.UTC)
	var recs []model.Record
	for i, tc := range cases {
		r := Record("gtd", fmt.Sprintf("raw%d", i), 0, "", fetched, nil)
		r.Report.Raw = tc.raw
		r.Report.Hash = hashOf(tc.raw)
		if i%2 == 0 {
			r.Report.Published = &pub
		}
		recs = append(recs, r)
	}
	checkCounts(t, "raw rows", mustImport(t, b, at1, recs...), store.BatchCounts{New: len(cases)})
	for i, tc := range cases {
		want := recs[i].Report
		got, err := b.Report(t.Context(), want.ID)
		if err != nil {
			t.Errorf("%s: Report: %v", tc.name, err)
			continue
		}
		if string(got.Raw) != string(tc.raw) {
			t.Errorf("%s: raw got %d bytes %q…, want %d bytes", tc.name, len(got.Raw), firstBytes(got.Raw), len(tc.raw))
		}
		if got.ID != want.ID || got.Source != want.Source || got.SourceRef != want.SourceRef || got.Hash != want.Hash ||
			got.Revision != want.Revision || got.Origin != want.Origin || !got.Fetched.Equal(want.Fetched) {
			t.Errorf("%s: report got %+v, want %+v", tc.name, withoutRaw(got), withoutRaw(want))
		}
		switch {
		case want.Published == nil && got.Published != nil:
			t.Errorf("%s: published got %v, want nil", tc.name, *got.Published)
		case want.Published != nil && (got.Published == nil || !got.Published.Equal(*want.Published)):
			t.Errorf("%s: published got %v, want %v", tc.name, got.Published, *want.Published)
		}
	}
}

func firstBytes(b []byte) []byte { return b[:min(len(b), 20)] }

func withoutRaw(r model.Report) model.Report {
	r.Raw = nil
	return r
}

func testFieldsRoundTrip(t *testing.T, b Backend) {
	ensure(t, b, GTD)
	yes, no := true, false
	lat, lon := 30.2839, 57.0834
	zero := 0.0
	full := Record("gtd", "full", 0, "full row", fetched, func(c *model.Claim) {
		c.Start = model.Date{Year: 2024, Month: time.January, Day: 3}
		c.End = model.Date{Year: 2024, Month: time.January, Day: 3}
		c.Admin1, c.Admin2, c.Place = "Kerman", "Kerman County", "Golzar-e Shohada cemetery"
		c.Lat, c.Lon = &lat, &lon
		c.PlacePrecision = model.PlaceExact
		c.AttackType, c.TargetType, c.Weapon = model.Bombing, "religious_gathering", "explosives"
		c.Perpetrator, c.ClaimedBy = "Islamic State", []string{"Islamic State", "ISKP"}
		c.Killed = &model.Range{Low: 84, Best: 95, High: 103, Qualifier: model.About}
		c.Wounded = model.Point(284, model.AtLeast)
		c.Suicide, c.Sites = &yes, 2
		c.Related = []string{"202401030001", "202401030002"}
		c.Text = "دو انفجار در مسیر مراسم سالگرد — two blasts on the road to the ceremony"
		c.Codes = map[string]string{"attacktype1": "3", "weaptype1": "6"}
		c.Flags = []string{model.FlagDoubtTerrorism}
	})
	month := Record("gtd", "month", 0, "month row", fetched, func(c *model.Claim) {
		c.Start = model.Date{Year: 2018, Month: time.September, Day: 1}
		c.End = model.Date{Year: 2018, Month: time.September, Day: 30}
		c.DatePrecision = model.PrecisionMonth
		c.PlacePrecision = model.PlaceAdmin1
		c.Lat, c.Lon = &zero, &zero // zero is a position, not unknown
		c.Suicide = &no
		c.Killed, c.Wounded = nil, nil
	})
	// Ranges are kept as given: out of order, and flagged by the reader.
	disorder := Record("gtd", "disorder", 0, "disorder row", fetched, func(c *model.Claim) {
		c.Killed = &model.Range{Low: 10, Best: 5, High: 7, Qualifier: model.Exact}
		c.Wounded = &model.Range{Low: 30, Best: 40, High: 20}
		c.Flags = []string{model.FlagKilledRangeOrder, model.FlagWoundedRangeOrder}
	})
	unknownDate := Record("gtd", "nodate", 0, "no date row", fetched, func(c *model.Claim) {
		c.Start, c.End, c.DatePrecision = model.Date{}, model.Date{}, model.PrecisionYear
	})
	mustImport(t, b, at1, full, month, disorder, unknownDate)

	for _, r := range []model.Record{full, month, disorder, unknownDate} {
		id := incidentOf("gtd", r.Report.SourceRef)
		cs, err := b.Claims(t.Context(), id)
		if err != nil || len(cs) != 1 {
			t.Fatalf("%s: Claims got %d, %v; want 1", r.Report.SourceRef, len(cs), err)
		}
		if !reflect.DeepEqual(cs[0].Claim, r.Claim) {
			_, g, w := sameJSON(t, cs[0].Claim, r.Claim)
			t.Errorf("%s: claim round trip:\n got %s\nwant %s", r.Report.SourceRef, g, w)
		}
		inc, err := b.Incident(t.Context(), id)
		if err != nil {
			t.Fatalf("%s: Incident: %v", r.Report.SourceRef, err)
		}
		want := model.IncidentFromClaim(id, r.Claim, at1)
		if !reflect.DeepEqual(inc, want) {
			_, g, w := sameJSON(t, inc, want)
			t.Errorf("%s: incident round trip:\n got %s\nwant %s", r.Report.SourceRef, g, w)
		}
	}
}

// filterFixture imports incidents made to tell each filter apart and
// returns their ids by short name.
func filterFixture(t *testing.T, b Backend) map[string]string {
	ensure(t, b, GTD, ACLED)
	d := func(y int, m time.Month, day int) model.Date { return model.Date{Year: y, Month: m, Day: day} }
	type spec struct {
		name string
		src  string
		mod  func(*model.Claim)
	}
	specs := []spec{
		{"tehran", "gtd", func(c *model.Claim) {
			c.Start, c.End = d(2017, 6, 7), d(2017, 6, 7)
			c.Perpetrator, c.ClaimedBy = "Islamic State", []string{"Islamic State"}
			c.Killed = model.Point(18, model.Exact)
		}},
		{"ahvaz", "gtd", func(c *model.Claim) {
			c.Start, c.End = d(2018, 9, 22), d(2018, 9, 22)
			c.Admin1 = "Khuzestan"
			c.Perpetrator = "Unknown"
			c.ClaimedBy = []string{"Islamic State", "Al-Ahvaziya"}
			c.Killed = model.Point(25, model.Exact)
		}},
		{"shiraz", "gtd", func(c *model.Claim) {
			c.Start, c.End = d(2022, 10, 26), d(2022, 10, 26)
			c.Admin1 = "FARS"
			c.Perpetrator = "ISLAMIC STATE KHORASAN"
			c.AttackType = model.ArmedAssault
			c.Killed = model.Point(13, model.AtLeast)
		}},
		{"kerman", "acled", func(c *model.Claim) {
			c.Start, c.End = d(2024, 1, 3), d(2024, 1, 3)
			c.Admin1 = "Kerman"
			c.Perpetrator = "Islamic State"
			c.AttackType = model.Bombing
			c.Killed = model.Point(95, model.Exact)
		}},
		{"kabul", "acled", func(c *model.Claim) {
			c.Start, c.End = d(2021, 8, 26), d(2021, 8, 26)
			c.Country, c.Admin1 = "AF", "Kabul"
			c.Perpetrator = "ISKP"
			c.AttackType = model.Bombing
			c.Killed = model.Point(183, model.Exact)
		}},
		{"monthly", "acled", func(c *model.Claim) { // a month-precision period
			c.Start, c.End, c.DatePrecision = d(2020, 5, 1), d(2020, 5, 31), model.PrecisionMonth
			c.Admin1 = "Sistan and Baluchestan"
			c.Perpetrator = "Jaish ul-Adl"
			c.Killed = nil // unknown
		}},
		{"nokill", "gtd", func(c *model.Claim) {
			c.Start, c.End = d(2020, 5, 20), d(2020, 5, 20)
			c.Country, c.Admin1 = "IQ", "Baghdad"
			c.Perpetrator = ""
			c.Killed = model.Point(0, model.Exact)
		}},
	}
	names := map[string]string{}
	var recs []model.Record
	for _, s := range specs {
		recs = append(recs, Record(s.src, s.name, 0, "row "+s.name, fetched, s.mod))
		names[s.name] = incidentOf(s.src, s.name)
	}
	// Two sources in one batch.
	mustImport(t, b, at1, recs...)
	return names
}

func testFilter(t *testing.T, b Backend) {
	n := filterFixture(t, b)
	d := func(s string) model.Date {
		v, err := model.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	everyone := []string{"tehran", "ahvaz", "monthly", "nokill", "kabul", "shiraz", "kerman"} // by start date
	cases := []struct {
		name string
		f    store.Filter
		want []string // in (start, id) order
	}{
		{"none", store.Filter{}, everyone},
		{"country", store.Filter{Country: "AF"}, []string{"kabul"}},
		{"country lower case", store.Filter{Country: "iq"}, []string{"nokill"}},
		{"admin1", store.Filter{Admin1: "Kerman"}, []string{"kerman"}},
		{"admin1 any case", store.Filter{Admin1: "fars"}, []string{"shiraz"}},
		{"admin1 is exact", store.Filter{Admin1: "Ker"}, nil},
		{"actor perpetrator", store.Filter{Actor: "jaish"}, []string{"monthly"}},
		{"actor any case, perpetrator or claimed_by", store.Filter{Actor: "islamic state"},
			[]string{"tehran", "ahvaz", "shiraz", "kerman"}},
		{"actor in claimed_by only", store.Filter{Actor: "ahvaziya"}, []string{"ahvaz"}},
		{"actor with LIKE wildcards is literal", store.Filter{Actor: "is%"}, nil},
		{"attack type", store.Filter{AttackType: model.Bombing}, []string{"kabul", "kerman"}},
		{"status", store.Filter{Status: model.StatusUnverified}, everyone},
		{"other status", store.Filter{Status: model.StatusConfirmed}, nil},
		{"since", store.Filter{Since: d("2021-08-26")}, []string{"kabul", "shiraz", "kerman"}},
		{"since inside a period", store.Filter{Since: d("2020-05-25")}, []string{"monthly", "kabul", "shiraz", "kerman"}},
		{"until", store.Filter{Until: d("2018-09-22")}, []string{"tehran", "ahvaz"}},
		{"until inside a period", store.Filter{Until: d("2020-05-02")}, []string{"tehran", "ahvaz", "monthly"}},
		{"since and until", store.Filter{Since: d("2020-05-10"), Until: d("2020-05-20")}, []string{"monthly", "nokill"}},
		{"min killed", store.Filter{MinKilled: 25}, []string{"ahvaz", "kabul", "kerman"}},
		{"min killed leaves unknown out", store.Filter{MinKilled: 1}, []string{"tehran", "ahvaz", "kabul", "shiraz", "kerman"}},
		{"limit", store.Filter{Limit: 2}, []string{"tehran", "ahvaz"}},
		{"after", store.Filter{After: "2020-05-20/" + n["nokill"]}, []string{"kabul", "shiraz", "kerman"}},
		{"after and limit", store.Filter{After: "2017-06-07/" + n["tehran"], Limit: 1}, []string{"ahvaz"}},
		{"everything at once", store.Filter{Country: "IR", Admin1: "kerman", Actor: "state", AttackType: model.Bombing,
			Status: model.StatusUnverified, Since: d("2024-01-01"), Until: d("2024-12-31"), MinKilled: 90,
			After: "2023-12-31/i", Limit: 5}, []string{"kerman"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ids(all(t, b, tc.f))
			var want []string
			for _, name := range tc.want {
				want = append(want, n[name])
			}
			if !slices.Equal(got, want) {
				t.Errorf("Incidents(%+v) got %v, want %v (%v)", tc.f, names(n, got), tc.want, want)
			}
			checkDocs(t, b, tc.f)
			if tc.f.After != "" || tc.f.Limit > 0 {
				return
			}
			// Newest first selects the same, in reverse.
			desc := tc.f
			desc.Desc = true
			slices.Reverse(want)
			if got := ids(all(t, b, desc)); !slices.Equal(got, want) {
				t.Errorf("Incidents(%+v) newest first got %v, want %v", desc, names(n, got), want)
			}
			checkDocs(t, b, desc)
		})
	}
	if err := b.Incidents(t.Context(), store.Filter{After: "not a cursor"}, func(model.Incident) error { return nil }); err == nil {
		t.Errorf("Incidents with a bad cursor got no error")
	}
}

// checkDocs checks that IncidentDocs gives, byte for byte, what
// json.Marshal gives for each incident Incidents selects with f.
func checkDocs(t *testing.T, b Backend, f store.Filter) {
	t.Helper()
	var want []string
	for _, inc := range all(t, b, f) {
		j, err := json.Marshal(inc)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, string(j))
	}
	var got []string
	if err := b.IncidentDocs(t.Context(), f, func(doc []byte) error {
		got = append(got, string(doc))
		return nil
	}); err != nil {
		t.Fatalf("IncidentDocs(%+v): %v", f, err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("IncidentDocs(%+v) got %d documents %q, want %d as json.Marshal gives %q", f, len(got), got, len(want), want)
	}
}

// names maps incident ids back to fixture names for readable failures.
func names(byName map[string]string, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id
		for name, v := range byName {
			if v == id {
				out[i] = name
			}
		}
	}
	return out
}

func testCursorPagination(t *testing.T, b Backend) {
	ensure(t, b, GTD)
	var recs []model.Record
	for i := range 23 {
		recs = append(recs, Record("gtd", fmt.Sprintf("p%02d", i), 0, fmt.Sprintf("row %d", i), fetched, func(c *model.Claim) {
			switch {
			case i < 3: // unknown dates sort first
				c.Start, c.End = model.Date{}, model.Date{}
			default: // many share a start date
				c.Start = model.Date{Year: 2020, Month: time.March, Day: 1 + i%4}
				c.End = c.Start
			}
		}))
	}
	mustImport(t, b, at1, recs...)
	full := all(t, b, store.Filter{})
	if len(full) != len(recs) {
		t.Fatalf("Incidents got %d, want %d", len(full), len(recs))
	}
	for i := 1; i < len(full); i++ {
		p, q := full[i-1], full[i]
		if c := p.Start.Compare(q.Start); c > 0 || c == 0 && p.ID >= q.ID {
			t.Errorf("order: %s/%s before %s/%s", p.Start, p.ID, q.Start, q.ID)
		}
	}
	for _, size := range []int{1, 4, 5, 23, 50} {
		var paged []string
		f := store.Filter{Limit: size}
		for page := 0; ; page++ {
			got := all(t, b, f)
			paged = append(paged, ids(got)...)
			if len(got) < size {
				break
			}
			f.After = store.Cursor(got[len(got)-1])
			if page > len(recs) {
				t.Fatalf("page size %d: pagination does not end", size)
			}
		}
		if !slices.Equal(paged, ids(full)) {
			t.Errorf("page size %d: pages got %v, want %v", size, paged, ids(full))
		}
	}
	// Newest first is the same list reversed (unknown dates last), and its
	// cursors page through it the other way, across the unknown dates too.
	newest := ids(all(t, b, store.Filter{Desc: true}))
	want := slices.Clone(ids(full))
	slices.Reverse(want)
	if !slices.Equal(newest, want) {
		t.Errorf("newest first got %v, want %v", newest, want)
	}
	for _, size := range []int{1, 4, 5, 19, 20, 23, 50} {
		var paged []string
		f := store.Filter{Limit: size, Desc: true}
		for page := 0; ; page++ {
			got := all(t, b, f)
			paged = append(paged, ids(got)...)
			if len(got) < size {
				break
			}
			f.After = store.Cursor(got[len(got)-1])
			if page > len(recs) {
				t.Fatalf("newest first, page size %d: pagination does not end", size)
			}
		}
		if !slices.Equal(paged, want) {
			t.Errorf("newest first, page size %d: pages got %v, want %v", size, paged, want)
		}
	}
	// A page newest first since a day holds the incidents of that day and
	// after only, the latest first.
	since := model.Date{Year: 2020, Month: time.March, Day: 3}
	var wantSince []string
	for _, inc := range slices.Backward(full) {
		end := inc.End
		if end.IsZero() {
			end = inc.Start
		}
		if !inc.Start.IsZero() && !end.Before(since) {
			wantSince = append(wantSince, inc.ID)
		}
	}
	if got := ids(all(t, b, store.Filter{Since: since, Desc: true, Limit: 100})); !slices.Equal(got, wantSince) {
		t.Errorf("newest first since %s got %v, want %v", since, got, wantSince)
	}
}

// testSinceStraddling lists since a day with incidents that straddle it
// (start before, end on or after), behind more incidents spanning several
// days that end before it than a listing probes in start order: each
// straddler is listed, in order, in both directions and with a limit.
func testSinceStraddling(t *testing.T, b Backend) {
	ensure(t, b, GTD)
	day := func(y int, m time.Month, d int) model.Date { return model.Date{Year: y, Month: m, Day: d} }
	var recs []model.Record
	add := func(ref string, start, end model.Date) {
		recs = append(recs, Record("gtd", ref, 0, "row "+ref, fetched, func(c *model.Claim) {
			c.Start, c.End = start, end
		}))
	}
	// Spanning incidents that end long before since, more than a probe.
	for i := range 2*plan.Probe + 5 {
		start := day(2010, time.January, 1).AddDays(i)
		add(fmt.Sprintf("old%03d", i), start, start.AddDays(3))
	}
	add("longrun", day(2012, time.March, 1), day(2015, time.June, 30)) // straddles since
	add("straddle", day(2015, time.January, 20), day(2015, time.February, 10))
	add("before", day(2015, time.January, 30), day(2015, time.January, 31)) // ends the day before since
	add("on", day(2015, time.February, 1), model.Date{})
	add("after", day(2015, time.March, 3), model.Date{})
	mustImport(t, b, at1, recs...)
	ref := map[string]string{}
	for _, r := range recs {
		ref[model.IncidentIDFor("gtd", r.Report.SourceRef)] = r.Report.SourceRef
	}
	refs := func(incs []model.Incident) []string {
		var out []string
		for _, inc := range incs {
			out = append(out, ref[inc.ID])
		}
		return out
	}
	since := day(2015, time.February, 1)
	want := []string{"longrun", "straddle", "on", "after"}
	if got := refs(all(t, b, store.Filter{Since: since})); !slices.Equal(got, want) {
		t.Errorf("since %s got %v, want %v", since, got, want)
	}
	if got := refs(all(t, b, store.Filter{Since: since, Limit: 2})); !slices.Equal(got, want[:2]) {
		t.Errorf("since %s, limit 2 got %v, want %v", since, got, want[:2])
	}
	rev := slices.Clone(want)
	slices.Reverse(rev)
	if got := refs(all(t, b, store.Filter{Since: since, Desc: true})); !slices.Equal(got, rev) {
		t.Errorf("since %s newest first got %v, want %v", since, got, rev)
	}
	// Since a day inside the old spans: the probe finds a straddler.
	if got := refs(all(t, b, store.Filter{Since: day(2010, time.January, 3), Limit: 3})); !slices.Equal(got, []string{"old000", "old001", "old002"}) {
		t.Errorf("since 2010-01-03, limit 3 got %v, want old000 old001 old002", got)
	}
}

func testStreamStops(t *testing.T, b Backend) {
	ensure(t, b, GTD)
	mustImport(t, b, at1, Synthetic("gtd", 0, 10, fetched)...)
	stop := errors.New("enough")
	calls := 0
	err := b.Incidents(t.Context(), store.Filter{}, func(model.Incident) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Errorf("Incidents got err %v after %d calls, want %v after 3", err, calls, stop)
	}
}

func testNotFound(t *testing.T, b Backend) {
	ensure(t, b, GTD)
	mustImport(t, b, at1, Record("gtd", "x", 0, "row x", fetched, nil))
	ctx := t.Context()
	checks := []struct {
		name string
		err  error
	}{
		{"Incident", func() error { _, err := b.Incident(ctx, "i000000000000"); return err }()},
		{"Report", func() error { _, err := b.Report(ctx, "gtd:nope"); return err }()},
		{"Claims", func() error { _, err := b.Claims(ctx, "i000000000000"); return err }()},
		{"Versions", func() error { _, err := b.Versions(ctx, "i000000000000"); return err }()},
		{"FinishImport", b.FinishImport(ctx, store.ImportRun{ID: 987654, Status: "done"})},
	}
	for _, c := range checks {
		if !errors.Is(c.err, store.ErrNotFound) {
			t.Errorf("%s of something absent got %v, want an error wrapping store.ErrNotFound", c.name, c.err)
		}
	}
	if _, err := b.Incident(ctx, incidentOf("gtd", "x")); err != nil {
		t.Errorf("Incident of a stored one: %v", err)
	}
}

func testStats(t *testing.T, b Backend) {
	ctx := t.Context()
	st, err := b.Stats(ctx)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if st.ReportsBySource == nil || st.RejectedBySource == nil {
		t.Errorf("Stats of an empty store got nil maps: %+v", st)
	}
	if st.Incidents != 0 || st.Claims != 0 || st.Reports != 0 || st.Imports != 0 || len(st.ReportsBySource) != 0 {
		t.Errorf("Stats of an empty store got %+v, want zeros", st)
	}
	ensure(t, b, GTD, ACLED)
	mustImport(t, b, at1, append(Synthetic("gtd", 0, 4, fetched), Record("acled", "A1", 1, "a1", fetched, nil))...)
	mustImport(t, b, at2, Record("acled", "A1", 2, "a1 edited", fetched, nil))
	if err := b.SaveRejections(ctx, []store.Rejection{
		{Source: "gtd", File: "gtd.csv", Line: 7, Field: "iyear", Reason: "not a year", At: at1},
		{Source: "acled", File: "acled.csv", Line: 3, Reason: "short row", At: at1},
		{Source: "acled", File: "acled.csv", Line: 9, Reason: "short row", At: at1},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.StartImport(ctx, store.ImportRun{Source: "gtd", File: "gtd.csv", Started: at1}); err != nil {
		t.Fatal(err)
	}
	st, err = b.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Stats{Incidents: 5, Claims: 6, Reports: 6, Imports: 1,
		ReportsBySource:  map[string]int{"gtd": 4, "acled": 1},
		RejectedBySource: map[string]int{"gtd": 1, "acled": 2}}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("Stats got %+v, want %+v", st, want)
	}
}

func testRejections(t *testing.T, b Backend) {
	ctx := t.Context()
	first := []store.Rejection{
		{Source: "gtd", File: "b.csv", Line: 12, Field: "imonth", Reason: "month 13", Raw: "x,2017,13", At: at1},
		{Source: "gtd", File: "a.csv", Line: 40, Field: "iyear", Reason: "not a year", Raw: "y,20x7", At: at1},
		{Source: "gtd", File: "a.csv", Line: 5, Reason: "short row", Raw: "z", At: at1},
		{Source: "acled", File: "a.csv", Line: 5, Reason: "short row", Raw: "w", At: at1},
	}
	if err := b.SaveRejections(ctx, first); err != nil {
		t.Fatalf("SaveRejections: %v", err)
	}
	// The same file again: same lines replace, nothing doubles.
	again := []store.Rejection{
		{Source: "gtd", File: "a.csv", Line: 40, Field: "iyear", Reason: "year 20x7 is not a number", Raw: "y,20x7", At: at2},
		{Source: "gtd", File: "a.csv", Line: 5, Reason: "short row", Raw: "z", At: at2},
	}
	if err := b.SaveRejections(ctx, again); err != nil {
		t.Fatalf("SaveRejections again: %v", err)
	}
	if err := b.SaveRejections(ctx, nil); err != nil {
		t.Fatalf("SaveRejections(nil): %v", err)
	}
	got, err := b.Rejections(ctx, "gtd", 0)
	if err != nil {
		t.Fatalf("Rejections: %v", err)
	}
	want := []store.Rejection{again[1], again[0], first[0]}
	if !sameRejections(got, want) {
		t.Errorf("Rejections(gtd) got %+v, want %+v", got, want)
	}
	if got, err := b.Rejections(ctx, "", 0); err != nil || len(got) != 4 {
		t.Errorf("Rejections(all) got %d, %v; want 4", len(got), err)
	}
	// A rejected row is often not valid text: its raw bytes are kept
	// exactly, and the text about it is cleaned.
	bad := store.Rejection{Source: "ucdp", File: "ged.csv", Line: 2, Field: "best\xff", Reason: "not a number: \"1\x002\"",
		Raw: "1\x002,\xff\xfe,\r\n", At: at1}
	if err := b.SaveRejections(ctx, []store.Rejection{bad}); err != nil {
		t.Fatalf("SaveRejections of a row of bad bytes: %v", err)
	}
	got, err = b.Rejections(ctx, "ucdp", 0)
	if err != nil || len(got) != 1 {
		t.Fatalf("Rejections(ucdp) got %d, %v; want 1", len(got), err)
	}
	if got[0].Raw != bad.Raw || got[0].Reason != "not a number: \"1\uFFFD2\"" || got[0].Field != "best\uFFFD" {
		t.Errorf("bad-bytes rejection got raw %q reason %q field %q; want raw as given, text cleaned", got[0].Raw, got[0].Reason, got[0].Field)
	}
	if got, err := b.Rejections(ctx, "gtd", 2); err != nil || !sameRejections(got, want[:2]) {
		t.Errorf("Rejections(gtd, 2) got %+v, %v; want %+v", got, err, want[:2])
	}
	st, err := b.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(st.RejectedBySource, map[string]int{"gtd": 3, "acled": 1, "ucdp": 1}) {
		t.Errorf("RejectedBySource got %v, want gtd 3, acled 1, ucdp 1", st.RejectedBySource)
	}
}

func sameRejections(got, want []store.Rejection) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Source != w.Source || g.File != w.File || g.Line != w.Line || g.Field != w.Field ||
			g.Reason != w.Reason || g.Raw != w.Raw || !g.At.Equal(stored(w.At)) {
			return false
		}
	}
	return true
}

func testImportRuns(t *testing.T, b Backend) {
	ctx := t.Context()
	if runs, err := b.ImportRuns(ctx, 0); err != nil || len(runs) != 0 {
		t.Fatalf("ImportRuns of an empty store got %v, %v", runs, err)
	}
	r1 := store.ImportRun{Source: "gtd", File: "gtd.csv", Started: at1, Status: "running"}
	id1, err := b.StartImport(ctx, r1)
	if err != nil {
		t.Fatalf("StartImport: %v", err)
	}
	r1.ID = id1
	r1.Finished = at1.Add(90 * time.Second)
	r1.Read, r1.Rejected, r1.Status = 480, 5, "done"
	r1.BatchCounts = store.BatchCounts{New: 470, Updated: 3, Unchanged: 2}
	if err := b.FinishImport(ctx, r1); err != nil {
		t.Fatalf("FinishImport: %v", err)
	}
	r2 := store.ImportRun{Source: "acled", File: "acled.csv", Started: at2, Status: "running"}
	id2, err := b.StartImport(ctx, r2)
	if err != nil {
		t.Fatalf("StartImport: %v", err)
	}
	if id2 == id1 {
		t.Fatalf("StartImport gave id %d twice", id1)
	}
	r2.ID = id2
	r2.Finished, r2.Status, r2.Error = at2.Add(time.Second), "failed", "acled.csv: not an ACLED file"
	if err := b.FinishImport(ctx, r2); err != nil {
		t.Fatalf("FinishImport: %v", err)
	}
	r3 := store.ImportRun{Source: "ucdp", File: "ged.csv", Started: at3, Status: "running"} // never finished
	if r3.ID, err = b.StartImport(ctx, r3); err != nil {
		t.Fatal(err)
	}

	runs, err := b.ImportRuns(ctx, 0)
	if err != nil {
		t.Fatalf("ImportRuns: %v", err)
	}
	want := []store.ImportRun{r3, r2, r1}
	if len(runs) != len(want) {
		t.Fatalf("ImportRuns got %d, want %d", len(runs), len(want))
	}
	for i := range want {
		g, w := runs[i], want[i]
		if g.ID != w.ID || g.Source != w.Source || g.File != w.File || !g.Started.Equal(stored(w.Started)) ||
			!g.Finished.Equal(stored(w.Finished)) || g.Read != w.Read || g.BatchCounts != w.BatchCounts ||
			g.Rejected != w.Rejected || g.Status != w.Status || g.Error != w.Error {
			t.Errorf("run %d got %+v, want %+v", i, g, w)
		}
	}
	if runs, err := b.ImportRuns(ctx, 1); err != nil || len(runs) != 1 || runs[0].ID != r3.ID {
		t.Errorf("ImportRuns(1) got %+v, %v; want the newest only", runs, err)
	}
}

func testFailedBatch(t *testing.T, b Backend) {
	ensure(t, b, GTD)
	ctx := t.Context()
	kept := Record("gtd", "kept", 0, "kept row", fetched, nil)
	mustImport(t, b, at1, kept)
	before, err := b.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}

	edited := Record("gtd", "kept", 0, "kept row, edited", fetched, nil)
	fresh := Synthetic("gtd", 0, 300, fetched)
	// Two different rows with the same claim id: the store refuses the
	// second one deep into the batch, after the others were written.
	clash1 := Record("gtd", "clash1", 0, "clash 1", fetched, func(c *model.Claim) { c.ID = "gtd:same#1" })
	clash2 := Record("gtd", "clash2", 0, "clash 2", fetched, func(c *model.Claim) { c.ID = "gtd:same#1" })
	unknownSource := Record("nosuch", "r1", 0, "row of a source never ensured", fetched, nil)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()

	cases := []struct {
		name string
		ctx  context.Context
		recs []model.Record
	}{
		{"duplicate claim id", ctx, append(append([]model.Record{edited}, fresh...), clash1, clash2)},
		{"unknown source", ctx, append([]model.Record{edited, fresh[0]}, unknownSource)},
		{"no source reference", ctx, []model.Record{edited, {Report: model.Report{Source: "gtd"}}}},
		// PostgreSQL refuses such text; every backend refuses the record.
		{"NUL in text", ctx, []model.Record{edited, fresh[0],
			Record("gtd", "nul", 0, "row", fetched, func(c *model.Claim) { c.Place = "Ker\x00man" })}},
		{"invalid UTF-8", ctx, []model.Record{edited, fresh[0],
			Record("gtd", "utf8", 0, "row", fetched, func(c *model.Claim) { c.ClaimedBy = []string{"IS\xff"} })}},
		{"cancelled context", cancelled, append([]model.Record{edited}, fresh...)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if c, err := b.ImportBatch(tc.ctx, tc.recs, at2); err == nil {
				t.Fatalf("ImportBatch got %+v and no error, want an error", c)
			}
			after, err := b.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(after, before) {
				t.Errorf("Stats after a failed batch got %+v, want %+v as before", after, before)
			}
			inc, err := b.Incident(ctx, incidentOf("gtd", "kept"))
			if err != nil || inc.Version != 1 {
				t.Errorf("kept incident got version %d, %v; want 1", inc.Version, err)
			}
			cs, err := b.Claims(ctx, incidentOf("gtd", "kept"))
			if err != nil || len(cs) != 1 || cs[0].SupersededBy != "" {
				t.Errorf("kept claims got %+v, %v; want one, not superseded", cs, err)
			}
			if _, err := b.Report(ctx, fresh[0].Report.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Report of a failed batch's record got %v, want ErrNotFound", err)
			}
		})
	}
	// The store still works after the failures.
	checkCounts(t, "after failures", mustImport(t, b, at3, append([]model.Record{edited}, fresh...)...),
		store.BatchCounts{New: len(fresh), Updated: 1})
}

func testSources(t *testing.T, b Backend) {
	ctx := t.Context()
	if err := b.EnsureSource(ctx, GTD); err != nil {
		t.Fatal(err)
	}
	changed := GTD
	changed.Title, changed.Reliability = "GTD 2018 release", 0.95
	if err := b.EnsureSource(ctx, changed); err != nil {
		t.Fatalf("EnsureSource of a stored source: %v", err)
	}
	if err := b.EnsureSource(ctx, model.Source{}); err == nil {
		t.Errorf("EnsureSource of a source without a name got no error")
	}
	checkCounts(t, "import after ensure", mustImport(t, b, at1, Record("gtd", "s1", 0, "s1", fetched, nil)), store.BatchCounts{New: 1})
}

// testConcurrentImports imports the same records from two goroutines at
// once: whichever writes second must see the first's rows (a plan made
// before the other's commit is made again) and find them unchanged.
func testConcurrentImports(t *testing.T, b Backend) {
	ensure(t, b, GTD)
	recs := Synthetic("gtd", 0, 300, fetched)
	counts := make(chan store.BatchCounts, 2)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			c, err := b.ImportBatch(t.Context(), recs, at1)
			counts <- c
			errs <- err
		}()
	}
	var total store.BatchCounts
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("ImportBatch: %v", err)
		}
		total.Add(<-counts)
	}
	if want := (store.BatchCounts{New: len(recs), Unchanged: len(recs)}); total != want {
		t.Errorf("two concurrent imports of the same rows got %+v in all, want %+v", total, want)
	}
	st, err := b.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Reports != len(recs) || st.Incidents != len(recs) || st.Claims != len(recs) {
		t.Errorf("Stats got %d reports, %d incidents, %d claims; want %d of each", st.Reports, st.Incidents, st.Claims, len(recs))
	}
}

// testPlanAhead plans batches before the batches ahead of them are
// written, as ingest does: each must still count and store what
// importing them one after another would.
func testPlanAhead(t *testing.T, b Backend) {
	ensure(t, b, GTD)
	ctx := t.Context()
	kept := Record("gtd", "kept", 0, "kept row", fetched, nil)
	mustImport(t, b, at1, kept)
	edited := Record("gtd", "kept", 0, "kept row, edited", fetched, func(c *model.Claim) { c.Place = "Karaj" })
	fresh := Synthetic("gtd", 0, 50, fetched)

	cases := []struct {
		name    string
		batches [][]model.Record
		want    []store.BatchCounts
	}{
		// The second plan finds the rows new; written after the first,
		// they are unchanged.
		{"same new rows twice", [][]model.Record{fresh, fresh},
			[]store.BatchCounts{{New: len(fresh)}, {Unchanged: len(fresh)}}},
		// The second plan finds the stored row unchanged (nothing to
		// write); written after the edit, it changes the row back.
		{"edit then the stored row again", [][]model.Record{{edited}, {kept}},
			[]store.BatchCounts{{Updated: 1}, {Updated: 1}}},
	}
	for _, tc := range cases {
		var pbs []store.PlannedBatch
		for i, recs := range tc.batches {
			pb, err := b.PlanBatch(ctx, recs, at2.Add(time.Duration(i)*time.Hour))
			if err != nil {
				t.Fatalf("%s: PlanBatch %d: %v", tc.name, i, err)
			}
			if pb.Len() != len(recs) {
				t.Errorf("%s: PlanBatch %d Len got %d, want %d", tc.name, i, pb.Len(), len(recs))
			}
			pbs = append(pbs, pb)
		}
		for i, pb := range pbs {
			c, err := b.WriteBatch(ctx, pb)
			if err != nil {
				t.Fatalf("%s: WriteBatch %d: %v", tc.name, i, err)
			}
			checkCounts(t, fmt.Sprintf("%s: batch %d", tc.name, i), c, tc.want[i])
		}
		if _, err := b.WriteBatch(ctx, pbs[0]); err == nil {
			t.Errorf("%s: a second WriteBatch of the same plan got no error", tc.name)
		}
	}
	inc, err := b.Incident(ctx, incidentOf("gtd", "kept"))
	if err != nil || inc.Place != "Tehran" || inc.Version != 3 {
		t.Errorf("kept incident got place %q version %d, %v; want Tehran (the row as last imported), version 3", inc.Place, inc.Version, err)
	}
	st, err := b.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + len(fresh); st.Incidents != want || st.Reports != want+2 {
		t.Errorf("Stats got %d incidents and %d reports, want %d and %d", st.Incidents, st.Reports, want, want+2)
	}
	if c, err := b.WriteBatch(ctx, nil); err == nil {
		t.Errorf("WriteBatch(nil) got %+v and no error, want an error", c)
	}
}

// testBulkLoad: a first load into an empty store may defer indexes
// (BeginBulk), and every read gives the same answers while they are
// deferred and after EndBulk built them; a store holding reports is not
// bulk loaded.
func testBulkLoad(t *testing.T, b Backend) {
	ctx := t.Context()
	began, err := b.BeginBulk(ctx)
	if err != nil || !began {
		t.Fatalf("BeginBulk on an empty store got %v, %v; want true", began, err)
	}
	if again, err := b.BeginBulk(ctx); err != nil || again {
		t.Errorf("BeginBulk with the indexes deferred already got %v, %v; want false", again, err)
	}
	t.Run("deferred", func(t *testing.T) { testFilter(t, b) })
	stats, err := b.Stats(ctx)
	if err != nil {
		t.Fatalf("Stats while deferred: %v", err)
	}
	if err := b.EndBulk(ctx); err != nil {
		t.Fatalf("EndBulk: %v", err)
	}
	if err := b.EndBulk(ctx); err != nil {
		t.Errorf("EndBulk with nothing deferred: %v", err)
	}
	t.Run("built", func(t *testing.T) { testFilter(t, b) })
	after, err := b.Stats(ctx)
	if err != nil {
		t.Fatalf("Stats after EndBulk: %v", err)
	}
	if ok, got, want := sameJSON(t, after, stats); !ok {
		t.Errorf("Stats after EndBulk got %s, want %s as while deferred", got, want)
	}
	if began, err := b.BeginBulk(ctx); err != nil || began {
		t.Errorf("BeginBulk on a store holding reports got %v, %v; want false", began, err)
	}
}
