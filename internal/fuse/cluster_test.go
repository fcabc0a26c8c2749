package fuse

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/source"
	"github.com/vigil-project/vigil/internal/source/gtd"
)

// loadFixture reads a hand-written GTD fixture of this package.
func loadFixture(t *testing.T, name string) []model.Claim {
	t.Helper()
	r, err := gtd.Open("testdata/"+name, source.Options{Fetched: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []model.Claim
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec.Claim)
	}
}

// article makes a feed claim as an extractor would from a news article.
func article(id, place string, d model.Date, perp string, killed int, text string) model.Claim {
	return model.Claim{ID: "news:" + id + "#1", ReportID: "news:" + id, Source: "news", Start: d, End: d,
		DatePrecision: model.PrecisionDay, Country: "IR", Place: place, PlacePrecision: model.PlaceCity,
		AttackType: model.UnknownAttack, Perpetrator: perp, Killed: model.Point(killed, model.Exact), Text: text}
}

func fixtureSources() map[string]model.Source {
	return map[string]model.Source{"gtd": gtd.Source, "news": {Name: "news", Kind: model.KindFeed, Reliability: 0.5}}
}

func TestEventGroups(t *testing.T) {
	claims := loadFixture(t, "gtd_tehran2017.csv")
	claims = append(claims,
		article("fa1", "اهواز", day(2018, 9, 22), "", 25, "حمله تروریستی به رژه نیروهای مسلح در اهواز"),
		article("en1", "Ahwaz", day(2018, 9, 23), "ASMLA", 24, "gunmen opened fire on a military parade in Ahvaz"),
	)
	res := Fuse(claims, fixtureSources(), Options{})
	// The Ahvaz row and both articles are one incident; every GTD row is its own.
	var got []string
	for _, c := range res.Clusters {
		got = append(got, strings.Join(c, "+"))
	}
	want := []string{
		"gtd:201706070001#1", "gtd:201706070002#1",
		"gtd:201809220001#1+news:en1#1+news:fa1#1",
		"gtd:201809220002#1", "gtd:201809220003#1",
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Fatalf("clusters = %v, want %v", got, want)
	}
	// Tehran: related ids; Zahedan: same source, same day, multiple=1, 3 km apart.
	var groups []string
	for _, g := range res.Groups {
		var ids []string
		for _, ci := range g.Clusters {
			ids = append(ids, res.Clusters[ci]...)
		}
		groups = append(groups, strings.Join(ids, "+")+" "+strings.Join(g.Reasons, ","))
	}
	wantGroups := []string{
		"gtd:201706070001#1+gtd:201706070002#1 related:gtd:201706070001,related:gtd:201706070002,same_source_multiple:gtd:2017-06-07",
		"gtd:201809220002#1+gtd:201809220003#1 same_source_multiple:gtd:2018-09-22",
	}
	if !slices.Equal(groups, wantGroups) {
		t.Errorf("groups =\n%v\nwant\n%v", strings.Join(groups, "\n"), strings.Join(wantGroups, "\n"))
	}
	// Figures of sub-incidents are not merged: each cluster reconciles alone.
	for _, tc := range []struct {
		id                string
		killed, attackers int
	}{
		{"gtd:201706070001#1", 13, 4}, // 17 counting 4 attackers
		{"gtd:201706070002#1", 4, 2},
	} {
		var ev []Evidence
		for _, c := range claims {
			if c.ID == tc.id {
				ev = append(ev, Evidence{Claim: c, Fetched: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
			}
		}
		f, err := Reconcile(ev, fixtureSources())
		if err != nil {
			t.Fatal(err)
		}
		if f.Killed.Best != tc.killed || f.AttackersKilled == nil || f.AttackersKilled.Best != tc.attackers {
			t.Errorf("%s: killed %v attackers %v, want %d and %d apart", tc.id, f.Killed, f.AttackersKilled, tc.killed, tc.attackers)
		}
		if f.Status != model.StatusConfirmed {
			t.Errorf("%s: status %s, want confirmed (a dataset of record)", tc.id, f.Status)
		}
	}
	// Every link says why.
	for _, l := range res.Links {
		if len(l.Reasons) != int(numFeatures)+1 || l.Probability < DefaultThreshold {
			t.Errorf("link %s–%s: %d reasons, probability %.3f", l.A, l.B, len(l.Reasons), l.Probability)
		}
	}
}

// TestChainingGuard: A–B and B–C are strong, but A and C are 6 days
// apart: the guard keeps C out of A's cluster.
func TestChainingGuard(t *testing.T) {
	d := day(2020, 3, 1)
	mk := func(id, src string, off int) model.Claim {
		c := claimAt(id, src, "AF", d.AddDays(off), 34.5, 69.2, model.PlaceCity)
		c.Place, c.Perpetrator, c.Killed = "Kabul", "Taliban", model.Point(10, model.Exact)
		return c
	}
	claims := []model.Claim{mk("a", "s1", 0), mk("b", "s2", 3), mk("c", "s3", 7)}
	srcs := map[string]model.Source{}
	res := Fuse(claims, srcs, Options{Threshold: 0.5, NoTraining: true})
	for _, c := range res.Clusters {
		if slices.Contains(c, "a") && slices.Contains(c, "c") {
			t.Errorf("clusters %v: a and c are 7 days apart and must not be chained together", res.Clusters)
		}
	}
	// Two rows of one dataset are never merged, however alike.
	same := []model.Claim{mk("x", "gtd", 0), mk("y", "gtd", 0)}
	res = Fuse(same, map[string]model.Source{"gtd": gtd.Source}, Options{Threshold: 0.01, NoTraining: true})
	if len(res.Clusters) != 2 {
		t.Errorf("two GTD rows merged: %v", res.Clusters)
	}
	// Unless the source says one duplicates the other.
	same[1].Codes = map[string]string{"duplicate_of": "x"}
	res = Fuse(same, map[string]model.Source{"gtd": gtd.Source}, Options{Threshold: 0.01, NoTraining: true})
	if len(res.Clusters) != 1 {
		t.Errorf("a row marked duplicate_of was not merged: %v", res.Clusters)
	}
}

// TestAttachMatchesBatch: attaching the claims one at a time (in time
// order, as they would arrive) to clusters found through Window gives the
// same clusters as fusing them in one batch with the same model. On the
// perturbed GTD set one ambiguous pair differs: two same-day attacks in
// New York by the same group (eventids 200802170007 and …0011) whose
// copies each look more like the other's original; batch takes the
// strongest link first, one at a time takes the first arrival's best.
func TestAttachMatchesBatch(t *testing.T) {
	for _, tc := range []struct {
		name   string
		claims func(t *testing.T) []model.Claim
		srcs   map[string]model.Source
		diff   int // clusters allowed to differ
	}{
		{"perturbed GTD", func(t *testing.T) []model.Claim { _, held, _ := perturbedHalves(t, true); return held }, testSources(), 2},
		{"synthetic", func(t *testing.T) []model.Claim { c, _ := synthClaims(3000, 5); return c }, synthSources, 0},
		{"fixture", func(t *testing.T) []model.Claim { return loadFixture(t, "gtd_tehran2017.csv") }, fixtureSources(), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			claims := tc.claims(t)
			batch := Fuse(claims, tc.srcs, Options{})
			l := NewLinker(batch.Model, tc.srcs, DefaultThreshold)
			order := slices.Clone(claims)
			slices.SortFunc(order, func(a, b model.Claim) int {
				return cmpOr(a.Start.Compare(b.Start), strings.Compare(a.ID, b.ID))
			})
			var clusters [][]model.Claim
			byCountry := map[string][]int{} // as a store's country index would
			for _, c := range order {
				from, to, _ := Window(c)
				var cands [][]model.Claim
				var idx []int
				for _, i := range byCountry[c.Country] {
					cl := clusters[i]
					for _, m := range cl {
						f2, t2, _ := Window(m)
						if m.Country == c.Country && !t2.Before(from) && !to.Before(f2) {
							cands = append(cands, cl)
							idx = append(idx, i)
							break
						}
					}
				}
				a := l.Attach(c, cands)
				if a.Cluster < 0 {
					byCountry[c.Country] = append(byCountry[c.Country], len(clusters))
					clusters = append(clusters, []model.Claim{c})
				} else {
					clusters[idx[a.Cluster]] = append(clusters[idx[a.Cluster]], c)
				}
			}
			var inc [][]string
			for _, cl := range clusters {
				var ids []string
				for _, c := range cl {
					ids = append(ids, c.ID)
				}
				slices.Sort(ids)
				inc = append(inc, ids)
			}
			slices.SortFunc(inc, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
			if fmt.Sprint(inc) != fmt.Sprint(batch.Clusters) {
				diff := 0
				defer func() {
					if diff > tc.diff {
						t.Errorf("incremental gives %d clusters, batch %d; %d incremental clusters not in batch, want ≤ %d", len(inc), len(batch.Clusters), diff, tc.diff)
					}
				}()
				bs := map[string]bool{}
				for _, c := range batch.Clusters {
					bs[strings.Join(c, "+")] = true
				}
				for _, c := range inc {
					if !bs[strings.Join(c, "+")] {
						diff++
						t.Logf("incremental only: %v", c)
					}
				}
			}
		})
	}
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// TestEventGroupsBusyDay: many rows of one source on one day, all parts
// of coordinated attacks near each other, make one group whose reason is
// said once; the work stays linear in the rows (a reason per pair made a
// store-wide fusion of 200k GTD rows hold gigabytes).
func TestEventGroupsBusyDay(t *testing.T) {
	const n = 300
	var claims []model.Claim
	for i := range n {
		lat, lon := 35.69+float64(i%10)*0.001, 51.42
		claims = append(claims, model.Claim{ID: fmt.Sprintf("gtd:%d#1", i), ReportID: fmt.Sprintf("gtd:%d", i), Source: "gtd",
			Start: day(2017, 6, 7), End: day(2017, 6, 7), DatePrecision: model.PrecisionDay, Country: "IR",
			Lat: &lat, Lon: &lon, PlacePrecision: model.PlaceExact, Sites: 2})
	}
	ps := prepareAll(claims, fixtureSources())
	clusters := make([][]int32, n)
	for i := range clusters {
		clusters[i] = []int32{int32(i)}
	}
	var groups []EventGroup
	allocs := testing.AllocsPerRun(3, func() { groups = eventGroups(ps, clusters) })
	if len(groups) != 1 || len(groups[0].Clusters) != n {
		t.Fatalf("got %d groups (%v), want one of %d clusters", len(groups), groups, n)
	}
	if want := []string{"same_source_multiple:gtd:2017-06-07"}; !slices.Equal(groups[0].Reasons, want) {
		t.Errorf("reasons = %v, want %v", groups[0].Reasons, want)
	}
	if allocs > 20*n {
		t.Errorf("%.0f allocations for %d rows of one day, want fewer than %d (linear, not one per pair)", allocs, n, 20*n)
	}
}
