package fuse

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
)

// synthSources are the sources synthetic claims come from.
var synthSources = func() map[string]model.Source {
	m := map[string]model.Source{
		"gtd":   {Name: "gtd", Kind: model.KindDataset, Reliability: 0.9},
		"acled": {Name: "acled", Kind: model.KindDataset, Reliability: 0.8},
		"ucdp":  {Name: "ucdp", Kind: model.KindDataset, Reliability: 0.85},
		"gdelt": {Name: "gdelt", Kind: model.KindDataset, Reliability: 0.3},
	}
	for i := range 6 {
		n := "feed" + strconv.Itoa(i)
		m[n] = model.Source{Name: n, Kind: model.KindFeed, Reliability: 0.5}
	}
	return m
}()

var synthSourceNames = []string{"gtd", "acled", "ucdp", "gdelt", "feed0", "feed1", "feed2", "feed3", "feed4", "feed5"}

// synthClaims makes about n claims, about 5 per event: events spread over
// 60 regions by a Zipf law (s = 1.1), over ten years, at 300 towns per
// region; each event reported by distinct sources with noise in date
// (±2 days, 10% month precision), place (jitter within a few km,
// transliterated names), attack type (10% unknown), perpetrator (aliases,
// 30% missing) and figures (revised). It returns the claims and each
// claim's event for scoring.
func synthClaims(n int, seed uint64) ([]model.Claim, []int) { return synthClaimsOver(n, seed, 3650) }

// synthClaimsOver is synthClaims over a span of days.
func synthClaimsOver(n int, seed uint64, days int) ([]model.Claim, []int) {
	r := rand.New(rand.NewPCG(seed, 42))
	const regions = 60
	zipf := rand.NewZipf(r, 1.1, 1, regions-1)
	countries := []string{"IQ", "AF", "PK", "NG", "SO", "SY", "YE", "IN", "PH", "CO", "TR", "EG", "LY", "ML", "BF",
		"CM", "CD", "SD", "SS", "KE", "TH", "MM", "UA", "IR", "LB", "IL", "PS", "DZ", "TN", "MA", "NE", "TD", "CF",
		"ET", "MZ", "BD", "NP", "LK", "MX", "VE", "PE", "BR", "US", "GB", "FR", "DE", "ES", "RU", "GE", "AZ", "AM",
		"KG", "TJ", "UZ", "KZ", "CN", "ID", "MY", "SA", "JO"}
	types := []model.AttackType{model.Bombing, model.ArmedAssault, model.Assassination, model.Kidnapping, model.FacilityAttack}
	groups := []string{"Islamic State", "ISIS", "Taliban", "Al-Shabaab", "Boko Haram", "PKK", "ISKP", "Jaish al-Adl", "Hamas", "AQAP"}
	var claims []model.Claim
	var truth []int
	base := model.Date{Year: 2010, Month: 1, Day: 1}
	ev := 0
	for len(claims) < n {
		reg := int(zipf.Uint64())
		clat := float64(reg%12)*12 - 60
		clon := float64(reg/12)*30 - 150
		town := r.IntN(300)
		lat := clat + float64(town%20)*0.3 + r.Float64()*0.05
		lon := clon + float64(town/20)*0.3 + r.Float64()*0.05
		day := base.AddDays(r.IntN(days))
		at := types[r.IntN(len(types))]
		grp := groups[r.IntN(len(groups))]
		killed := int(math.Exp(r.NormFloat64() * 1.5))
		k := 1 + r.IntN(9) // 1–9 reports, mean 5
		perm := r.Perm(len(synthSourceNames))
		for j := 0; j < k && len(claims) < n; j++ {
			src := synthSourceNames[perm[j%len(perm)]]
			ref := strconv.Itoa(ev) + "-" + strconv.Itoa(j)
			c := model.Claim{Source: src, ReportID: model.ReportID(src, ref, 0), Country: countries[reg],
				PlacePrecision: model.PlaceCity, AttackType: at, Perpetrator: grp}
			c.ID = model.ClaimID(c.ReportID, 1)
			d := day.AddDays(r.IntN(5) - 2)
			c.Start, c.End, c.DatePrecision = d, d, model.PrecisionDay
			if r.IntN(10) == 0 {
				c.Start = model.Date{Year: day.Year, Month: day.Month, Day: 1}
				c.End = model.Date{Year: day.Year, Month: day.Month, Day: model.DaysIn(day.Year, day.Month)}
				c.DatePrecision = model.PrecisionMonth
			}
			la, lo := lat+(r.Float64()-0.5)*0.08, lon+(r.Float64()-0.5)*0.08
			c.Lat, c.Lon = &la, &lo
			c.Place = "Town " + strconv.Itoa(town)
			if r.IntN(3) == 0 {
				c.Place = "town-" + strconv.Itoa(town)
			}
			if r.IntN(10) == 0 {
				c.AttackType = model.UnknownAttack
			}
			if r.IntN(3) == 0 {
				c.Perpetrator = ""
			}
			kk := killed + r.IntN(3) - 1
			if kk < 0 {
				kk = 0
			}
			c.Killed = model.Point(kk, model.Exact)
			claims = append(claims, c)
			truth = append(truth, ev)
		}
		ev++
	}
	return claims, truth
}

