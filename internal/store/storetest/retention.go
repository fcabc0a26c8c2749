package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// RetentionBackend is what the retention contract needs beyond Backend.
type RetentionBackend interface {
	FeedBackend
	PruneRaw(ctx context.Context, o store.PruneOptions) (store.PruneCounts, error)
	LastPrune(ctx context.Context) (store.PruneRun, error)
	Generation(ctx context.Context) (int64, error)
}

// retentionSnapshot is what a prune must leave as it was: every
// incident, its claims (documents included) and versions.
type retentionSnapshot struct {
	incidents []model.Incident
	claims    map[string][]store.StoredClaim
	versions  map[string][]store.Version
}

func snapshotIncidents(t *testing.T, b Backend) retentionSnapshot {
	t.Helper()
	s := retentionSnapshot{incidents: all(t, b, store.Filter{}), claims: map[string][]store.StoredClaim{}, versions: map[string][]store.Version{}}
	for _, inc := range s.incidents {
		cs, err := b.Claims(t.Context(), inc.ID)
		if err != nil {
			t.Fatalf("Claims(%s): %v", inc.ID, err)
		}
		vs, err := b.Versions(t.Context(), inc.ID)
		if err != nil {
			t.Fatalf("Versions(%s): %v", inc.ID, err)
		}
		s.claims[inc.ID], s.versions[inc.ID] = cs, vs
	}
	return s
}

