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

func tpD(s string) model.Date {
	d, err := model.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// tpSimDates draws incident dates over days [0, span) from a Poisson
// process whose daily rate is rate(day) (by thinning), starting 2010-01-01.
func tpSimDates(rng *rand.Rand, span int, rate func(day float64) float64, maxRate float64) []model.Date {
	base := tpCivilDays(2010, 1, 1)
	var out []model.Date
	for t := rng.ExpFloat64() / maxRate; t < float64(span); t += rng.ExpFloat64() / maxRate {
		if rng.Float64()*maxRate <= rate(t) {
			out = append(out, tpDate(base+int(t)))
		}
	}
	return out
}

func TestTempoKnown(t *testing.T) {
	// Six incidents; intervals 31, 29, 20, 10, 5 days (shrinking).
	dates := []model.Date{tpD("2024-03-01"), tpD("2024-01-01"), tpD("2024-02-01"), tpD("2024-03-21"), tpD("2024-03-31"), tpD("2024-04-05")}
	r, err := Tempo(dates, TempoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.N != 6 || r.Intervals != 5 || r.IntervalMedian != 20 || r.IntervalMean != 19 {
		t.Errorf("n, intervals, median, mean = %d, %d, %v, %v, want 6, 5, 20, 19", r.N, r.Intervals, r.IntervalMedian, r.IntervalMean)
	}
	if r.Start != tpD("2024-01-01") || r.End != tpD("2024-04-05") {
		t.Errorf("window %s to %s, want 2024-01-01 to 2024-04-05", r.Start, r.End)
	}
	// Strictly decreasing intervals at distinct dates: S = −10, exact p = 2/120.
	if r.MannKendall == nil || r.MannKendall.S != -10 || !r.MannKendall.Exact || !trClose(r.MannKendall.P, 2.0/120, 1e-12) {
		t.Errorf("mann_kendall = %+v, want S = -10 with exact p = 1/60", r.MannKendall)
	}
	if r.Sen == nil || r.SenBasis != SenBasisEvents || !(r.Sen.Slope < 0) {
		t.Errorf("sen = %+v (%s), want a negative slope on events", r.Sen, r.SenBasis)
	}
	// Months Jan..Apr with 1, 1, 3, 1 incidents; April has 5 days of exposure.
	if r.Bins != 4 || r.Poisson == nil || r.Poisson.Total != 6 {
		t.Fatalf("bins %d, poisson %+v, want 4 bins and 6 incidents", r.Bins, r.Poisson)
	}
	counts, _, exposure := tpBins([]int{tpCivilDays(2024, 1, 1), tpCivilDays(2024, 4, 5)}, tpCivilDays(2024, 1, 1), tpCivilDays(2024, 4, 5), BinMonth)
	if want := []float64{31, 29, 31, 5}; !equalFloats(exposure, want) || counts[0] != 1 || counts[3] != 1 {
		t.Errorf("exposure %v, counts %v, want %v and one incident in the first and last bins", exposure, counts, want)
	}
	if s := r.Sentence(); !strings.Contains(s, "n = 6 incidents") || !strings.Contains(s, "treat this with caution") {
		t.Errorf("sentence lacks n or the small-n caveat: %s", s)
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestTempoDetectsRisingRate simulates a rate that triples over six years
// (about 20% a year) and checks both tests see it and the sentence says so.
func TestTempoDetectsRisingRate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	span := 6 * 365
	growth := math.Log(3) / float64(span) // per day
	dates := tpSimDates(rng, span, func(d float64) float64 { return 0.1 * math.Exp(growth*d) }, 0.3)
	r, err := Tempo(dates, TempoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantRR := math.Exp(growth * tpYear)
	if r.Poisson == nil || r.Poisson.P >= 0.001 || math.Abs(r.Poisson.RateRatio-wantRR) > 0.06 {
		t.Errorf("poisson = %+v, want p < 0.001 and rate ratio near %.3f", r.Poisson, wantRR)
	}
	if r.Poisson.RateRatioLower > wantRR || r.Poisson.RateRatioUpper < wantRR {
		t.Errorf("95%% CI %.3f–%.3f misses the true rate ratio %.3f", r.Poisson.RateRatioLower, r.Poisson.RateRatioUpper, wantRR)
	}
	if r.MannKendall == nil || r.MannKendall.S >= 0 || r.MannKendall.P >= 0.05 {
		t.Errorf("mann_kendall = %+v, want shrinking gaps with p < 0.05", r.MannKendall)
	}
	s := r.Sentence()
	for _, want := range []string{"more frequent", "rose about", "a year", "gaps between incidents shrank", "n = "} {
		if !strings.Contains(s, want) {
			t.Errorf("sentence lacks %q: %s", want, s)
		}
	}
	if strings.Contains(s, "caution") {
		t.Errorf("caveat for n = %d: %s", r.N, s)
	}
}

// TestTempoNullLevel checks the false-positive rate of both tests on
// homogeneous Poisson processes: near the nominal 5%.
func TestTempoNullLevel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const sims = 400
	poissonHits, mkHits := 0, 0
	for range sims {
		dates := tpSimDates(rng, 4*365, func(float64) float64 { return 0.08 }, 0.08)
		r, err := Tempo(dates, TempoOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Poisson != nil && r.Poisson.P < 0.05 {
			poissonHits++
		}
		if r.MannKendall != nil && r.MannKendall.P < 0.05 {
			mkHits++
		}
	}
	// Binomial(400, 0.05): mean 20, sd 4.4; accept 2.0%–9.0%.
	for name, hits := range map[string]int{"poisson": poissonHits, "mann-kendall": mkHits} {
		if rate := float64(hits) / sims; rate < 0.02 || rate > 0.09 {
			t.Errorf("%s false-positive rate %.3f, want near 0.05", name, rate)
		}
	}
}

func TestTempoWeekAndWindow(t *testing.T) {
	dates := []model.Date{tpD("2024-01-03"), tpD("2024-01-04"), tpD("2024-01-20"), tpD("2024-02-02")}
	r, err := Tempo(dates, TempoOptions{Bin: BinWeek, Start: tpD("2024-01-01"), End: tpD("2024-02-04")})
	if err != nil {
		t.Fatal(err)
	}
	// 35 days from Monday 2024-01-01: five full weeks.
	if r.Bins != 5 || r.Bin != BinWeek || r.Start != tpD("2024-01-01") {
		t.Errorf("bins %d (%s) from %s, want 5 weeks from 2024-01-01", r.Bins, r.Bin, r.Start)
	}
	if s := r.Sentence(); !strings.Contains(s, "weekly rate") {
		t.Errorf("sentence does not speak of the weekly rate: %s", s)
	}
}

func TestTempoErrors(t *testing.T) {
	tests := []struct {
		name  string
		dates []model.Date
		opts  TempoOptions
	}{
		{"none", nil, TempoOptions{}},
		{"two", []model.Date{tpD("2024-01-01"), tpD("2024-02-01")}, TempoOptions{}},
		{"unknown date", []model.Date{tpD("2024-01-01"), {}, tpD("2024-02-01")}, TempoOptions{}},
		{"invalid date", []model.Date{tpD("2024-01-01"), {Year: 2024, Month: 2, Day: 30}, tpD("2024-02-01")}, TempoOptions{}},
		{"one day", []model.Date{tpD("2024-01-01"), tpD("2024-01-01"), tpD("2024-01-01")}, TempoOptions{}},
		{"before window", []model.Date{tpD("2024-01-01"), tpD("2024-01-05"), tpD("2024-02-01")}, TempoOptions{Start: tpD("2024-01-02")}},
		{"after window", []model.Date{tpD("2024-01-01"), tpD("2024-01-05"), tpD("2024-02-01")}, TempoOptions{End: tpD("2024-01-31")}},
		{"bin", []model.Date{tpD("2024-01-01"), tpD("2024-01-05"), tpD("2024-02-01")}, TempoOptions{Bin: "day"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Tempo(tc.dates, tc.opts); !errors.Is(err, ErrTrendInput) {
				t.Errorf("err = %v, want ErrTrendInput", err)
			}
		})
	}
	// Equal gaps: Mann–Kendall cannot run, the rest still can.
	r, err := Tempo([]model.Date{tpD("2024-01-01"), tpD("2024-01-11"), tpD("2024-01-21"), tpD("2024-01-31")}, TempoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.MannKendall != nil || r.TrendNote == "" {
		t.Errorf("equal gaps: mann_kendall %+v, note %q; want none with a note", r.MannKendall, r.TrendNote)
	}
	if s := r.Sentence(); s == "" {
		t.Error("empty sentence")
	}
}

func TestTempoLargeUsesMonthlySen(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	dates := tpSimDates(rng, 3*365, func(float64) float64 { return 20 }, 20)
	r, err := Tempo(dates, TempoOptions{MaxEvents: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if r.SenBasis != SenBasisMonthlyMeans || r.Sen == nil || r.Sen.N != 36 || r.MannKendall.N != r.Intervals {
		t.Errorf("basis %q, sen n %v, mk n %d; want monthly means over 36 months and Mann–Kendall on all %d intervals",
			r.SenBasis, r.Sen, r.MannKendall.N, r.Intervals)
	}
}

func TestTempoJSON(t *testing.T) {
	dates := []model.Date{tpD("2024-01-01"), tpD("2024-01-11"), tpD("2024-01-21"), tpD("2024-01-31")}
	r, err := Tempo(dates, TempoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"n", "start", "end", "intervals", "interval_median_days", "interval_mean_days", "mann_kendall", "sen", "sen_basis", "bin", "bins", "poisson", "rate_start", "rate_end"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	if m["start"] != "2024-01-01" {
		t.Errorf("start = %v, want 2024-01-01", m["start"])
	}
}

func TestTPCalendar(t *testing.T) {
	for _, d := range []string{"1970-01-01", "2000-02-29", "2024-12-31", "1900-03-01", "0001-01-01", "9999-12-31"} {
		want := tpD(d)
		n, err := tpDayNumber(want)
		if err != nil {
			t.Fatal(err)
		}
		if got := tpDate(n); got != want {
			t.Errorf("round trip of %s gave %s", d, got)
		}
		if days := int(want.Time().Unix() / 86400); days != n {
			t.Errorf("%s: day number %d, want %d", d, n, days)
		}
	}
}

// BenchmarkTempo1M measures Tempo on a million incidents over 30 years.
func BenchmarkTempo1M(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 9))
	base := tpCivilDays(1995, 1, 1)
	dates := make([]model.Date, 1_000_000)
	for i := range dates {
		// A rate that grows over the period: later days are likelier.
		dates[i] = tpDate(base + int(math.Sqrt(rng.Float64())*30*365))
	}
	b.ResetTimer()
	for range b.N {
		if _, err := Tempo(dates, TempoOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
