package fuse

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
)

// blockOrder sorts stored claims as a store's BlockClaims returns them.
func blockOrder(scs []StoredClaim) {
	slices.SortFunc(scs, func(a, b StoredClaim) int {
		return cmp.Or(cmp.Compare(a.Claim.Country, b.Claim.Country), cmp.Compare(epochDay(a.Claim.Start), epochDay(b.Claim.Start)),
			cmp.Compare(a.Claim.ID, b.Claim.ID))
	})
}

// sliceStream streams claims in blocking order; incident gives each its
// old incident.
func sliceStream(claims []model.Claim, incident func(i int) string) ClaimStream {
	scs := make([]StoredClaim, len(claims))
	for i, c := range claims {
		scs[i] = StoredClaim{Evidence: Evidence{Claim: c}, IncidentID: incident(i)}
	}
	blockOrder(scs)
	return func(ctx context.Context, fn func(StoredClaim) error) error {
		for _, sc := range scs {
			if err := fn(sc); err != nil {
				return err
			}
		}
		return nil
	}
}

// outcome is a fusion's result in a comparable form: clusters, links and
// event groups (as the clusters they join), each sorted.
type outcome struct {
	clusters, links, groups []string
}

func outcomeOf(res []*Result) outcome {
	var o outcome
	for _, r := range res {
		for _, c := range r.Clusters {
			o.clusters = append(o.clusters, strings.Join(c, "+"))
		}
		for _, l := range r.Links {
			o.links = append(o.links, fmt.Sprintf("%s–%s %.6f %v", l.A, l.B, l.Weight, l.Reasons))
		}
		for _, g := range r.Groups {
			var cs []string
			for _, ci := range g.Clusters {
				cs = append(cs, strings.Join(r.Clusters[ci], "+"))
			}
			slices.Sort(cs)
			o.groups = append(o.groups, strings.Join(cs, " | ")+" ("+strings.Join(g.Reasons, ", ")+")")
		}
	}
	slices.Sort(o.clusters)
	slices.Sort(o.links)
	slices.Sort(o.groups)
	return o
}

func diffList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	gs, ws := map[string]bool{}, map[string]bool{}
	for _, g := range got {
		gs[g] = true
	}
	for _, w := range want {
		ws[w] = true
	}
	shown := 0
	for _, g := range got {
		if !ws[g] && shown < 5 {
			t.Errorf("%s: got %s, not in Fuse's result", what, g)
			shown++
		}
	}
	for _, w := range want {
		if !gs[w] && shown < 10 {
			t.Errorf("%s: want %s (Fuse's), not in the streamed result", what, w)
			shown++
		}
	}
	t.Errorf("%s: got %d, want %d", what, len(got), len(want))
}