func TestSyntheticLinkage(t *testing.T) {
	claims, ev := synthClaims(20000, 1)
	truth := map[string]string{}
	for i, c := range claims {
		truth[c.ID] = strconv.Itoa(ev[i])
	}
	res := Fuse(claims, synthSources, Options{})
	s := scorePairs(res.Clusters, truth)
	t.Logf("synthetic 20k: %d candidate pairs (%.2f per claim); P=%.3f R=%.3f F1=%.3f", res.Stats.Pairs, float64(res.Stats.Pairs)/float64(len(claims)), s.P, s.R, s.F1)
	if s.F1 < 0.9 {
		t.Errorf("synthetic F1 = %.3f, want ≥ 0.9", s.F1)
	}
}

// benchFuse times Fuse, and reports beside the wall time the CPU time
// per run (cpu-s/op, getrusage: user and system, every thread): on a
// loaded machine the wall time stretches with the load, the CPU time much
// less, so growth ratios (1M / 100k) are read from it.
func benchFuse(b *testing.B, n, days int) {
	claims, _ := synthClaimsOver(n, 1, days)
	b.ReportAllocs()
	b.ResetTimer()
	var res *Result
	cpu := cpuTime()
	for b.Loop() {
		res = Fuse(claims, synthSources, Options{})
	}
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(res.Stats.Pairs), "pairs")
	b.ReportMetric(float64(len(res.Clusters)), "clusters")
}

