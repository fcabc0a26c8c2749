package analyze

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
)

// svPoisson draws a Poisson variate (Knuth's method; a rounded normal for
// large means, good enough for these simulations).
func svPoisson(rng *rand.Rand, lambda float64) int {
	if lambda > 50 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*rng.NormFloat64())))
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// svSim makes n incidents over years years from 2015-01-01 whose killed
// figure has mean mean(t) (t in years) with lognormal extra variation, low
// and high at 70% and 150% of best, wounded three times killed, and suicide
// with probability pSuicide(t).
func svSim(rng *rand.Rand, n int, years float64, mean, pSuicide func(t float64) float64) []SeverityItem {
	base := tpCivilDays(2015, 1, 1)
	items := make([]SeverityItem, n)
	for i := range items {
		t := rng.Float64() * years
		lambda := mean(t) * math.Exp(0.8*rng.NormFloat64()-0.32)
		k := svPoisson(rng, lambda)
		w := svPoisson(rng, 3*lambda)
		s := rng.Float64() < pSuicide(t)
		items[i] = SeverityItem{
			Date:    tpDate(base + int(t*365.25)),
			Killed:  &model.Range{Low: int(0.7 * float64(k)), Best: k, High: int(math.Ceil(1.5 * float64(k)))},
			Wounded: &model.Range{Low: w, Best: w, High: w},
			Suicide: &s,
			Sites:   1 + rng.IntN(2),
		}
	}
	return items
}

func svRange(low, best, high int) *model.Range { return &model.Range{Low: low, Best: best, High: high} }
func svBool(b bool) *bool                      { return &b }

func TestSeverityKnown(t *testing.T) {
	items := []SeverityItem{
		{Date: tpD("2022-10-26"), Killed: svRange(13, 13, 15), Wounded: svRange(30, 40, 40), Suicide: svBool(false), Sites: 1},
		{Date: tpD("2017-06-07"), Killed: svRange(17, 18, 18), Wounded: svRange(43, 52, 52), Suicide: svBool(true), Sites: 2, Coordinated: true},
		{Date: tpD("2018-09-22"), Killed: svRange(24, 25, 29), Wounded: svRange(60, 70, 70), Suicide: svBool(false), Sites: 1},
		{Date: tpD("2023-08-13"), Killed: svRange(2, 2, 2), Wounded: svRange(7, 8, 8), Sites: 1},
		{Date: tpD("2024-01-03"), Killed: svRange(84, 95, 103), Wounded: svRange(280, 284, 284), Suicide: svBool(true), Sites: 2, Coordinated: true},
		{Date: tpD("2024-01-03"), Killed: nil, Wounded: nil},
	}
	r, err := Severity(items, SeverityOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.N != 6 || r.Start != tpD("2017-06-07") || r.End != tpD("2024-01-03") {
		t.Errorf("n %d, %s to %s; want 6, 2017-06-07 to 2024-01-03", r.N, r.Start, r.End)
	}
	k := r.Killed
	if k.N != 5 || k.Total != 153 || k.Mean != 153.0/5 || k.Median != 18 {
		t.Errorf("killed n, total, mean, median = %d, %v, %v, %v; want 5, 153, 30.6, 18", k.N, k.Total, k.Mean, k.Median)
	}
	// The best series in date order: 18, 25, 13, 2, 95 at distinct dates.
	want, err := MannKendall([]float64{18, 25, 13, 2, 95})
	if err != nil {
		t.Fatal(err)
	}
	if k.Best == nil || k.Best.MannKendall == nil || *k.Best.MannKendall != want {
		t.Errorf("killed best Mann–Kendall = %+v, want %+v", k.Best.MannKendall, want)
	}
	if k.Best.SenBasis != SenBasisEvents || k.Best.Sen == nil {
		t.Errorf("sen %+v on %q, want a slope on events", k.Best.Sen, k.Best.SenBasis)
	}
	// Suicide known for 4 (2017: 1 of 1, 2018: 0 of 1, 2022: 0 of 1, 2024: 1 of 1).
	sui := r.Suicide
	if sui.N != 4 || sui.Count != 2 || len(sui.Years) != 4 || sui.Years[0] != (YearShare{2017, 1, 1, 1}) || sui.Years[3] != (YearShare{2024, 1, 1, 1}) {
		t.Errorf("suicide = %+v", sui)
	}
	// Multi-site known for 5 (Sites > 0), coordinated for all 6.
	if r.MultiSite.N != 5 || r.MultiSite.Count != 2 || r.Coordinated.N != 6 || r.Coordinated.Count != 2 {
		t.Errorf("multi-site %d of %d, coordinated %d of %d; want 2 of 5 and 2 of 6", r.MultiSite.Count, r.MultiSite.N, r.Coordinated.Count, r.Coordinated.N)
	}
	for _, s := range r.Sentences() {
		if !strings.Contains(s, "caution") || !strings.HasSuffix(s, ".") {
			t.Errorf("sentence without the small-n caveat: %s", s)
		}
	}
}

// TestSeverityGroupedFitMatchesRows checks that the one-row-per-day
// regression gives the same estimates, deviance and Pearson statistic as
// one row per incident.
func TestSeverityGroupedFitMatchesRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	items := svSim(rng, 400, 3, func(t float64) float64 { return 2 + t }, func(float64) float64 { return 0.3 })
	r, err := Severity(items, SeverityOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w0, _ := tpDayNumber(r.Start)
	var ys, ts []float64
	for _, it := range items {
		d, _ := tpDayNumber(it.Date)
		ts = append(ts, float64(d-w0)/tpYear)
		ys = append(ys, float64(it.Killed.Best))
	}
	rows, err := PoissonTrend(ys, ts)
	if err != nil {
		t.Fatal(err)
	}
	g := r.Killed.Best.Poisson
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"slope", g.Slope, rows.Slope}, {"intercept", g.Intercept, rows.Intercept}, {"se", g.SEPoisson, rows.SEPoisson},
		{"deviance", g.Deviance, rows.Deviance}, {"pearson", g.Pearson, rows.Pearson}, {"null deviance", g.NullDeviance, rows.NullDeviance}} {
		if !trClose(c.got, c.want, 1e-8) {
			t.Errorf("%s: grouped %.12g, rows %.12g", c.name, c.got, c.want)
		}
	}
	if g.DF != rows.DF {
		t.Errorf("df: grouped %d, rows %d", g.DF, rows.DF)
	}
}