// checkStreamed fuses claims through the stream and at once, and
// requires the same clusters, links and event groups.
func checkStreamed(t *testing.T, claims []model.Claim, sources map[string]model.Source, opts Options, incident func(int) string) BlockStats {
	t.Helper()
	want := Fuse(claims, sources, opts)
	var parts []*Result
	seen := map[string]bool{}
	m, st, err := streamFuse(context.Background(), sliceStream(claims, incident), sources, opts, func(nodes []*node, res *Result) error {
		for _, n := range nodes {
			if seen[n.sc.Claim.ID] {
				return fmt.Errorf("claim %s closed twice", n.sc.Claim.ID)
			}
			seen[n.sc.Claim.ID] = true
		}
		parts = append(parts, res)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(claims) {
		t.Errorf("got %d claims closed, want %d", len(seen), len(claims))
	}
	if m == nil || *m != *want.Model {
		t.Errorf("got model %+v, want Fuse's %+v", m, want.Model)
	}
	if st.Pairs != want.Stats.Pairs {
		t.Errorf("got %d candidate pairs, want Fuse's %d", st.Pairs, want.Stats.Pairs)
	}
	got := outcomeOf(parts)
	exp := outcomeOf([]*Result{want})
	diffList(t, "clusters", got.clusters, exp.clusters)
	diffList(t, "links", got.links, exp.links)
	diffList(t, "groups", got.groups, exp.groups)
	return st
}

// awkward adds to synthetic claims what the stream must handle apart:
// claims without a country (with and without coordinates), month- and
// year-precise claims dated inside their period (windows starting long
// before their day), claims without a date, related rows and one
// source's multiple-site rows of a day, some in another country.
func awkward(claims []model.Claim, seed uint64) []model.Claim {
	r := rand.New(rand.NewPCG(seed, 7))
	out := slices.Clone(claims)
	for i := range out {
		c := &out[i]
		switch r.IntN(40) {
		case 0:
			c.Country = ""
		case 1:
			c.Country, c.Lat, c.Lon = "", nil, nil
		case 2:
			c.DatePrecision = model.PrecisionMonth
			c.End = model.Date{}
		case 3:
			c.DatePrecision = model.PrecisionYear
			c.End = model.Date{}
		case 4:
			c.Start, c.End = model.Date{}, model.Date{}
		case 5, 6:
			c.Sites = 2
			c.DatePrecision = model.PrecisionDay
			c.End = c.Start
			if r.IntN(4) == 0 {
				c.Country = "ZZ" // a multiple-site row across a border
			}
		case 7:
			j := r.IntN(len(out))
			c.Related = []string{strings.TrimPrefix(out[j].ReportID, out[j].Source+":"), "no-such-row"}
			c.Source = out[j].Source
		}
	}
	return out
}

func TestStreamedMatchesFuse(t *testing.T) {
	synth, ev := synthClaims(20000, 3)
	byEvent := func(i int) string { return "ev" + strconv.Itoa(ev[i]) } // claims of an event share an old incident
	own := func(i int) string { return "own" + strconv.Itoa(i) }
	odd := awkward(synth, 5)
	tehran := loadFixture(t, "gtd_tehran2017.csv")
	tehran = append(tehran,
		article("fa1", "اهواز", day(2018, 9, 22), "", 25, "حمله تروریستی به رژه نیروهای مسلح در اهواز"),
		article("en1", "Ahwaz", day(2018, 9, 23), "ASMLA", 24, "gunmen opened fire on a military parade in Ahvaz"))
	cases := []struct {
		name     string
		claims   []model.Claim
		sources  map[string]model.Source
		opts     Options
		incident func(int) string
	}{
		{"synthetic, one incident per claim", synth, synthSources, Options{}, own},
		{"synthetic, old incidents per event", synth, synthSources, Options{}, byEvent},
		{"synthetic with awkward claims", odd, synthSources, Options{}, own},
		{"awkward claims, old incidents per event", odd, synthSources, Options{}, byEvent},
		{"analysts' merge and split", synth, synthSources, Options{
			MustLink:   [][]string{{synth[0].ID, synth[19999].ID, "gone"}, {synth[5].ID, synth[6].ID}},
			CannotLink: [][2][]string{{{synth[10].ID}, {synth[11].ID, synth[12].ID}}},
		}, own},
		{"Tehran 2017 and Ahvaz 2018", tehran, fixtureSources(), Options{}, own},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := checkStreamed(t, tc.claims, tc.sources, tc.opts, tc.incident)
			t.Logf("%d claims, %d pairs, at most %d held at once", st.Claims, st.Pairs, st.Held)
		})
	}
}

// TestStreamedHoldsAWindow checks the point of streaming: a long store
// is never held whole, only its open windows.
func TestStreamedHoldsAWindow(t *testing.T) {
	claims, _ := synthClaimsOver(40000, 9, 36500)
	st := checkStreamed(t, claims, synthSources, Options{}, func(i int) string { return "own" + strconv.Itoa(i) })
	if st.Held > len(claims)/20 {
		t.Errorf("got %d claims held at once of %d, want at most a twentieth", st.Held, len(claims))
	}
}

func TestStreamedOnPerturbedGTD(t *testing.T) {
	tune, held, _ := perturbedHalves(t, true)
	all := append(tune, held...)
	checkStreamed(t, all, testSources(), Options{}, func(i int) string { return "own" + strconv.Itoa(i) })
}

