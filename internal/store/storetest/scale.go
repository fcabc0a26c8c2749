package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// generationBackend is a store with what the server keys its caches on
// and the writes a running vigil makes to what it serves.
type generationBackend interface {
	FuseBackend
	aggregator
	SaveArticles(ctx context.Context, arts []model.Article, at time.Time) (store.ArticleCounts, error)
	AddSource(ctx context.Context, src model.Source) error
	Article(ctx context.Context, reportID string) (model.Article, error)
	UnfusedClaimsIn(ctx context.Context, country string, limit int) ([]fuse.StoredClaim, error)
	UnfusedCountries(ctx context.Context) ([]string, error)
}

// runScale runs the contract tests of the distributed mode: the
// generation that every write moves and no read does, and the unfused
// claims of one fusion partition.
func runScale(t *testing.T, open func(t *testing.T) Backend) {
	gb := func(t *testing.T) generationBackend {
		b, ok := open(t).(generationBackend)
		if !ok {
			t.Fatal("backend lacks the generation or partition methods")
		}
		return b
	}
	t.Run("GenerationMovesOnEveryWrite", func(t *testing.T) { testGenerationWrites(t, gb(t)) })
	t.Run("GenerationIsThisStores", func(t *testing.T) { testGenerationOwn(t, gb(t), gb(t)) })
	t.Run("UnfusedClaimsIn", func(t *testing.T) { testUnfusedClaimsIn(t, gb(t)) })
}