// TestSeverityDetectsTrend simulates killed per incident whose mean
// doubles over five years and a suicide share rising from 20% to 60%.
func TestSeverityDetectsTrend(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	items := svSim(rng, 600, 5, func(t float64) float64 { return 3 * math.Pow(2, t/5) },
		func(t float64) float64 { return 0.2 + 0.08*t })
	r, err := Severity(items, SeverityOptions{})
	if err != nil {
		t.Fatal(err)
	}
	k := r.Killed
	if d, _ := svDirection(k.Best); d != 1 {
		t.Errorf("killed best: Mann–Kendall %+v, want a rise", k.Best.MannKendall)
	}
	wantRR := math.Pow(2, 1/5.0)
	if pr := k.Best.Poisson; pr == nil || !pr.Overdispersed || pr.RateRatioLower > wantRR || pr.RateRatioUpper < wantRR {
		t.Errorf("killed best log-linear %+v: want overdispersion flagged and a CI covering %.3f", pr, wantRR)
	}
	if k.Sensitivity != SensitivityHolds {
		t.Errorf("sensitivity %q, want %q (low and high are monotone in best)", k.Sensitivity, SensitivityHolds)
	}
	if s := k.Sentence(); !strings.Contains(s, "deadlier") || !strings.Contains(s, "holds on the low and high") || !strings.Contains(s, "uneven tolls") {
		t.Errorf("killed sentence: %s", s)
	}
	sui := r.Suicide
	if !sui.Tested || sui.P >= 0.001 || sui.ShareStart > 0.3 || sui.ShareEnd < 0.5 {
		t.Errorf("suicide share %+v: want a significant rise from about 20%% to 60%%", sui)
	}
	if s := sui.Sentence(); !strings.Contains(s, "suicide attacks rose") {
		t.Errorf("suicide sentence: %s", s)
	}
	if s := r.MultiSite.Sentence(); !strings.Contains(s, "no clear trend") {
		t.Errorf("multi-site sentence (no trend simulated): %s", s)
	}
}