// benchStream times the streamed re-fusion of All (two passes over the
// claims in blocking order, components clustered as they close) over the
// same synthetic claims, already in blocking order in memory (no store,
// no sorting), and reports its CPU time and the most claims it held at
// once.
func benchStream(b *testing.B, n, days int) {
	claims, _ := synthClaimsOver(n, 1, days)
	stream := sliceStream(claims, func(i int) string { return "own" + strconv.Itoa(i) })
	b.ReportAllocs()
	b.ResetTimer()
	var st BlockStats
	var clusters int
	cpu := cpuTime()
	for b.Loop() {
		clusters = 0
		var err error
		_, st, err = streamFuse(b.Context(), stream, synthSources, Options{}, func(_ []*node, res *Result) error {
			clusters += len(res.Clusters)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(st.Pairs), "pairs")
	b.ReportMetric(float64(clusters), "clusters")
	b.ReportMetric(float64(st.Held), "held")
}

// BenchmarkStream100k is BenchmarkFuse100k through the stream.
func BenchmarkStream100k(b *testing.B) { benchStream(b, 100_000, 3650) }

// BenchmarkStream1M is BenchmarkFuse1M through the stream.
func BenchmarkStream1M(b *testing.B) { benchStream(b, 1_000_000, 3650) }

// BenchmarkStream1MSameDensity is BenchmarkFuse1MSameDensity through the stream.
func BenchmarkStream1MSameDensity(b *testing.B) { benchStream(b, 1_000_000, 36500) }

// BenchmarkFuse100k fuses 100,000 synthetic claims (about 20,000 events)
// over ten years. The targets: 1M claims in ≤ 60 s on 2 cores,
// time(1M)/time(100k) ≤ 12.
func BenchmarkFuse100k(b *testing.B) { benchFuse(b, 100_000, 3650) }

// BenchmarkFuse1M is the full-size run in the same ten-year world,
// ten times denser: candidate pairs grow faster than claims (run it on
// purpose: -bench Fuse1M -benchtime 1x).
func BenchmarkFuse1M(b *testing.B) { benchFuse(b, 1_000_000, 3650) }

// BenchmarkFuse1MSameDensity spreads 1M claims over a hundred years: the
// density of BenchmarkFuse100k, which isolates the cost of size from the
// cost of density.
func BenchmarkFuse1MSameDensity(b *testing.B) { benchFuse(b, 1_000_000, 36500) }

// BenchmarkAttach attaches one claim to the incidents of its window among
// 100k fused claims, as an import does between re-fusions.
func BenchmarkAttach(b *testing.B) {
	claims, _ := synthClaims(100_000, 1)
	res := Fuse(claims, synthSources, Options{})
	byID := map[string]model.Claim{}
	for _, c := range claims {
		byID[c.ID] = c
	}
	l := NewLinker(res.Model, synthSources, 0)
	extra, _ := synthClaims(1000, 7)
	// Candidate clusters as a store would find them: same country, windows overlapping.
	type cl struct {
		country string
		lo, hi  int
		claims  []model.Claim
	}
	var cls []cl
	for _, ids := range res.Clusters {
		c := cl{lo: math.MaxInt, hi: math.MinInt}
		for _, id := range ids {
			x := byID[id]
			p := prepare(&x, synthSources[x.Source])
			c.country = x.Country
			c.lo, c.hi = min(c.lo, p.winLo), max(c.hi, p.winHi)
			c.claims = append(c.claims, x)
		}
		cls = append(cls, c)
	}
	cands := make([][][]model.Claim, len(extra))
	for i := range extra {
		p := prepare(&extra[i], synthSources[extra[i].Source])
		for _, c := range cls {
			if c.country == extra[i].Country && c.lo <= p.winHi && p.winLo <= c.hi {
				cands[i] = append(cands[i], c.claims)
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		l.Attach(extra[i%len(extra)], cands[i%len(extra)])
		i++
	}
}

// BenchmarkAttachLocal is the CPU part of incremental fusion as the
// store path runs it (step): one new claim fused with the claims of the
// incidents of its window, those incidents fixed, EM from the model of
// the last full run. 100k fused claims; the store's part (queries, the
// write) is BenchmarkFuseAttach in store/sqlite.
func BenchmarkAttachLocal(b *testing.B) {
	claims, _ := synthClaims(100_000, 1)
	res := Fuse(claims, synthSources, Options{})
	inc := map[string]string{}
	for ci, ids := range res.Clusters {
		for _, id := range ids {
			inc[id] = fmt.Sprint("i", ci)
		}
	}
	extra, _ := synthClaims(1000, 7)
	ps := prepareAll(claims, synthSources)
	locals := make([][]model.Claim, len(extra))
	fixed := make([]map[string]string, len(extra))
	for i := range extra {
		p := prepare(&extra[i], synthSources[extra[i].Source])
		near := map[string]bool{}
		for k := range ps {
			q := &ps[k]
			if q.c.Country == extra[i].Country && q.winLo <= p.winHi && p.winLo <= q.winHi {
				near[inc[q.c.ID]] = true
			}
		}
		fixed[i] = map[string]string{}
		locals[i] = []model.Claim{extra[i]}
		for _, c := range claims {
			if near[inc[c.ID]] {
				locals[i] = append(locals[i], c)
				fixed[i][c.ID] = inc[c.ID]
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	i, n := 0, 0
	for b.Loop() {
		k := i % len(extra)
		Fuse(locals[k], synthSources, Options{Prior: res.Model, Fixed: fixed[k]})
		n += len(locals[k])
		i++
	}
	b.ReportMetric(float64(n)/float64(i), "claims/op")
}