func TestStreamedOnNews(t *testing.T) {
	claims, _ := newsClaims(t)
	srcs := map[string]model.Source{}
	for _, c := range claims {
		srcs[c.Source] = model.Source{Name: c.Source, Kind: model.KindFeed, Reliability: 0.5}
	}
	checkStreamed(t, claims, srcs, Options{}, func(i int) string { return "own" + strconv.Itoa(i) })
}

// TestStreamOrderChecked: a stream out of blocking order is refused, not
// fused wrongly.
func TestStreamOrderChecked(t *testing.T) {
	a := model.Claim{ID: "a#1", ReportID: "a", Source: "gtd", Country: "IR", Start: day(2020, 1, 5), End: day(2020, 1, 5), DatePrecision: model.PrecisionDay}
	b := a
	b.ID, b.ReportID, b.Start, b.End = "b#1", "b", day(2020, 1, 1), day(2020, 1, 1)
	c := a
	c.ID, c.Country = "c#1", "AF"
	for _, tc := range []struct {
		name   string
		claims []model.Claim
	}{
		{"day going back", []model.Claim{a, b}},
		{"country going back", []model.Claim{a, c}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stream := func(ctx context.Context, fn func(StoredClaim) error) error {
				for _, c := range tc.claims {
					if err := fn(StoredClaim{Evidence: Evidence{Claim: c}, IncidentID: c.ID}); err != nil {
						return err
					}
				}
				return nil
			}
			_, _, err := streamFuse(context.Background(), stream, synthSources, Options{}, func([]*node, *Result) error { return nil })
			if !errors.Is(err, errOrder) {
				t.Errorf("got error %v, want one wrapping %v", err, errOrder)
			}
		})
	}
}