// TestSeverityNullLevel checks the false-positive rates of Mann–Kendall on
// killed and of the logistic test on the suicide share with no trend.
func TestSeverityNullLevel(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	const sims = 300
	mkHits, shareHits := 0, 0
	for range sims {
		items := svSim(rng, 150, 4, func(float64) float64 { return 4 }, func(float64) float64 { return 0.3 })
		r, err := Severity(items, SeverityOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := svDirection(r.Killed.Best); d != 0 {
			mkHits++
		}
		if r.Suicide.Tested && r.Suicide.P < 0.05 {
			shareHits++
		}
	}
	// Binomial(300, 0.05): mean 15, sd 3.8; accept 1.7%–9.0%.
	for name, hits := range map[string]int{"mann-kendall": mkHits, "logistic": shareHits} {
		if rate := float64(hits) / sims; rate < 0.017 || rate > 0.09 {
			t.Errorf("%s false-positive rate %.3f, want near 0.05", name, rate)
		}
	}
}

func TestSeveritySensitivityDiffers(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	items := svSim(rng, 300, 5, func(t float64) float64 { return 2 + 2*t }, func(float64) float64 { return 0.5 })
	for i := range items {
		// Sources agree only on a flat, random low figure.
		items[i].Killed.Low = rng.IntN(3)
	}
	r, err := Severity(items, SeverityOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Killed.Sensitivity != SensitivityDiffers {
		t.Errorf("sensitivity %q, want %q", r.Killed.Sensitivity, SensitivityDiffers)
	}
	if s := r.Killed.Sentence(); !strings.Contains(s, "does not hold") || !strings.Contains(s, "low figures show no clear trend") {
		t.Errorf("sentence: %s", s)
	}
}

func TestSeverityEdgeCases(t *testing.T) {
	d := []model.Date{tpD("2020-01-01"), tpD("2020-03-01"), tpD("2020-06-01"), tpD("2020-09-01")}
	if _, err := Severity([]SeverityItem{{Date: d[0]}, {Date: d[1]}}, SeverityOptions{}); !errors.Is(err, ErrTrendInput) {
		t.Errorf("two items: err = %v, want ErrTrendInput", err)
	}
	if _, err := Severity([]SeverityItem{{Date: d[0]}, {}, {Date: d[1]}}, SeverityOptions{}); !errors.Is(err, ErrTrendInput) {
		t.Errorf("unknown date: err = %v, want ErrTrendInput", err)
	}
	// No figures, all-equal figures, negative figures, one attribute constant.
	items := []SeverityItem{
		{Date: d[0], Wounded: svRange(0, 0, 0), Suicide: svBool(true)},
		{Date: d[1], Wounded: svRange(0, 0, 0), Suicide: svBool(true)},
		{Date: d[2], Wounded: svRange(0, 0, 0), Suicide: svBool(true)},
		{Date: d[3], Wounded: svRange(-1, 5, 5), Suicide: svBool(true)},
	}
	r, err := Severity(items, SeverityOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Killed.N != 0 || r.Killed.Best != nil || !strings.Contains(r.Killed.Sentence(), "No incident") {
		t.Errorf("killed with no figures: %+v, %q", r.Killed, r.Killed.Sentence())
	}
	if w := r.Wounded; w.N != 3 || w.Best == nil || w.Best.MannKendall != nil || w.Best.Note == "" {
		t.Errorf("wounded all zero (one negative dropped): %+v", w)
	}
	if s := r.Suicide; s.Tested || !strings.Contains(s.Note, "no variation") || !strings.Contains(s.Sentence(), "All 4 incidents") {
		t.Errorf("suicide always true: %+v", s)
	}
	if r.MultiSite.N != 0 || !strings.Contains(r.MultiSite.Sentence(), "not known") {
		t.Errorf("multi-site unknown everywhere: %+v, %q", r.MultiSite, r.MultiSite.Sentence())
	}
	for _, s := range r.Sentences() {
		if s == "" {
			t.Error("empty sentence")
		}
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("JSON: %v", err)
	}
}

func TestSeverityJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	r, err := Severity(svSim(rng, 50, 2, func(float64) float64 { return 3 }, func(float64) float64 { return 0.4 }), SeverityOptions{})
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
	for _, k := range []string{"n", "start", "end", "killed", "wounded", "suicide", "multi_site", "coordinated"} {
		if _, ok := top[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	killed := top["killed"].(map[string]any)
	for _, k := range []string{"measure", "n", "mean", "median", "total", "best", "low", "high", "sensitivity"} {
		if _, ok := killed[k]; !ok {
			t.Errorf("killed JSON lacks %q", k)
		}
	}
	best := killed["best"].(map[string]any)
	for _, k := range []string{"mann_kendall", "sen", "sen_basis", "poisson"} {
		if _, ok := best[k]; !ok {
			t.Errorf("series JSON lacks %q", k)
		}
	}
	sui := top["suicide"].(map[string]any)
	for _, k := range []string{"attribute", "n", "count", "share", "years", "tested", "odds_ratio", "p", "share_start", "share_end"} {
		if _, ok := sui[k]; !ok {
			t.Errorf("suicide JSON lacks %q", k)
		}
	}
}

// BenchmarkSeverity1M measures Severity on a million incidents over 30 years.
func BenchmarkSeverity1M(b *testing.B) {
	rng := rand.New(rand.NewPCG(71, 72))
	items := svSim(rng, 1_000_000, 30, func(t float64) float64 { return 1 + t/10 }, func(t float64) float64 { return 0.05 + t/100 })
	b.ResetTimer()
	for range b.N {
		if _, err := Severity(items, SeverityOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