// testRetention prunes the raw bodies of old reports — in a chunk of
// their own, in a chunk shared with a report that stays, articles, a
// revised report — and checks that every claim, incident, version and
// hash stays, that re-importing is still "unchanged", that the counts
// are right and the same as a dry run's, and that pruning again does
// nothing.
func testRetention(t *testing.T, b Backend) {
	rb, ok := b.(RetentionBackend)
	if !ok {
		t.Fatalf("backend %T lacks the retention methods", b)
	}
	ctx := t.Context()
	ensure(t, b, GTD, ACLED, NewsA)
	old := time.Date(2024, 1, 4, 8, 30, 0, 0, time.UTC)
	recent := old.Add(100 * 24 * time.Hour)
	cutoff := old.Add(90 * 24 * time.Hour)
	pruneAt := time.Date(2024, 4, 20, 3, 0, 0, 0, time.UTC)

	// One batch of old rows only; one that mixes an old and a recent row
	// (a chunk that keeps a body); an ACLED row revised later.
	oldRecs := []model.Record{
		Record("gtd", "1", 0, "gtd row one,Tehran,5 killed", old, nil),
		Record("gtd", "2", 0, "gtd row two,Shiraz,3 killed", old, func(c *model.Claim) { c.Place = "Shiraz" }),
	}
	mixed := []model.Record{
		Record("gtd", "3", 0, "gtd row three,Ahvaz,old", old, func(c *model.Claim) { c.Place = "Ahvaz" }),
		Record("gtd", "4", 0, "gtd row four,Kerman,recent", recent, func(c *model.Claim) { c.Place = "Kerman" }),
	}
	rev1 := Record("acled", "IRN1", 1, "acled IRN1 rev 1,killed 4", old, nil)
	rev2 := Record("acled", "IRN1", 2, "acled IRN1 rev 2,killed 6", recent, func(c *model.Claim) { c.Place = "Ahvaz (revised)" })
	mustImport(t, b, at1, oldRecs...)
	mustImport(t, b, at1, mixed...)
	mustImport(t, b, at1, rev1)
	mustImport(t, b, at2, rev2)
	oldArt := Article("news-a", "a1", "https://a.example/1", "Blast in Tehran", "At least 5 people were killed.", nil)
	oldArt.Report.Fetched = old
	newArt := Article("news-a", "a2", "https://a.example/2", "Attack in Kerman", "Dozens were wounded.", nil)
	newArt.Report.Fetched = recent
	saveArticles(t, rb, at1, oldArt, newArt)
	if err := b.SaveRejections(ctx, []store.Rejection{
		{Source: "gtd", File: "old.csv", Line: 7, Field: "iyear", Reason: "not a year", Raw: "bad,old,row", At: old},
		{Source: "gtd", File: "new.csv", Line: 9, Field: "iyear", Reason: "not a year", Raw: "bad,new,row", At: recent},
	}); err != nil {
		t.Fatalf("SaveRejections: %v", err)
	}

	prunedRecs := []model.Record{oldRecs[0], oldRecs[1], mixed[0], rev1}
	keptRecs := []model.Record{mixed[1], rev2}
	var wantBytes int64
	for _, r := range prunedRecs {
		wantBytes += int64(len(r.Report.Raw))
	}
	wantBytes += int64(len(oldArt.Report.Raw) + len(oldArt.Text) + len("bad,old,row"))
	want := store.PruneCounts{Before: cutoff, Reports: len(prunedRecs) + 1, Articles: 1, Rejections: 1, Bytes: wantBytes, Chunks: 4}

	before := snapshotIncidents(t, b)
	gen0, err := rb.Generation(ctx)
	if err != nil {
		t.Fatalf("Generation: %v", err)
	}
	opts := store.PruneOptions{Before: cutoff, At: pruneAt}

	dry := opts
	dry.DryRun = true
	got, err := rb.PruneRaw(ctx, dry)
	if err != nil {
		t.Fatalf("PruneRaw dry run: %v", err)
	}
	wantDry := want
	wantDry.DryRun = true
	if got != wantDry {
		t.Errorf("dry run: got %+v, want %+v", got, wantDry)
	}
	if r, err := b.Report(ctx, oldRecs[0].Report.ID); err != nil || string(r.Raw) != string(oldRecs[0].Report.Raw) || r.Pruned != nil {
		t.Errorf("after a dry run: report %s raw %q pruned %v (%v), want it whole", oldRecs[0].Report.ID, r.Raw, r.Pruned, err)
	}
	if _, err := rb.LastPrune(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LastPrune after a dry run only: %v, want ErrNotFound", err)
	}

	got, err = rb.PruneRaw(ctx, opts)
	if err != nil {
		t.Fatalf("PruneRaw: %v", err)
	}
	got.FreedBytes, got.FreeBytes = 0, 0 // the file's business: SQLite's free pages
	if got != want {
		t.Errorf("prune: got %+v, want %+v", got, want)
	}
	gen1, err := rb.Generation(ctx)
	if err != nil {
		t.Fatalf("Generation: %v", err)
	}
	if gen1 == gen0 {
		t.Errorf("generation after a prune got %d, the same as before: cached pages would not show the pruned state", gen1)
	}

	// Bodies gone, metadata kept.
	for _, r := range prunedRecs {
		rep, err := b.Report(ctx, r.Report.ID)
		if err != nil {
			t.Fatalf("Report(%s) after the prune: %v", r.Report.ID, err)
		}
		if len(rep.Raw) != 0 || rep.Pruned == nil || !rep.Pruned.Equal(pruneAt) {
			t.Errorf("report %s after the prune: raw %q pruned %v, want empty and %s", r.Report.ID, rep.Raw, rep.Pruned, pruneAt)
		}
		if rep.Hash != r.Report.Hash || rep.SourceRef != r.Report.SourceRef || !rep.Fetched.Equal(r.Report.Fetched) || rep.Origin != r.Report.Origin {
			t.Errorf("report %s after the prune: got %+v, want the metadata of %+v", r.Report.ID, rep, r.Report)
		}
	}
	for _, r := range keptRecs {
		rep, err := b.Report(ctx, r.Report.ID)
		if err != nil {
			t.Fatalf("Report(%s) after the prune: %v", r.Report.ID, err)
		}
		if string(rep.Raw) != string(r.Report.Raw) || rep.Pruned != nil {
			t.Errorf("recent report %s after the prune: raw %q pruned %v, want %q kept", r.Report.ID, rep.Raw, rep.Pruned, r.Report.Raw)
		}
	}
	checkArticle(t, rb, oldArt, "", true)
	checkArticle(t, rb, newArt, newArt.Text, false)
	rejs, err := b.Rejections(ctx, "gtd", 10)
	if err != nil {
		t.Fatalf("Rejections: %v", err)
	}
	for _, r := range rejs {
		wantRaw := map[string]string{"old.csv": "", "new.csv": "bad,new,row"}[r.File]
		if r.Raw != wantRaw || r.Reason != "not a year" || r.Field != "iyear" {
			t.Errorf("rejection %s:%d after the prune: raw %q reason %q field %q, want raw %q and the rest kept", r.File, r.Line, r.Raw, r.Reason, r.Field, wantRaw)
		}
	}

	// Claims, incidents and versions intact; claims of pruned reports
	// say so.
	after := snapshotIncidents(t, b)
	checkSameIncidents(t, before, after, func(rep string) bool {
		return slices.ContainsFunc(prunedRecs, func(r model.Record) bool { return r.Report.ID == rep })
	}, pruneAt)

	// Re-importing pruned rows is still "unchanged"; a re-fetched
	// article is still a duplicate.
	checkCounts(t, "re-import of pruned rows", mustImport(t, b, at3, oldRecs...), store.BatchCounts{Unchanged: 2})
	checkCounts(t, "re-import of a mixed batch", mustImport(t, b, at3, mixed...), store.BatchCounts{Unchanged: 2})
	if c := saveArticles(t, rb, at3, oldArt); c != (store.ArticleCounts{Duplicate: 1}) {
		t.Errorf("re-saving a pruned article: got %+v, want one duplicate", c)
	}

	// A second prune with the same cutoff is a no-op, and the log keeps
	// the first.
	again, err := rb.PruneRaw(ctx, opts)
	if err != nil {
		t.Fatalf("second PruneRaw: %v", err)
	}
	if !again.Empty() || again.Chunks != 0 || again.Bytes != 0 {
		t.Errorf("second prune: got %+v, want nothing pruned", again)
	}
	last, err := rb.LastPrune(ctx)
	if err != nil {
		t.Fatalf("LastPrune: %v", err)
	}
	if !last.At.Equal(pruneAt) || !last.Before.Equal(cutoff) || last.Reports != want.Reports || last.Chunks != want.Chunks || last.Bytes != want.Bytes {
		t.Errorf("LastPrune got %+v, want the first prune's %+v at %s", last, want, pruneAt)
	}
	checkSameIncidents(t, before, snapshotIncidents(t, b), func(rep string) bool {
		return slices.ContainsFunc(prunedRecs, func(r model.Record) bool { return r.Report.ID == rep })
	}, pruneAt)

	// A later prune takes the rest, rewriting a chunk whose other report
	// was pruned already; claims still intact.
	later := store.PruneOptions{Before: recent.Add(time.Hour), At: pruneAt.Add(100 * 24 * time.Hour)}
	rest, err := rb.PruneRaw(ctx, later)
	if err != nil {
		t.Fatalf("later PruneRaw: %v", err)
	}
	if rest.Reports != len(keptRecs)+1 || rest.Articles != 1 || rest.Rejections != 1 {
		t.Errorf("later prune: got %+v, want %d reports, 1 article, 1 rejection", rest, len(keptRecs)+1)
	}
	checkSameIncidents(t, before, snapshotIncidents(t, b), func(string) bool { return true }, time.Time{})
	for _, r := range append(prunedRecs, keptRecs...) {
		rep, err := b.Report(ctx, r.Report.ID)
		if err != nil || len(rep.Raw) != 0 || rep.Pruned == nil {
			t.Errorf("report %s after every prune: raw %q pruned %v (%v), want empty and pruned", r.Report.ID, rep.Raw, rep.Pruned, err)
		}
	}
	checkCounts(t, "re-import after every prune", mustImport(t, b, at3, append(oldRecs, mixed...)...), store.BatchCounts{Unchanged: 4})

	if _, err := rb.PruneRaw(ctx, store.PruneOptions{Before: pruneAt, At: old}); err == nil {
		t.Errorf("PruneRaw with a cutoff after its own time: no error")
	}
}