// TestSorterOrders checks the on-disk sort: claims given in any order
// come back in blocking order, every one once and whole, from several
// runs and from memory alike, and as often as asked.
func TestSorterOrders(t *testing.T) {
	claims := awkward(synthClaimsOver2(t), 11)
	r := rand.New(rand.NewPCG(4, 4))
	r.Shuffle(len(claims), func(i, j int) { claims[i], claims[j] = claims[j], claims[i] })
	for _, run := range []int{len(claims) + 1, 997} {
		t.Run(fmt.Sprintf("runs of %d", run), func(t *testing.T) {
			so, err := newSorter(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer so.close()
			so.run = run
			for _, c := range claims {
				if err := so.add(StoredClaim{Evidence: Evidence{Claim: c}, IncidentID: "i" + c.ID, Ref: c.ReportID}); err != nil {
					t.Fatal(err)
				}
			}
			if err := so.finish(); err != nil {
				t.Fatal(err)
			}
			if left, err := os.ReadDir(so.dir); runtime.GOOS != "windows" && (err != nil || len(left) != 0) {
				t.Errorf("got %d files left in the sort directory (%v), want none: runs are unlinked once written", len(left), err)
			}
			if want := len(claims) / run; len(so.runs) != want && !(want > 0 && len(so.runs) == want+1) {
				t.Errorf("got %d runs on disk, want %d", len(so.runs), want)
			}
			want := make([]StoredClaim, len(claims))
			for i, c := range claims {
				want[i] = StoredClaim{Evidence: Evidence{Claim: c}, IncidentID: "i" + c.ID, Ref: c.ReportID}
			}
			blockOrder(want)
			for pass := range 2 {
				var got []StoredClaim
				if err := so.stream()(t.Context(), func(sc StoredClaim) error {
					got = append(got, sc)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("pass %d: got %d claims, want %d", pass, len(got), len(want))
				}
				for i := range got {
					g, w := got[i], want[i]
					if g.Claim.ID != w.Claim.ID || g.IncidentID != w.IncidentID || g.Ref != w.Ref ||
						(g.Claim.Lat == nil) != (w.Claim.Lat == nil) || g.Claim.Start != w.Claim.Start || g.Claim.Sites != w.Claim.Sites {
						t.Fatalf("pass %d, claim %d: got %s (%+v), want %s", pass, i, g.Claim.ID, g.Claim, w.Claim.ID)
					}
				}
			}
		})
	}
}

// synthClaimsOver2 is a small synthetic set with a claim on the equator
// and the meridian: a zero coordinate must survive the spill.
func synthClaimsOver2(t *testing.T) []model.Claim {
	t.Helper()
	claims, _ := synthClaimsOver(5000, 21, 3650)
	zero := 0.0
	claims[0].Lat, claims[0].Lon = &zero, &zero
	return claims
}

// claimsFromBytes makes a small set of claims from fuzz input: a few
// countries (and none), days close together, every date precision, places
// near each other or unknown, three sources, multiple-site rows and
// related rows, so that ties, loose claims and late windows all occur.
func claimsFromBytes(data []byte) []model.Claim {
	countries := []string{"", "IR", "IQ", "AF"}
	precs := []model.DatePrecision{model.PrecisionDay, model.PrecisionWeek, model.PrecisionMonth, model.PrecisionYear, ""}
	srcs := []string{"gtd", "acled", "feed0"}
	var out []model.Claim
	for i := 0; i+6 <= len(data) && len(out) < 60; i += 6 {
		b := data[i : i+6]
		src := srcs[int(b[4])%len(srcs)]
		ref := strconv.Itoa(len(out))
		c := model.Claim{ID: model.ClaimID(model.ReportID(src, ref, 0), 1), ReportID: model.ReportID(src, ref, 0), Source: src,
			Country: countries[int(b[0])%len(countries)], DatePrecision: precs[int(b[2])%len(precs)],
			PlacePrecision: model.PlaceCity, AttackType: model.Bombing, Perpetrator: "Islamic State"}
		if b[1] != 255 {
			c.Start = day(2020, 1, 1).AddDays(int(b[1]) % 90)
			c.End = c.Start
		}
		if b[3]%4 != 0 {
			lat, lon := 30+float64(b[3]%16)*0.1, 50+float64(b[3]/16)*0.1
			c.Lat, c.Lon = &lat, &lon
		}
		if b[5]&1 != 0 {
			c.Sites = 2
		}
		if b[5]&2 != 0 && len(out) > 0 {
			prev := out[int(b[5]>>2)%len(out)]
			c.Related = []string{strings.TrimPrefix(prev.ReportID, prev.Source+":")}
			c.Source, c.ID, c.ReportID = prev.Source, model.ClaimID(model.ReportID(prev.Source, ref, 0), 1), model.ReportID(prev.Source, ref, 0)
		}
		out = append(out, c)
	}
	return out
}

// FuzzStreamMatchesFuse: whatever the claims, the streamed re-fusion
// gives Fuse's clusters, links and groups, with old incidents shared by
// pairs of claims (ties) and an analyst's merge of the first and last.
func FuzzStreamMatchesFuse(f *testing.F) {
	f.Add([]byte("\x01\x05\x00\x05\x00\x00\x01\x06\x00\x05\x01\x00\x00\x07\x02\x09\x02\x01\x02\xff\x03\x00\x01\x03"))
	f.Add([]byte("\x02\x10\x03\x01\x00\x01\x02\x11\x00\x01\x00\x03\x00\x12\x00\x00\x01\x02\x03\x40\x04\x03\x02\x06"))
	srcs := map[string]model.Source{
		"gtd":   {Name: "gtd", Kind: model.KindDataset, Reliability: 0.9},
		"acled": {Name: "acled", Kind: model.KindDataset, Reliability: 0.8},
		"feed0": {Name: "feed0", Kind: model.KindFeed, Reliability: 0.5},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		claims := claimsFromBytes(data)
		if len(claims) == 0 {
			return
		}
		opts := Options{}
		if len(claims) > 2 {
			opts.MustLink = [][]string{{claims[0].ID, claims[len(claims)-1].ID}}
		}
		checkStreamed(t, claims, srcs, opts, func(i int) string { return "old" + strconv.Itoa(i/2) })
	})
}