// testGenerationWrites makes every kind of write the store has, one at a
// time, and checks that each moves the generation forward; then every
// read, and checks that none moves it; then a write that fails, which
// must not move it either (nothing of it is stored).
func testGenerationWrites(t *testing.T, b generationBackend) {
	ctx := t.Context()
	gen := func() int64 {
		t.Helper()
		g, err := b.Generation(ctx)
		if err != nil {
			t.Fatalf("Generation: %v", err)
		}
		return g
	}
	fuseAll := func() error {
		_, err := fuse.Incremental(ctx, b, fuse.RunOptions{At: fuseAt})
		return err
	}
	var runID int64
	writes := []struct {
		name string
		fn   func() error
	}{
		{"EnsureSource", func() error { return b.EnsureSource(ctx, GTD) }},
		{"AddSource", func() error { return b.AddSource(ctx, NewsA) }},
		{"ImportBatch", func() error {
			_, err := b.ImportBatch(ctx, append(Synthetic("gtd", 0, 6, fetched), fuseRecords()[0]), at1)
			return err
		}},
		{"ApplyFusion (first, full)", fuseAll},
		{"ImportBatch of a revision", func() error {
			r := fuseRecords()[0]
			rev := Record("gtd", r.Report.SourceRef, 1, "gtd row 1, revised", fetched, func(c *model.Claim) { c.Killed = model.Point(18, model.Exact) })
			_, err := b.ImportBatch(ctx, []model.Record{rev}, at2)
			return err
		}},
		{"PlanBatch and WriteBatch", func() error {
			pb, err := b.PlanBatch(ctx, Synthetic("gtd", 100, 3, fetched), at2)
			if err != nil {
				return err
			}
			_, err = b.WriteBatch(ctx, pb)
			return err
		}},
		{"ApplyFusion (incremental)", fuseAll},
		{"SaveRejections", func() error {
			return b.SaveRejections(ctx, []store.Rejection{{Source: "gtd", File: "g.csv", Line: 4, Field: "iyear", Reason: "not a year", At: at2}})
		}},
		{"StartImport", func() error {
			var err error
			runID, err = b.StartImport(ctx, store.ImportRun{Source: "gtd", File: "g.csv", Started: at2, Status: "running"})
			return err
		}},
		{"FinishImport", func() error {
			return b.FinishImport(ctx, store.ImportRun{ID: runID, Source: "gtd", File: "g.csv", Started: at2, Finished: at3, Status: "done", Read: 9})
		}},
		{"SaveArticles", func() error {
			_, err := b.SaveArticles(ctx, []model.Article{Article("news-a", "g1", "https://a.example/1", "Twin blasts", "At least 84 killed.", nil)}, at3)
			return err
		}},
	}
	before := gen()
	for _, w := range writes {
		if err := w.fn(); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		after := gen()
		if after <= before {
			t.Errorf("generation after %s: got %d, want more than %d", w.name, after, before)
		}
		before = after
	}

	reportID := fuseRecords()[0].Report.ID
	var incID string
	reads := []struct {
		name string
		fn   func() error
	}{
		{"Incidents", func() error {
			return b.Incidents(ctx, store.Filter{}, func(inc model.Incident) error { incID = inc.ID; return nil })
		}},
		{"IncidentDocs", func() error {
			return b.IncidentDocs(ctx, store.Filter{Country: "IR"}, func([]byte) error { return nil })
		}},
		{"Incident", func() error { _, err := b.Incident(ctx, incID); return err }},
		{"Claims", func() error { _, err := b.Claims(ctx, incID); return err }},
		{"Versions", func() error { _, err := b.Versions(ctx, incID); return err }},
		{"Report", func() error { _, err := b.Report(ctx, reportID); return err }},
		{"Stats", func() error { _, err := b.Stats(ctx); return err }},
		{"Rejections", func() error { _, err := b.Rejections(ctx, "gtd", 10); return err }},
		{"ImportRuns", func() error { _, err := b.ImportRuns(ctx, 10); return err }},
		{"Aggregate", func() error {
			_, err := b.Aggregate(ctx, store.Filter{}, []store.Dimension{store.ByMonth, store.ByCountry})
			return err
		}},
		{"Rows", func() error { return b.Rows(ctx, func(store.Row) error { return nil }) }},
		{"Article", func() error { _, err := b.Article(ctx, model.ReportID("news-a", "g1", 0)); return err }},
		{"FuseCounts", func() error { _, _, err := b.FuseCounts(ctx); return err }},
		{"UnfusedClaims", func() error { _, err := b.UnfusedClaims(ctx, 10); return err }},
		{"UnfusedClaimsIn", func() error { _, err := b.UnfusedClaimsIn(ctx, "IR", 10); return err }},
		{"UnfusedCountries", func() error { _, err := b.UnfusedCountries(ctx); return err }},
		{"IncidentHistory", func() error { _, err := b.IncidentHistory(ctx, incID); return err }},
		{"fusion with nothing to fuse", fuseAll},
	}
	for _, r := range reads {
		if err := r.fn(); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if after := gen(); after != before {
			t.Errorf("generation after %s (a read): got %d, want %d", r.name, after, before)
		}
	}

	// A change that fails part-way stores nothing, so it moves nothing.
	inc := model.IncidentFromClaim("i-failed", fuseRecords()[0].Claim, fuseAt)
	bad := &fuse.Change{At: fuseAt, Author: fuse.Author,
		Incidents: []fuse.IncidentVersion{{Incident: inc, Reason: "test", Create: true}},
		Placements: []fuse.Placement{{StoredClaim: fuse.StoredClaim{Evidence: fuse.Evidence{
			Claim: model.Claim{ID: "no-such-claim", Source: "gtd"}, Fetched: fuseAt}, Ref: "x", IncidentID: "i-failed"}}}}
	if err := b.ApplyFusion(ctx, bad); err == nil {
		t.Fatal("a change placing an unknown claim was applied, want an error")
	}
	if after := gen(); after != before {
		t.Errorf("generation after a failed change: got %d, want %d", after, before)
	}
}

// testGenerationOwn writes to another store (on PostgreSQL, another
// database of the same server) and checks that this store's generation
// stays: the server's caches must not be emptied by a neighbour's writes.
func testGenerationOwn(t *testing.T, b, other generationBackend) {
	ctx := t.Context()
	ensure(t, b, GTD)
	mustImport(t, b, at1, Synthetic("gtd", 0, 3, fetched)...)
	g0, err := b.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ensure(t, other, GTD)
	for i := range 3 {
		mustImport(t, other, at1, Synthetic("gtd", 10*i, 10, fetched)...)
	}
	o, err := other.Generation(ctx)
	if err != nil || o == 0 {
		t.Fatalf("the other store's generation: %d, %v; want one that moved", o, err)
	}
	if g1, err := b.Generation(ctx); err != nil || g1 != g0 {
		t.Errorf("generation after another store's writes: got %d, %v; want %d", g1, err, g0)
	}
}

