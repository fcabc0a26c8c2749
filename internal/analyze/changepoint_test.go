package analyze

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
)

func cpOnes(n int) []float64 {
	e := make([]float64, n)
	for i := range e {
		e[i] = 1
	}
	return e
}

// TestChangePointsCoal runs both methods on the yearly British coal-mining
// disasters, the classic change-point data: the published analyses
// (Raftery & Akman 1986; Carlin, Gelfand & Smith 1992) put the change of
// rate around 1890, from about 3.1 to about 0.9 disasters a year. Both
// methods find it (1892, inside 1888–1894) with the rate before it near
// 3.1; they also find a later drop, after 1946, into the years with almost
// no disaster, which is why the rate after 1892 comes out near 1.1.
func TestChangePointsCoal(t *testing.T) {
	x := trReadSeries(t, "changepoint_coal.txt")
	if len(x) != 111 {
		t.Fatalf("%d years, want 111", len(x))
	}
	r, err := ChangePointsMonthly(tpD("1851-01-01"), x, nil, ChangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	year := func(label string) int { // month k of the series stands for year 1851 + k
		return 1851 + cpMonthsApart(label, "1851-01")
	}
	for name, cps := range map[string][]ChangePoint{"bayes": r.Counts.Bayes, "pelt": r.Counts.PELT} {
		found := false
		for _, c := range cps {
			if y := year(c.Month); y >= 1888 && y <= 1894 {
				found = true
				if math.Abs(c.Before-3.1) > 0.2 || c.After > 1.3 || c.After < 0.7 {
					t.Errorf("%s: change in %d from %.2f to %.2f, want from about 3.1 to about 1", name, y, c.Before, c.After)
				}
				if name == "bayes" && c.WindowProbability < 0.5 {
					t.Errorf("bayes: window probability %.2f, want ≥ 0.5", c.WindowProbability)
				}
				if name == "pelt" && c.CostReduction < r.Counts.PELTPenalty {
					t.Errorf("pelt: cost reduction %.1f below the penalty %.1f", c.CostReduction, r.Counts.PELTPenalty)
				}
			}
		}
		if !found {
			t.Errorf("%s: no change in 1888–1894 among %+v", name, cps)
		}
	}
	if r.Counts.Dispersion != 1 {
		t.Errorf("dispersion %.3f, want 1 (these counts are not overdispersed)", r.Counts.Dispersion)
	}
}

// cpSimBreak makes t months of Poisson counts with mean a before month k
// and b from it on, with extra lognormal variation of sd sigma.
func cpSimBreak(rng *rand.Rand, t, k int, a, b, sigma float64) []float64 {
	x := make([]float64, t)
	for i := range x {
		m := a
		if i >= k {
			m = b
		}
		x[i] = float64(svPoisson(rng, m*math.Exp(sigma*rng.NormFloat64()-sigma*sigma/2)))
	}
	return x
}

// TestChangePointsRecovery checks that a break of known date is found by
// both methods on counts, and on fatalities with the Gaussian model.
func TestChangePointsRecovery(t *testing.T) {
	rng := rand.New(rand.NewPCG(81, 82))
	const months, brk = 120, 70
	// A change within 3 months of the break counts as found; any other
	// change is an extra one.
	found, extra := map[string]int{}, map[string]int{}
	const sims = 40
	for range sims {
		counts := cpSimBreak(rng, months, brk, 2, 6, 0)
		fat := make([]float64, months)
		for i := range fat {
			level := 5.0
			if i >= brk {
				level = 40
			}
			fat[i] = math.Round(level * math.Exp(0.5*rng.NormFloat64()))
		}
		r, err := ChangePointsMonthly(tpD("2010-01-01"), counts, fat, ChangeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := r.Months[brk]
		for name, cps := range map[string][]ChangePoint{"counts bayes": r.Counts.Bayes, "counts pelt": r.Counts.PELT,
			"fatalities bayes": r.Fatalities.Bayes, "fatalities pelt": r.Fatalities.PELT} {
			hit := false
			for _, c := range cps {
				if cpMonthsApart(c.Month, want) <= 3 && !hit {
					hit = true
					found[name]++
				} else {
					extra[name]++
				}
			}
		}
	}
	for _, name := range []string{"counts bayes", "counts pelt", "fatalities bayes", "fatalities pelt"} {
		if found[name] < sims*85/100 || float64(extra[name])/sims > 0.3 {
			t.Errorf("%s: break found in %d of %d series with %d extra changes, want ≥ 85%% and ≤ 0.3 extra per series", name, found[name], sims, extra[name])
		}
	}
	// One series in detail.
	counts := cpSimBreak(rng, months, brk, 2, 6, 0)
	r, err := ChangePointsMonthly(tpD("2010-01-01"), counts, nil, ChangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Counts.Bayes) != 1 {
		t.Fatalf("bayes changes %+v, want one", r.Counts.Bayes)
	}
	c := r.Counts.Bayes[0]
	if math.Abs(c.Before-2) > 0.5 || math.Abs(c.After-6) > 1 || c.DetectedMonth == "" || cpMonthsApart(c.DetectedMonth, c.Month) > 12 {
		t.Errorf("change %+v: want about 2 → 6, detected online within a year", c)
	}
	if s := r.Sentence(); !strings.Contains(s, "rose in "+c.Month) || !strings.Contains(s, "PELT finds the same change") {
		t.Errorf("sentence: %s", s)
	}
}

// TestChangePointsNoChange checks how often a change is reported on
// 120-month series without one: Poisson counts, overdispersed counts (where
// the tempering by φ matters) and lognormal fatalities. Measured over 200
// series: Bayesian 10%, 17% and 10%; PELT 4.5%, 9% and 8.5%. The prior
// (hazard 1/24) expects a change every two years, so a short run of high or
// low months is sometimes taken for one.
func TestChangePointsNoChange(t *testing.T) {
	rng := rand.New(rand.NewPCG(91, 92))
	const sims = 100
	falses := map[string]int{}
	for range sims {
		plain := cpSimBreak(rng, 120, 0, 3, 3, 0)
		over := cpSimBreak(rng, 120, 0, 8, 8, 0.6)
		fat := make([]float64, 120)
		for i := range fat {
			fat[i] = math.Round(10 * math.Exp(rng.NormFloat64()))
		}
		for name, series := range map[string][]float64{"poisson": plain, "overdispersed": over} {
			r, err := ChangePointsMonthly(tpD("2010-01-01"), series, fat, ChangeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Counts.Bayes) > 0 {
				falses[name+" bayes"]++
			}
			if len(r.Counts.PELT) > 0 {
				falses[name+" pelt"]++
			}
			if name == "poisson" {
				if len(r.Fatalities.Bayes) > 0 {
					falses["fatalities bayes"]++
				}
				if len(r.Fatalities.PELT) > 0 {
					falses["fatalities pelt"]++
				}
			}
		}
	}
	for name, n := range falses {
		limit := 0.16
		if name == "overdispersed bayes" {
			limit = 0.27
		}
		if rate := float64(n) / sims; rate > limit {
			t.Errorf("%s: a change reported in %.0f%% of series without one, want ≤ %.0f%%", name, 100*rate, 100*limit)
		}
	}
}

func TestChangePointsSurgeAndHighs(t *testing.T) {
	tests := []struct {
		name                string
		series              []float64
		surge, high1, high3 bool
		eval3               bool
	}{
		{"surge and 1-year high", append(cpRepeat(2, 12), 5), true, true, false, false},
		{"below twice", append(cpRepeat(2, 12), 3), false, true, false, false},
		{"baseline under floor", append(cpRepeat(0.5, 12), 5), false, true, false, false},
		{"3-year high", append(append(cpRepeat(1, 10), cpRepeat(2, 30)...), 3), false, true, true, true},
		{"not a 3-year high", append(append(append(cpRepeat(2, 10), 9), cpRepeat(2, 29)...), 5), true, true, false, true},
		{"equal to the max", append(cpRepeat(4, 12), 4), false, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ChangePointsMonthly(tpD("2020-01-01"), tc.series, nil, ChangeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			l := r.Counts.Last
			if l.Surge != tc.surge || l.HighestIn1Year != tc.high1 || l.HighestIn3Years != tc.high3 || l.Evaluated3Years != tc.eval3 || !l.Evaluated1Year {
				t.Errorf("last month %+v, want surge %v, 1-year high %v, 3-year high %v (evaluated %v)", l, tc.surge, tc.high1, tc.high3, tc.eval3)
			}
			if got := len(r.Counts.Surges) > 0 && r.Counts.Surges[len(r.Counts.Surges)-1].Month == l.Month; got != tc.surge {
				t.Errorf("surges %+v: last month listed %v, want %v", r.Counts.Surges, got, tc.surge)
			}
		})
	}
	// HDX's floor of 100 fatalities: a 1-year high of 60 is not flagged.
	fat := append(cpRepeat(10, 12), 60)
	r, err := ChangePointsMonthly(tpD("2020-01-01"), nil, fat, ChangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Fatalities.Last.HighestIn1Year || !r.Fatalities.Last.Surge {
		t.Errorf("fatalities last month %+v: want a surge but no high below the floor of 100", r.Fatalities.Last)
	}
	if s := r.Fatalities.Sentence(); !strings.Contains(s, "surge") || !strings.Contains(s, "caution") {
		t.Errorf("sentence: %s", s)
	}
}

func cpRepeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestChangePointsItems checks the monthly aggregation of incidents.
func TestChangePointsItems(t *testing.T) {
	items := []SeverityItem{
		{Date: tpD("2023-01-15"), Killed: svRange(1, 2, 3)},
		{Date: tpD("2023-01-20"), Killed: nil},
		{Date: tpD("2023-03-02"), Killed: svRange(5, 5, 5)},
		{Date: tpD("2023-04-30"), Killed: svRange(0, 0, 0)},
	}
	r, err := ChangePoints(items, ChangeOptions{End: tpD("2023-05-10")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"2023-01", "2023-02", "2023-03", "2023-04", "2023-05"}; strings.Join(r.Months, ",") != strings.Join(want, ",") {
		t.Errorf("months %v, want %v", r.Months, want)
	}
	if !equalFloats(r.Counts.Values, []float64{2, 0, 1, 1, 0}) || !equalFloats(r.Fatalities.Values, []float64{2, 0, 5, 0, 0}) {
		t.Errorf("counts %v, fatalities %v", r.Counts.Values, r.Fatalities.Values)
	}
	if r.UnknownFatalities != 1 || r.N != 4 || r.Start != tpD("2023-01-15") || r.End != tpD("2023-05-10") {
		t.Errorf("unknown %d, n %d, window %s–%s", r.UnknownFatalities, r.N, r.Start, r.End)
	}
	if !r.Counts.Last.Partial || r.Counts.Last.Evaluated1Year {
		t.Errorf("last month %+v: want partial and not evaluated for a 1-year high", r.Counts.Last)
	}
	if len(r.Sentences()) != 2 {
		t.Errorf("sentences %q", r.Sentences())
	}
}

func TestChangePointsErrors(t *testing.T) {
	ok := []SeverityItem{{Date: tpD("2020-01-01")}, {Date: tpD("2020-06-01")}}
	tests := []struct {
		name  string
		items []SeverityItem
		opts  ChangeOptions
	}{
		{"none", nil, ChangeOptions{}},
		{"unknown date", []SeverityItem{{Date: tpD("2020-01-01")}, {}}, ChangeOptions{}},
		{"two months", []SeverityItem{{Date: tpD("2020-01-01")}, {Date: tpD("2020-02-01")}}, ChangeOptions{}},
		{"hazard", ok, ChangeOptions{Hazard: 1.5}},
		{"threshold", ok, ChangeOptions{Threshold: -1}},
		{"too long", []SeverityItem{{Date: tpD("1500-01-01")}, {Date: tpD("2020-01-01")}}, ChangeOptions{}},
		{"outside window", ok, ChangeOptions{End: tpD("2020-03-01")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ChangePoints(tc.items, tc.opts); !errors.Is(err, ErrTrendInput) {
				t.Errorf("err = %v, want ErrTrendInput", err)
			}
		})
	}
	for _, c := range []struct {
		name       string
		counts, ft []float64
	}{{"negative", []float64{1, -1, 2}, nil}, {"nan", []float64{1, math.NaN(), 2}, nil}, {"lengths", []float64{1, 2, 3}, []float64{1, 2}}} {
		if _, err := ChangePointsMonthly(tpD("2020-01-01"), c.counts, c.ft, ChangeOptions{}); !errors.Is(err, ErrTrendInput) {
			t.Errorf("%s: err = %v, want ErrTrendInput", c.name, err)
		}
	}
	// Degenerate but valid: all zero, all equal.
	for _, s := range [][]float64{cpRepeat(0, 30), cpRepeat(4, 30)} {
		r, err := ChangePointsMonthly(tpD("2020-01-01"), s, s, ChangeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Counts.Bayes)+len(r.Counts.PELT)+len(r.Fatalities.Bayes)+len(r.Fatalities.PELT) != 0 {
			t.Errorf("constant series %v: changes %+v %+v", s[0], r.Counts, r.Fatalities)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Errorf("JSON: %v", err)
		}
	}
}

func TestChangePointsJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(101, 102))
	r, err := ChangePointsMonthly(tpD("2015-01-01"), cpSimBreak(rng, 60, 30, 1, 5, 0), cpSimBreak(rng, 60, 30, 3, 30, 0), ChangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]any
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"n", "start", "end", "months", "unknown_fatalities", "counts", "fatalities"} {
		if _, ok := top[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	counts := top["counts"].(map[string]any)
	for _, k := range []string{"measure", "model", "values", "hazard", "dispersion", "change_prob", "online_change_prob", "map_run_length", "bayes", "pelt", "pelt_penalty", "surges", "last"} {
		if _, ok := counts[k]; !ok {
			t.Errorf("counts JSON lacks %q", k)
		}
	}
	if counts["model"] != ChangeModelPoissonGamma || top["fatalities"].(map[string]any)["model"] != ChangeModelGaussianLog1p {
		t.Errorf("models %v, %v", counts["model"], top["fatalities"].(map[string]any)["model"])
	}
}

// TestCPBayesMatchesEnumeration checks the forward–backward probabilities
// against brute-force enumeration of every segmentation of a short series.
func TestCPBayesMatchesEnumeration(t *testing.T) {
	x := []float64{1, 0, 2, 7, 5, 9, 1, 2}
	n := len(x)
	seg := newCPPoisson(x, cpOnes(n))
	const h = 0.2
	prob, _, _ := cpBayes(seg, n, h)
	want := make([]float64, n)
	total := 0.0
	for mask := 0; mask < 1<<(n-1); mask++ { // bit s−1 set: a regime starts at s
		logp, start := 0.0, 0
		for s := 1; s <= n; s++ {
			if s == n || mask&(1<<(s-1)) != 0 {
				logp += seg.logML(start, s-1)
				start = s
			}
			if s < n {
				if mask&(1<<(s-1)) != 0 {
					logp += math.Log(h)
				} else {
					logp += math.Log(1 - h)
				}
			}
		}
		p := math.Exp(logp)
		total += p
		for s := 1; s < n; s++ {
			if mask&(1<<(s-1)) != 0 {
				want[s] += p
			}
		}
	}
	for s := 1; s < n; s++ {
		if w := want[s] / total; math.Abs(prob[s]-w) > 1e-9 {
			t.Errorf("month %d: forward–backward %.12f, enumeration %.12f", s, prob[s], w)
		}
	}
}

// TestCPPELTMatchesExhaustive checks PELT against the exhaustive optimal
// partition on short random series.
func TestCPPELTMatchesExhaustive(t *testing.T) {
	rng := rand.New(rand.NewPCG(111, 112))
	for range 30 {
		x := cpSimBreak(rng, 12, 6, 1+rng.Float64()*3, 1+rng.Float64()*6, 0.3)
		seg := newCPPoisson(x, cpOnes(len(x)))
		pen := 2 * math.Log(12)
		got := cpPELT(seg, len(x), pen, 2)
		best, bestStarts := math.Inf(1), []int(nil)
		for mask := 0; mask < 1<<11; mask++ {
			var starts []int
			for s := 1; s < 12; s++ {
				if mask&(1<<(s-1)) != 0 {
					starts = append(starts, s)
				}
			}
			bounds := append(append([]int{0}, starts...), 12)
			c, ok := float64(len(starts))*pen, true
			for k := 0; k+1 < len(bounds); k++ {
				if bounds[k+1]-bounds[k] < 2 {
					ok = false
				}
				c += seg.cost(bounds[k], bounds[k+1]-1)
			}
			if ok && c < best-1e-9 {
				best, bestStarts = c, starts
			}
		}
		if !slices.Equal(got, bestStarts) {
			t.Errorf("series %v: PELT %v, exhaustive %v", x, got, bestStarts)
		}
	}
}

// BenchmarkChangePoints measures both series over 50 years of months.
func BenchmarkChangePoints(b *testing.B) {
	rng := rand.New(rand.NewPCG(121, 122))
	counts := cpSimBreak(rng, 600, 400, 5, 12, 0.3)
	fat := cpSimBreak(rng, 600, 400, 20, 60, 0.8)
	b.ResetTimer()
	for range b.N {
		if _, err := ChangePointsMonthly(model.Date{Year: 1975, Month: 1, Day: 1}, counts, fat, ChangeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
