package postgres

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/fuse"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store/sqlite"
	"github.com/vigil-project/vigil/internal/store/storetest"
)

// TestAttachAgreesWithSQLite runs the same sequence of attaches on a
// PostgreSQL and a SQLite store — ACLED claims of stored events one by
// one and two at a time, claims of events no store holds, revisions of
// claims already attached — and checks that both place every claim in
// the same incident by the same link (probability and reasons), and
// write the same versions (reasons and documents): the round trips
// PostgreSQL saves (fuse.Starter, fuse.NeighbourhoodReader) change
// nothing of what an attach decides.
func TestAttachAgreesWithSQLite(t *testing.T) {
	pg := open(t)
	lite, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "vigil.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := lite.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	const n = 1500
	want, wantAttached := attachTrace(t, lite, n)
	got, gotAttached := attachTrace(t, pg, n)
	if wantAttached == 0 {
		t.Fatalf("SQLite attached no claim: the sequence tests nothing")
	}
	if gotAttached != wantAttached {
		t.Errorf("attached: got %d on PostgreSQL, want %d as on SQLite", gotAttached, wantAttached)
	}
	if testing.Verbose() {
		t.Logf("SQLite's trace:\n%s", strings.Join(want, "\n"))
	}
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Fatalf("line %d of the trace:\ngot  (PostgreSQL) %s\nwant (SQLite)     %s", i, g, w)
		}
	}
}

// attachTrace fills st with n fused Spread incidents, runs the sequence
// of attaches, and returns what it decided, one line per fact, and how
// many claims joined an incident they did not come with.
func attachTrace(t *testing.T, st storetest.FuseBackend, n int) ([]string, int) {
	t.Helper()
	ctx := t.Context()
	if err := storetest.FillFused(ctx, st, n); err != nil {
		t.Fatalf("FillFused: %v", err)
	}
	ucdp := model.Source{Name: "ucdp", Kind: model.KindDataset, Title: "UCDP GED", Reliability: 0.85}
	for _, src := range []model.Source{storetest.ACLED, ucdp} {
		if err := st.EnsureSource(ctx, src); err != nil {
			t.Fatal(err)
		}
	}
	fetched := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	// claimOf is a claim of source src of the event of Spread row k,
	// shifted by days (0: the same event), with its own killed figure.
	claimOf := func(src, ref string, rev int64, k, days, killed int) model.Record {
		base := storetest.Spread("gtd", k, 1, fetched)[0].Claim
		return storetest.Record(src, ref, rev, fmt.Sprintf("%s row %s rev %d", src, ref, rev), fetched, func(c *model.Claim) {
			id, rid := c.ID, c.ReportID
			*c = base
			c.ID, c.ReportID, c.Source, c.Codes = id, rid, src, nil
			c.Start, c.End = base.Start.AddDays(days), base.End.AddDays(days)
			c.Killed = model.Point(killed, model.Exact)
			c.Text = "Militants attacked a checkpoint near the market."
		})
	}
	acled := func(ref string, rev int64, k, days, killed int) model.Record {
		return claimOf("acled", ref, rev, k, days, killed)
	}
	var trace []string
	var claims []model.Claim
	attached := 0
	event := func(i int) int { return (i*7919 + 17) % n }
	for i := range 20 {
		ref := fmt.Sprintf("agree-%d", i)
		var recs []model.Record
		switch i % 5 {
		case 0: // two claims of two stored events at once
			recs = []model.Record{acled(ref, 0, event(i), 0, i%5), acled(ref+"b", 0, (event(i)+1)%n, 0, 3)}
		case 1: // one claim of a stored event
			recs = []model.Record{acled(ref, 0, event(i), 0, 7)}
		case 2: // a claim of an event no store holds: 400 days later
			recs = []model.Record{acled(ref, 0, event(i), 400, 2)}
		case 3: // a revision of the claim attached two steps before
			recs = []model.Record{acled(fmt.Sprintf("agree-%d", i-2), 1, event(i-2), 0, 11)}
		case 4: // a UCDP claim of that event, whose incident has two claims
			recs = []model.Record{claimOf("ucdp", ref, 0, event(i-3), 0, 8)}
		}
		at := time.Date(2024, 3, 2, 0, i, 0, 0, time.UTC)
		if _, err := st.ImportBatch(ctx, recs, at); err != nil {
			t.Fatalf("step %d: import: %v", i, err)
		}
		sum, err := fuse.Incremental(ctx, st, fuse.RunOptions{At: at})
		if err != nil {
			t.Fatalf("step %d: Incremental: %v", i, err)
		}
		if sum.Full {
			t.Fatalf("step %d: a full re-fusion, want the incremental path: %+v", i, sum)
		}
		attached += sum.Attached
		trace = append(trace, fmt.Sprintf("step %d: %+v", i, sum))
		for _, r := range recs {
			claims = append(claims, r.Claim)
		}
	}
	// Where each claim went, with its link, from the block index.
	incidents := map[string]bool{}
	for _, c := range claims {
		lo, hi := fuse.ClaimWindow(c)
		cands, err := st.CandidateClaims(ctx, c.Country, lo, hi)
		if err != nil {
			t.Fatal(err)
		}
		line := c.ID + ": not placed"
		for _, sc := range cands {
			if sc.Claim.ID != c.ID {
				continue
			}
			link, err := json.Marshal(sc.Link)
			if err != nil {
				t.Fatal(err)
			}
			line = fmt.Sprintf("%s: in %s by %s", c.ID, sc.IncidentID, link)
			incidents[sc.IncidentID] = true
		}
		trace = append(trace, line)
	}
	// The versions of the incidents they are in.
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range incidents {
			if !yield(id) {
				return
			}
		}
	}) {
		vs, err := st.IncidentHistory(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			doc, err := json.Marshal(v.Incident)
			if err != nil {
				t.Fatal(err)
			}
			trace = append(trace, fmt.Sprintf("%s v%d %s %s %q: %s", id, v.Version, v.At.UTC().Format(time.RFC3339Nano), v.Author, v.Reason, doc))
		}
		cs, err := st.IncidentClaims(ctx, []string{id})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range cs {
			ids = append(ids, c.Claim.ID)
		}
		trace = append(trace, fmt.Sprintf("%s claims %s", id, strings.Join(ids, " ")))
	}
	return trace, attached
}
