package ingest

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/store"
	"github.com/vigil-project/vigil/internal/store/sqlite"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

var fetched = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// listReader yields prepared records and row errors: a reader of a file
// whose content the test chose. It is the input, not a stand-in for the
// store, which is a real SQLite file.
type listReader struct {
	items []any // model.Record, *source.RowError or error (fatal)
	i     int
	// onNext runs before each item is returned.
	onNext func(i int)
}

func (r *listReader) Next() (model.Record, error) {
	if r.onNext != nil {
		r.onNext(r.i)
	}
	if r.i >= len(r.items) {
		return model.Record{}, io.EOF
	}
	it := r.items[r.i]
	r.i++
	switch v := it.(type) {
	case model.Record:
		return v, nil
	case error:
		return model.Record{}, v
	}
	panic("bad item")
}

func (r *listReader) Source() model.Source { return storetest.GTD }

func opener(items []any, onNext func(int)) Opener {
	return func() (source.Reader, io.Closer, error) {
		return &listReader{items: items, onNext: onNext}, io.NopCloser(nil), nil
	}
}

func records(n int) []any {
	out := make([]any, 0, n)
	for _, r := range storetest.Synthetic("gtd", 0, n, fetched) {
		out = append(out, r)
	}
	return out
}

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func stats(t *testing.T, st *sqlite.Store) store.Stats {
	t.Helper()
	s, err := st.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestImportAndReimport(t *testing.T) {
	st := openStore(t)
	items := records(250)
	sum, err := Run(context.Background(), st, opener(items, nil), Options{File: "a.csv", BatchSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Read != 250 || sum.New != 250 || sum.Status != "done" {
		t.Errorf("first run = %+v, want read 250 new 250 done", sum)
	}
	sum, err = Run(context.Background(), st, opener(items, nil), Options{File: "a.csv", BatchSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if sum.New != 0 || sum.Unchanged != 250 {
		t.Errorf("re-import = %+v, want 0 new 250 unchanged", sum.BatchCounts)
	}
	runs, err := st.ImportRuns(context.Background(), 10)
	if err != nil || len(runs) != 2 || runs[0].Unchanged != 250 || runs[1].New != 250 || runs[0].Status != "done" {
		t.Errorf("import log = %+v (%v), want two runs, newest first", runs, err)
	}
}

// An import interrupted mid-way keeps whole batches only, and running it
// again completes it.
func TestInterruptedImportCompletes(t *testing.T) {
	st := openStore(t)
	items := records(1000)
	ctx, cancel := context.WithCancel(context.Background())
	sum, err := Run(ctx, st, opener(items, func(i int) {
		if i == 450 {
			cancel()
		}
	}), Options{File: "big.csv", BatchSize: 100})
	if err == nil {
		t.Fatal("interrupted import returned no error")
	}
	got := stats(t, st).Incidents
	if got%100 != 0 || got >= 1000 {
		t.Fatalf("after interruption the store holds %d incidents, want whole batches of 100 and fewer than 1000", got)
	}
	if sum.New != got {
		t.Errorf("summary says %d new, store holds %d", sum.New, got)
	}
	runs, _ := st.ImportRuns(context.Background(), 1)
	if len(runs) != 1 || runs[0].Status != "failed" {
		t.Errorf("the interrupted run is logged as %+v, want status failed", runs)
	}
	sum, err = Run(context.Background(), st, opener(items, nil), Options{File: "big.csv", BatchSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if sum.New != 1000-got || sum.Unchanged != got {
		t.Errorf("second run = %+v, want %d new and %d unchanged", sum.BatchCounts, 1000-got, got)
	}
	if n := stats(t, st).Incidents; n != 1000 {
		t.Errorf("store holds %d incidents after completing, want 1000", n)
	}
}

func TestRejectionsAndStrict(t *testing.T) {
	items := records(5)
	items = append(items[:2], append([]any{&source.RowError{File: "b.csv", Line: 4, Field: "nkill", Reason: `"many" is not a number`}}, items[2:]...)...)

	st := openStore(t)
	_, err := Run(context.Background(), st, opener(items, nil), Options{File: "b.csv", Strict: true})
	if !errors.Is(err, ErrStrict) {
		t.Fatalf("strict run: err = %v, want ErrStrict", err)
	}
	if s := stats(t, st); s.Incidents != 0 || s.Reports != 0 {
		t.Fatalf("strict run stored %+v, want nothing", s)
	}

	sum, err := Run(context.Background(), st, opener(items, nil), Options{File: "b.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Read != 6 || sum.New != 5 || sum.Rejected != 1 {
		t.Errorf("summary = %+v, want read 6 new 5 rejected 1", sum)
	}
	if len(sum.Reasons) != 1 || sum.Reasons[0] != `b.csv:4: nkill: "many" is not a number` {
		t.Errorf("reasons = %q", sum.Reasons)
	}
	rs, err := st.Rejections(context.Background(), "gtd", 0)
	if err != nil || len(rs) != 1 || rs[0].Line != 4 || rs[0].Field != "nkill" {
		t.Errorf("stored rejections = %+v (%v)", rs, err)
	}
	// Importing the same file again does not count its rejection twice.
	if _, err := Run(context.Background(), st, opener(items, nil), Options{File: "b.csv"}); err != nil {
		t.Fatal(err)
	}
	if n := stats(t, st).RejectedBySource["gtd"]; n != 1 {
		t.Errorf("rejected_by_source[gtd] = %d after re-import, want 1", n)
	}
}

// A fatal reader error (an I/O error, say) ends the import; what was
// committed stays, and the error names the file.
func TestFatalReaderError(t *testing.T) {
	st := openStore(t)
	items := append(records(30), errors.New("disk read error"))
	_, err := Run(context.Background(), st, opener(items, nil), Options{File: "c.csv", BatchSize: 10})
	if err == nil || !strings.Contains(err.Error(), "c.csv") || !strings.Contains(err.Error(), "disk read error") {
		t.Fatalf("err = %v, want one naming the file and the cause", err)
	}
	if n := stats(t, st).Incidents; n != 30 {
		t.Errorf("store holds %d incidents, want the 30 read before the error", n)
	}
}

// A record with text no store can hold (a NUL, invalid UTF-8) is
// rejected on its own instead of failing its whole batch.
func TestBadTextRejectedAlone(t *testing.T) {
	st := openStore(t)
	items := records(5)
	bad := items[2].(model.Record)
	bad.Claim.Text = "a\x00b"
	bad.Report.Origin = "d.csv:4"
	items[2] = bad
	sum, err := Run(context.Background(), st, opener(items, nil), Options{File: "d.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.New != 4 || sum.Rejected != 1 || len(sum.Reasons) != 1 || !strings.HasPrefix(sum.Reasons[0], "d.csv:4: text: NUL") {
		t.Errorf("summary = %+v, want 4 new, 1 rejected at d.csv:4 on text", sum)
	}
}

// A claim with a point but no province gets the province its point falls
// in from the embedded boundaries, flagged as vigil's, and can then be
// selected by province; a point across the border from the claim's
// country is left alone.
func TestAdmin1FromPoint(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	if err := st.EnsureSource(ctx, storetest.GTD); err != nil {
		t.Fatal(err)
	}
	recs := storetest.Synthetic("gtd", 0, 3, fetched)
	at := func(i int, country string, lat, lon float64) {
		recs[i].Claim.Country, recs[i].Claim.Admin1 = country, ""
		recs[i].Claim.Lat, recs[i].Claim.Lon = &lat, &lon
	}
	at(0, "IR", 30.2839, 57.0834) // Kerman city
	at(1, "IR", 33.3152, 44.3661) // Baghdad, but the claim says Iran
	items := []any{recs[0], recs[1], recs[2]}
	places, err := gazetteer.Default()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, st, opener(items, nil), Options{File: "f.csv", Places: places}); err != nil {
		t.Fatal(err)
	}
	var got []model.Incident
	if err := st.Incidents(ctx, store.Filter{Admin1: "Kerman"}, func(inc model.Incident) error {
		got = append(got, inc)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != model.IncidentIDFor("gtd", recs[0].Report.SourceRef) {
		t.Fatalf("incidents in Kerman: %v, want the one whose point is there", got)
	}
	claims, err := st.Claims(ctx, got[0].ID)
	if err != nil || len(claims) != 1 || !slices.Contains(claims[0].Flags, model.FlagAdmin1FromPoint) {
		t.Errorf("claim flags %v (%v), want %s", claims, err, model.FlagAdmin1FromPoint)
	}
	other, err := st.Incident(ctx, model.IncidentIDFor("gtd", recs[1].Report.SourceRef))
	if err != nil || other.Admin1 != "" {
		t.Errorf("a point in Iraq for a claim in Iran got admin1 %q (%v), want none", other.Admin1, err)
	}
	third, err := st.Incident(ctx, model.IncidentIDFor("gtd", recs[2].Report.SourceRef))
	if err != nil || third.Admin1 != recs[2].Claim.Admin1 {
		t.Errorf("a claim with its own province got %q, want it kept (%q)", third.Admin1, recs[2].Claim.Admin1)
	}
}

// bulkSpy is a real store that records the bulk load's calls.
type bulkSpy struct {
	*sqlite.Store
	began, ended int
	bulk         bool
	fail         error // BeginBulk's error, when set
}

func (s *bulkSpy) BeginBulk(ctx context.Context) (bool, error) {
	s.began++
	if s.fail != nil {
		return false, s.fail
	}
	ok, err := s.Store.BeginBulk(ctx)
	s.bulk = ok
	return ok, err
}

func (s *bulkSpy) EndBulk(ctx context.Context) error {
	s.ended++
	return s.Store.EndBulk(ctx)
}

// A first import into an empty store is a bulk load in batches of
// BulkBatchSize unless the caller chose a size; it ends the bulk load
// even when it fails. A later import is no bulk load, in batches of 2000.
func TestBulkLoad(t *testing.T) {
	st := &bulkSpy{Store: openStore(t)}
	n := BulkBatchSize + 1000
	var reads []int
	sum, err := Run(context.Background(), st, opener(records(n), nil), Options{File: "a.csv",
		OnBatch: func(read int) { reads = append(reads, read) }})
	if err != nil || sum.New != n {
		t.Fatalf("first import got %+v, %v; want %d new", sum.BatchCounts, err, n)
	}
	if !st.bulk || st.began != 1 || st.ended != 1 {
		t.Errorf("first import: bulk %v, BeginBulk %d, EndBulk %d calls; want a bulk load begun and ended once", st.bulk, st.began, st.ended)
	}
	if want := []int{BulkBatchSize, n}; !slices.Equal(reads, want) {
		t.Errorf("first import committed after %v rows, want %v", reads, want)
	}

	more := make([]any, 0, 2500)
	for _, r := range storetest.Synthetic("gtd", n, 2500, fetched) {
		more = append(more, r)
	}
	reads = nil
	if _, err := Run(context.Background(), st, opener(more, nil), Options{File: "b.csv",
		OnBatch: func(read int) { reads = append(reads, read) }}); err != nil {
		t.Fatal(err)
	}
	if st.bulk || st.began != 2 || st.ended != 1 {
		t.Errorf("second import: bulk %v, BeginBulk %d, EndBulk %d calls in all; want no bulk load (2, 1)", st.bulk, st.began, st.ended)
	}
	if want := []int{2000, 2500}; !slices.Equal(reads, want) {
		t.Errorf("second import committed after %v rows, want %v", reads, want)
	}

	// A failing first import still ends its bulk load.
	st2 := &bulkSpy{Store: openStore(t)}
	bad := append(records(10), errors.New("disk on fire"))
	if _, err := Run(context.Background(), st2, opener(bad, nil), Options{File: "c.csv"}); err == nil {
		t.Fatal("an import whose reader fails got no error")
	}
	if !st2.bulk || st2.ended != 1 {
		t.Errorf("failed import: bulk %v, EndBulk %d calls; want the bulk load ended", st2.bulk, st2.ended)
	}
	if s := stats(t, st2.Store); s.Incidents != 0 && s.Incidents != 10 {
		t.Errorf("failed import stored %d incidents, want whole batches only", s.Incidents)
	}
}

// A bulk load that cannot begin fails the import, which the import log
// records as failed, with nothing stored.
func TestBulkLoadCannotBegin(t *testing.T) {
	st := &bulkSpy{Store: openStore(t), fail: errors.New("no room for the index list")}
	_, err := Run(context.Background(), st, opener(records(10), nil), Options{File: "a.csv"})
	if err == nil || !strings.Contains(err.Error(), "no room for the index list") {
		t.Fatalf("Run got %v, want the BeginBulk error", err)
	}
	runs, err := st.ImportRuns(context.Background(), 1)
	if err != nil || len(runs) != 1 || runs[0].Status != "failed" {
		t.Errorf("import log got %+v (%v), want one failed run", runs, err)
	}
	if s := stats(t, st.Store); s.Reports != 0 {
		t.Errorf("stored %d reports, want none", s.Reports)
	}
}

// gcPercent reads the collector's setting.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// A bulk load runs the collector at BulkGCPercent, unless it was set
// slower, and sets it back at its end, also when loads overlap; an
// import into a store that is not empty leaves it alone.
func TestBulkLoadPacesGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, tc := range []struct {
		before, during int
	}{
		{100, BulkGCPercent},
		{50, BulkGCPercent},
		{400, 400},
		{-1, -1},
	} {
		debug.SetGCPercent(tc.before)
		st := openStore(t)
		var during []int
		_, err := Run(context.Background(), st, opener(records(30), nil), Options{File: "a.csv", BatchSize: 10,
			OnBatch: func(int) { during = append(during, gcPercent()) }})
		if err != nil {
			t.Fatal(err)
		}
		if len(during) == 0 || slices.ContainsFunc(during, func(p int) bool { return p != tc.during }) {
			t.Errorf("GOGC %d: during the bulk load got %v, want %d", tc.before, during, tc.during)
		}
		if got := gcPercent(); got != tc.before {
			t.Errorf("GOGC %d: after the bulk load got %d, want it set back", tc.before, got)
		}
		// A second import is no bulk load and leaves the setting alone.
		during = nil
		more := make([]any, 0, 10)
		for _, r := range storetest.Synthetic("gtd", 30, 10, fetched) {
			more = append(more, r)
		}
		if _, err := Run(context.Background(), st, opener(more, nil), Options{File: "b.csv",
			OnBatch: func(int) { during = append(during, gcPercent()) }}); err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(during, func(p int) bool { return p != tc.before }) {
			t.Errorf("GOGC %d: during a later import got %v, want it unchanged", tc.before, during)
		}
	}

	// Overlapping loads: the setting comes back when the last one ends.
	debug.SetGCPercent(100)
	end1, end2 := paceGC(), paceGC()
	end1()
	if got := gcPercent(); got != BulkGCPercent {
		t.Errorf("with one of two loads ended got %d, want %d", got, BulkGCPercent)
	}
	end2()
	if got := gcPercent(); got != 100 {
		t.Errorf("with both loads ended got %d, want 100", got)
	}
}