// checkArticle checks a stored article's text and that its report says
// whether it was pruned, its title, URL and hash kept.
func checkArticle(t *testing.T, b FeedBackend, a model.Article, text string, pruned bool) {
	t.Helper()
	got, err := b.Article(t.Context(), a.Report.ID)
	if err != nil {
		t.Fatalf("Article(%s): %v", a.Report.ID, err)
	}
	if got.Text != text || got.Title != a.Title || got.URL != a.URL || got.ContentHash != a.ContentHash || (got.Report.Pruned != nil) != pruned {
		t.Errorf("article %s: got text %q title %q url %q hash %s pruned %v; want text %q, %q %q %s, pruned %v",
			a.Report.ID, got.Text, got.Title, got.URL, got.ContentHash, got.Report.Pruned, text, a.Title, a.URL, a.ContentHash, pruned)
	}
}

// checkSameIncidents compares two snapshots: the same incidents,
// versions and claims, the claims of pruned reports marked RawPruned
// (at prunedAt unless it is zero) and the others not.
func checkSameIncidents(t *testing.T, a, b retentionSnapshot, isPruned func(reportID string) bool, prunedAt time.Time) {
	t.Helper()
	if same, ja, jb := sameJSON(t, a.incidents, b.incidents); !same {
		t.Errorf("incidents changed by a prune:\n got %s\nwant %s", jb, ja)
	}
	for id, vs := range a.versions {
		if same, ja, jb := sameJSON(t, vs, b.versions[id]); !same {
			t.Errorf("versions of %s changed by a prune:\n got %s\nwant %s", id, jb, ja)
		}
	}
	for id, cs := range a.claims {
		got := b.claims[id]
		if len(got) != len(cs) {
			t.Errorf("claims of %s: got %d after a prune, want %d", id, len(got), len(cs))
			continue
		}
		for i := range cs {
			g := got[i]
			if p := isPruned(g.ReportID); p != (g.RawPruned != nil) || p && !prunedAt.IsZero() && !g.RawPruned.Equal(prunedAt) {
				t.Errorf("claim %s: raw_pruned %v, want pruned %v at %s", g.ID, g.RawPruned, p, prunedAt)
			}
			g.RawPruned = cs[i].RawPruned
			if same, ja, jb := sameJSON(t, cs[i], g); !same {
				t.Errorf("claim %s changed by a prune:\n got %s\nwant %s", g.ID, jb, ja)
			}
		}
	}
}