// testUnfusedClaimsIn checks a partition's view: only its country's
// unfused claims (no country: ""), in UnfusedClaims' order, up to the
// limit, and none once they are fused; and the countries that wait.
func testUnfusedClaimsIn(t *testing.T, b generationBackend) {
	ctx := t.Context()
	ensure(t, b, GTD)
	country := []string{"IR", "IQ", "", "IR", "AF", "IR", "", "IQ", "IR"}
	var recs []model.Record
	for i, cc := range country {
		recs = append(recs, Record("gtd", "p"+string(rune('a'+i)), 0, "row "+cc, fetched, func(c *model.Claim) {
			c.Country = cc
			c.Start = model.Date{Year: 2020, Month: time.Month(1 + i), Day: 1}
			c.End = c.Start
		}))
	}
	mustImport(t, b, at1, recs...)
	all, err := b.UnfusedClaims(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(country) {
		t.Fatalf("UnfusedClaims: got %d, want %d", len(all), len(country))
	}
	for _, tc := range []struct {
		country string
		limit   int
	}{{"IR", 100}, {"IR", 2}, {"IQ", 100}, {"", 100}, {"AF", 1}, {"FR", 100}} {
		var want []string
		for _, c := range all {
			if c.Claim.Country == tc.country && len(want) < tc.limit {
				want = append(want, c.Claim.ID)
			}
		}
		got, err := b.UnfusedClaimsIn(ctx, tc.country, tc.limit)
		if err != nil {
			t.Fatalf("UnfusedClaimsIn(%q): %v", tc.country, err)
		}
		var ids []string
		for _, c := range got {
			ids = append(ids, c.Claim.ID)
			if c.Claim.Start.IsZero() || c.Ref == "" {
				t.Errorf("UnfusedClaimsIn(%q): claim %s without its document or reference: %+v", tc.country, c.Claim.ID, c)
			}
		}
		if !slices.Equal(ids, want) {
			t.Errorf("UnfusedClaimsIn(%q, %d): got %v, want %v", tc.country, tc.limit, ids, want)
		}
	}
	if got, err := b.UnfusedCountries(ctx); err != nil || !slices.Equal(got, []string{"", "AF", "IQ", "IR"}) {
		t.Errorf("UnfusedCountries: got %q, %v; want [\"\" AF IQ IR]", got, err)
	}
	if _, err := fuse.Incremental(ctx, b, fuse.RunOptions{At: fuseAt}); err != nil {
		t.Fatal(err)
	}
	if got, err := b.UnfusedCountries(ctx); err != nil || len(got) != 0 {
		t.Errorf("UnfusedCountries after fusion: got %q, %v; want none", got, err)
	}
	for _, cc := range []string{"IR", ""} {
		if got, err := b.UnfusedClaimsIn(ctx, cc, 100); err != nil || len(got) != 0 {
			t.Errorf("UnfusedClaimsIn(%q) after fusion: got %d, %v; want none", cc, len(got), err)
		}
	}
}

// BenchGenerationCost measures what the generation's triggers cost an
// import: with is a store as migrated, without the same with its
// generation triggers dropped. The two import the same batches in turn,
// each batch timed on its own, so that a machine whose load drifts
// during the run weighs on both alike (an A/A run, two stores without
// triggers, gave ratios of 1.03-1.36 with a fixed order); it reports the time per record of
// each and their ratio.
func BenchGenerationCost(b *testing.B, with, without Backend) {
	ctx := b.Context()
	for _, st := range []Backend{with, without} {
		if err := st.EnsureSource(ctx, GTD); err != nil {
			b.Fatal(err)
		}
	}
	var tWith, tWithout time.Duration
	n := 0
	for b.Loop() {
		recs := Synthetic("gtd", n*BatchSize, BatchSize, fetched)
		// The one that goes first pays more (the other's garbage, the
		// machine's caches): the order alternates.
		order := []Backend{with, without}
		if n%2 == 1 {
			order = []Backend{without, with}
		}
		for _, st := range order {
			start := time.Now()
			if _, err := st.ImportBatch(ctx, recs, at1); err != nil {
				b.Fatal(err)
			}
			if st == with {
				tWith += time.Since(start)
			} else {
				tWithout += time.Since(start)
			}
		}
		n++
	}
	recs := float64(n * BatchSize)
	b.ReportMetric(float64(tWith.Nanoseconds())/recs, "ns/record-with")
	b.ReportMetric(float64(tWithout.Nanoseconds())/recs, "ns/record-without")
	b.ReportMetric(tWith.Seconds()/tWithout.Seconds(), "ratio")
	b.ReportMetric(0, "ns/op")
}