// BenchPruneRaw is BenchmarkPruneRaw for a backend: each iteration
// imports 20 batches of BatchSize synthetic records, half of each batch
// received 100 days before the other half (so that every chunk keeps
// bodies beside the pruned ones, and all its claim documents), then
// prunes the older half. Only the prune is timed; ns/report is per
// report pruned.
func BenchPruneRaw(b *testing.B, open func(b *testing.B) Backend) {
	const batches = 20
	old := fetched
	recent := fetched.Add(100 * 24 * time.Hour)
	pruned := 0
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		st := open(b)
		rb, ok := st.(RetentionBackend)
		if !ok {
			b.Fatalf("backend %T lacks the retention methods", st)
		}
		if err := st.EnsureSource(b.Context(), GTD); err != nil {
			b.Fatal(err)
		}
		for j := range batches {
			recs := Synthetic("gtd", j*BatchSize, BatchSize/2, old)
			recs = append(recs, Synthetic("gtd", j*BatchSize+BatchSize/2, BatchSize/2, recent)...)
			if _, err := st.ImportBatch(b.Context(), recs, at1); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		c, err := rb.PruneRaw(b.Context(), store.PruneOptions{Before: old.Add(time.Hour), At: recent})
		if err != nil {
			b.Fatal(err)
		}
		if c.Reports != batches*BatchSize/2 || c.Chunks != batches {
			b.Fatalf("prune got %+v, want %d reports in %d chunks", c, batches*BatchSize/2, batches)
		}
		pruned += c.Reports
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(pruned), "ns/report")
}
