package analyze

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
)

var simStart = model.Date{Year: 2010, Month: 1, Day: 4} // a Monday

// simIncidents draws incidents for regions whose event times follow a
// Hawkes process with the given background rates (per day) and shared
// excitation (alpha = 0 gives a Poisson process), over days [0, days).
// Killed is geometric with mean 3; regions sit on a line 100 km apart so
// that neighbours exist.
func simIncidents(seed uint64, mus []float64, alpha, beta float64, days float64) []model.Incident {
	rng := rand.New(rand.NewPCG(seed, 7))
	var out []model.Incident
	for r, mu := range mus {
		var ts []float64
		if alpha == 0 {
			for t := rng.ExpFloat64() / mu; t < days; t += rng.ExpFloat64() / mu {
				ts = append(ts, t)
			}
		} else {
			ts = SimulateHawkes(mu, alpha, beta, days, rng)
		}
		lat, lon := 30.0, 50.0+float64(r)*0.9
		for _, t := range ts {
			k := 0
			for rng.Float64() < 0.75 {
				k++
			}
			la, lo := lat, lon
			out = append(out, model.Incident{
				ID: fmt.Sprintf("r%d-%f", r, t), Start: simStart.AddDays(int(t)), DatePrecision: model.PrecisionDay,
				Country: "IR", Admin1: fmt.Sprintf("Region %02d", r), Lat: &la, Lon: &lo,
				Killed: &model.Range{Low: k, Best: k, High: k, Qualifier: model.Exact},
			})
		}
	}
	return out
}

func TestAveragePrecision(t *testing.T) {
	cases := []struct {
		name string
		p    []float64
		y    []bool
		want float64
	}{
		// scikit-learn's documented example: 0.8333…
		{"sklearn example", []float64{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}, 5.0 / 6},
		{"perfect ranking", []float64{0.9, 0.8, 0.2, 0.1}, []bool{true, true, false, false}, 1},
		{"worst ranking", []float64{0.9, 0.8, 0.2, 0.1}, []bool{false, false, true, true}, (0.5*1.0/3 + 0.5*2.0/4)},
		// Tied scores enter together: one threshold, precision 1/2.
		{"all tied", []float64{0.5, 0.5, 0.5, 0.5}, []bool{true, false, true, false}, 0.5},
	}
	for _, tc := range cases {
		if got := AveragePrecision(tc.p, tc.y); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := AveragePrecision([]float64{0.3}, []bool{false}); !math.IsNaN(got) {
		t.Errorf("no positives: got %v, want NaN", got)
	}
}

// crpsKernel is the CRPS by its kernel form E|X−y| − ½E|X−X'| over a pmf
// given as a slice: an independent way to the same number.
func crpsKernel(pmf []float64, y float64) float64 {
	var a, b float64
	for i, pi := range pmf {
		a += pi * math.Abs(float64(i)-y)
		for j, pj := range pmf {
			b += pi * pj * math.Abs(float64(i-j))
		}
	}
	return a - b/2
}

func TestCRPSCount(t *testing.T) {
	const n = 400
	poisson := func(m float64) []float64 {
		pmf := make([]float64, n)
		for k := range pmf {
			lg, _ := math.Lgamma(float64(k) + 1)
			pmf[k] = math.Exp(float64(k)*math.Log(m) - m - lg)
		}
		return pmf
	}
	negbin := func(m, v float64) []float64 {
		r := m * m / (v - m)
		q := m / (r + m)
		pmf := make([]float64, n)
		for k := range pmf {
			a, _ := math.Lgamma(float64(k) + r)
			b, _ := math.Lgamma(r)
			c, _ := math.Lgamma(float64(k) + 1)
			pmf[k] = math.Exp(a - b - c + r*math.Log1p(-q) + float64(k)*math.Log(q))
		}
		return pmf
	}
	cases := []struct {
		mean, vr, y float64
		pmf         []float64
	}{
		{2.5, 2.5, 4, poisson(2.5)},
		{2.5, 2.5, 0, poisson(2.5)},
		{0.2, 0.2, 3, poisson(0.2)},
		{3, 9, 0, negbin(3, 9)},
		{3, 9, 12, negbin(3, 9)},
		{10, 200, 40, negbin(10, 200)},
	}
	for _, tc := range cases {
		got := CRPSCount(tc.mean, tc.vr, tc.y)
		want := crpsKernel(tc.pmf, tc.y)
		if math.Abs(got-want) > 1e-6 {
			t.Errorf("CRPS(mean %v, var %v, y %v): got %v, want %v", tc.mean, tc.vr, tc.y, got, want)
		}
	}
	// A very heavy tail (size 0.002) must end, near the kernel value.
	heavy := negbin(1, 501)
	if got, want := CRPSCount(1, 501, 2), crpsKernel(heavy, 2); math.Abs(got-want) > 0.01 {
		t.Errorf("heavy tail: got %v, want about %v", got, want)
	}
	// A forecast of zero is a point mass: the CRPS is the absolute error.
	if got := CRPSCount(0, 0, 7); got != 7 {
		t.Errorf("point mass at 0, y 7: got %v, want 7", got)
	}
	// A large mean must not underflow into nonsense.
	if got := CRPSCount(2000, 2000, 2000); !(got > 0 && got < 30) {
		t.Errorf("Poisson(2000) at its mean: got %v, want a small positive CRPS (about √(2000/π)/… ≈ 12.6)", got)
	}
}

func TestLogisticRecoversCoefficients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var xs [][]float64
	var y []float64
	for range 20000 {
		x := []float64{rng.NormFloat64(), rng.NormFloat64(), 3}
		xs = append(xs, x)
		eta := -1 + 0.8*x[0] - 0.5*x[1]
		y = append(y, b2f(rng.Float64() < 1/(1+math.Exp(-eta))))
	}
	g := fitLogistic(xs, y)
	if !g.ok {
		t.Fatalf("fit failed")
	}
	// Coefficients are on standardised features; the simulated features
	// have sd ≈ 1 and mean ≈ 0, so they are close to the raw ones; the
	// constant feature gets none.
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"intercept", g.beta[0], -1}, {"x0", g.beta[1], 0.8}, {"x1", g.beta[2], -0.5}, {"constant", g.beta[3], 0},
	} {
		if math.Abs(c.got-c.want) > 0.06 {
			t.Errorf("%s: got %.3f, want %.3f ± 0.06", c.name, c.got, c.want)
		}
	}
	if got := g.eval([]float64{0, 0, 3}); math.Abs(got-1/(1+math.Exp(1))) > 0.02 {
		t.Errorf("P at x = 0: got %.3f, want %.3f", got, 1/(1+math.Exp(1)))
	}
	if g := fitLogistic(xs[:10], make([]float64, 10)); g.ok || g.eval(xs[0]) != 0 {
		t.Errorf("all-zero outcomes: got a fit (%v) or a nonzero probability", g.ok)
	}
}

// TestForecastNoLookAhead: a model's forecasts at an origin must not
// change when everything from the origin on is removed (or changed).
func TestForecastNoLookAhead(t *testing.T) {
	incs := simIncidents(3, []float64{0.05, 0.1, 0.02, 0.2, 0.01}, 0.05, 0.2, 4*365)
	now := simStart.AddDays(4 * 365)
	full, err := buildPanel(incs, Admin1Week, now)
	if err != nil {
		t.Fatal(err)
	}
	origin := 150 // weeks after the first
	cut := Admin1Week.periodStart(full.first + origin)
	var before []model.Incident
	for _, inc := range incs {
		if inc.Start.Before(cut) {
			before = append(before, inc)
		}
	}
	// What follows the origin is replaced by something very different.
	later := simIncidents(99, []float64{0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, 0, 0, 4*365)
	for _, inc := range later {
		if !inc.Start.Before(cut) {
			before = append(before, inc)
		}
	}
	var cutOnly []model.Incident
	for _, inc := range incs {
		if inc.Start.Before(cut) {
			cutOnly = append(cutOnly, inc)
		}
	}
	for _, variant := range []struct {
		name string
		incs []model.Incident
	}{{"future removed", cutOnly}, {"future replaced", before}} {
		other, err := buildPanel(variant.incs, Admin1Week, now)
		if err != nil {
			t.Fatal(err)
		}
		if other.first != full.first {
			t.Fatalf("%s: panels start at different periods", variant.name)
		}
		for _, mk := range []func() forecaster{
			func() forecaster { return baseline{} },
			func() forecaster { return &hawkesModel{} },
			func() forecaster { return &countModel{horizons: 4, window: 156} },
		} {
			a, b := mk(), mk()
			a.fit(full, origin)
			b.fit(other, origin)
			for r, name := range full.regions {
				if full.firstSeen[r] >= origin {
					continue
				}
				rb := -1
				for i, n := range other.regions {
					if n == name {
						rb = i
					}
				}
				for h := 1; h <= 4; h++ {
					pa, pb := a.predict(full, origin, h, r), b.predict(other, origin, h, rb)
					if math.Abs(pa.p-pb.p) > 1e-9 || math.Abs(pa.mean-pb.mean) > 1e-9 {
						t.Errorf("%s, %s, %s, h %d: forecast changed with the data after the origin: %+v vs %+v",
							variant.name, a.name(), name, h, pa, pb)
					}
				}
			}
		}
	}
}

// On data that really are self-exciting the Hawkes and count models must
// beat the historical rate, and the forecast must then use one of them.
func TestBacktestSelfExciting(t *testing.T) {
	mus := []float64{0.01, 0.02, 0.005, 0.03, 0.015, 0.01, 0.008, 0.02}
	incs := simIncidents(11, mus, 0.035, 0.05, 6*365) // branching ratio 0.7, half-life 14 days
	now := simStart.AddDays(6 * 365)
	res, err := Backtest(incs, BacktestOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", res.Sentence())
	byName := map[string]ModelScore{}
	for _, m := range res.Models {
		byName[m.Name] = m
		t.Logf("%-8s brier %.4f log loss %.4f AP %.3f CRPS %.3f skill %+.3f n %d", m.Name, m.Brier, m.LogLoss, m.AveragePrecision, m.CRPS, m.BrierSkill, m.NForecasts)
	}
	if len(byName) != 3 {
		t.Fatalf("got models %v, want baseline, hawkes and count", res.Models)
	}
	if byName[ModelBaseline].BrierSkill != 0 || byName[ModelBaseline].BeatsBaseline {
		t.Errorf("baseline skill got %v (beats %v), want 0 and false", byName[ModelBaseline].BrierSkill, byName[ModelBaseline].BeatsBaseline)
	}
	if h := byName[ModelHawkes]; !(h.BrierSkill > 0.01) || !h.BeatsBaseline || !(h.PVsBaseline < 0.01) {
		t.Errorf("hawkes on Hawkes data: skill %v p %v, want > 0.01 and p < 0.01", h.BrierSkill, h.PVsBaseline)
	}
	if !math.IsNaN(byName[ModelBaseline].PVsBaseline) {
		t.Errorf("baseline p against itself got %v, want NaN", byName[ModelBaseline].PVsBaseline)
	}
	if c := byName[ModelCount]; !(c.BrierSkill > 0) {
		t.Errorf("count model on self-exciting data: skill %v, want > 0", c.BrierSkill)
	}
	if res.Best == ModelBaseline {
		t.Errorf("best got baseline although models beat it")
	}
	n := byName[ModelBaseline].NForecasts
	for _, m := range res.Models {
		if m.NForecasts != n || n == 0 {
			t.Errorf("%s: %d forecasts, want %d (same for every model) and > 0", m.Name, m.NForecasts, n)
		}
		calN := 0
		for _, b := range m.Calibration {
			calN += b.N
		}
		if calN != m.NForecasts {
			t.Errorf("%s: calibration bins hold %d forecasts, want %d", m.Name, calN, m.NForecasts)
		}
	}
	if _, err := json.Marshal(res); err != nil {
		t.Errorf("json: %v", err)
	}

	f, err := Forecast(incs, ForecastOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if f.Model == ModelBaseline || f.Backtest == nil || len(f.Regions) != len(mus) {
		t.Errorf("forecast got model %s, %d regions, backtest %v; want a model that beat the baseline and %d regions",
			f.Model, len(f.Regions), f.Backtest != nil, len(mus))
	}
	for i, r := range f.Regions {
		if len(r.Periods) != 4 {
			t.Fatalf("%s: %d periods, want 4", r.Region, len(r.Periods))
		}
		for _, pr := range r.Periods {
			if !(pr.Probability >= 0 && pr.Probability <= 1) || !(pr.ExpectedKilled >= 0) {
				t.Errorf("%s %s: probability %v expected killed %v", r.Region, pr.Start, pr.Probability, pr.ExpectedKilled)
			}
		}
		if i > 0 && r.Periods[0].Probability > f.Regions[i-1].Periods[0].Probability {
			t.Errorf("regions not sorted by risk at %d", i)
		}
		if r.Periods[0].Start.Time().Weekday() != 1 {
			t.Errorf("%s: first period starts %s, want a Monday", r.Region, r.Periods[0].Start)
		}
	}
	// now is Thursday 2015-12-31: the forecast starts the week after the current one.
	if got, want := f.Regions[0].Periods[0].Start, (model.Date{Year: 2016, Month: 1, Day: 4}); got != want {
		t.Errorf("first forecast week starts %s, want %s", got, want)
	}
	t.Logf("%s", f.Sentence())
}

// On a plain Poisson process nothing can beat the historical rate by
// much, and the baseline must be calibrated.
func TestBacktestPoisson(t *testing.T) {
	mus := []float64{0.05, 0.1, 0.02, 0.2, 0.08, 0.03}
	incs := simIncidents(5, mus, 0, 0, 6*365)
	res, err := Backtest(incs, BacktestOptions{Now: simStart.AddDays(6 * 365)})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Models {
		t.Logf("%-8s brier %.4f skill %+.4f p %.3f", m.Name, m.Brier, m.BrierSkill, m.PVsBaseline)
		if m.BeatsBaseline {
			t.Errorf("%s said to beat the historical rate on a Poisson process (skill %v, p %v)", m.Name, m.BrierSkill, m.PVsBaseline)
		}
		if m.BrierSkill > 0.01 {
			t.Errorf("%s beats the historical rate on a Poisson process by %v: there is nothing to learn", m.Name, m.BrierSkill)
		}
		if m.Name != ModelBaseline {
			continue
		}
		for _, b := range m.Calibration {
			if b.N >= 300 && math.Abs(b.Predicted-b.Observed) > 0.05 {
				t.Errorf("baseline calibration bin [%.1f, %.1f): predicted %.3f observed %.3f over %d", b.Low, b.High, b.Predicted, b.Observed, b.N)
			}
		}
	}
}

// A window in which nothing happened cannot show skill: forecasting
// "never" scores best there, and must not be said to beat the baseline.
func TestBacktestQuietWindow(t *testing.T) {
	// Six busy years, then two quiet ones: the backtest window.
	incs := simIncidents(11, []float64{0.2, 0.1, 0.05}, 0, 0, 6*365)
	now := simStart.AddDays(8 * 365)
	res, err := Backtest(incs, BacktestOptions{Now: now, From: simStart.AddDays(6*365 + 14)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Attacks != 0 {
		t.Fatalf("the quiet window holds %d attacks, want 0 (test set-up)", res.Attacks)
	}
	for _, m := range res.Models {
		if m.BeatsBaseline {
			t.Errorf("%s said to beat the baseline over a window without attacks (skill %+.3f)", m.Name, m.BrierSkill)
		}
	}
	if res.Best != ModelBaseline {
		t.Errorf("best %q, want the baseline", res.Best)
	}
	if s := res.Sentence(); !strings.Contains(s, "too few to tell") {
		t.Errorf("sentence %q, want it to say there were too few attacks", s)
	}
}

func TestForecastCountryMonth(t *testing.T) {
	incs := simIncidents(8, []float64{0.05, 0.1}, 0.05, 0.1, 5*365)
	for i := range incs {
		if i%3 == 0 { // some known to the month only
			incs[i].DatePrecision = model.PrecisionMonth
			incs[i].Start.Day = 1
		}
		if i%2 == 0 {
			incs[i].Country = "IQ"
		}
	}
	now := simStart.AddDays(5 * 365)
	f, err := Forecast(incs, ForecastOptions{Level: CountryMonth, Now: now, Horizon: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Regions) != 2 || f.Regions[0].Admin1 != "" || len(f.Regions[0].Periods) != 2 {
		t.Fatalf("got %+v, want two countries with two months each", f.Regions)
	}
	if got := f.Regions[0].Periods[0].Start; got.Day != 1 || got.Month != now.Month+1 && !(now.Month == 12 && got.Month == 1) {
		t.Errorf("first forecast month starts %s, want the first of the month after %s", got, now)
	}
	if f.Panel.Dropped != 0 {
		t.Errorf("month-precise incidents dropped at the monthly level: %d", f.Panel.Dropped)
	}
	w, err := Forecast(incs, ForecastOptions{Now: now, Model: ModelBaseline})
	if err != nil {
		t.Fatal(err)
	}
	if w.Panel.Dropped == 0 {
		t.Errorf("month-precise incidents kept at the weekly level")
	}
}

func TestForecastErrors(t *testing.T) {
	incs := simIncidents(1, []float64{0.1}, 0, 0, 100)
	now := simStart.AddDays(100)
	for _, c := range []struct {
		name string
		err  error
	}{
		{"no now", func() error { _, err := Forecast(incs, ForecastOptions{}); return err }()},
		{"bad level", func() error { _, err := Forecast(incs, ForecastOptions{Now: now, Level: "x"}); return err }()},
		{"bad horizon", func() error { _, err := Forecast(incs, ForecastOptions{Now: now, Horizon: 9}); return err }()},
		{"bad model", func() error { _, err := Forecast(incs, ForecastOptions{Now: now, Model: "oracle"}); return err }()},
		{"no incidents", func() error { _, err := Forecast(nil, ForecastOptions{Now: now}); return err }()},
		{"backtest too short", func() error { _, err := Backtest(incs, BacktestOptions{Now: now}); return err }()},
	} {
		if c.err == nil {
			t.Errorf("%s: got no error", c.name)
		}
	}
	// Too short for a backtest, a forecast still comes, from the baseline.
	f, err := Forecast(incs, ForecastOptions{Now: now})
	if err != nil || f.Model != ModelBaseline {
		t.Errorf("short history: got model %q, err %v; want the baseline", f.Model, err)
	}
}

// BenchmarkBacktest10y400: ten years of weekly data in 400 regions, every
// model, origins over the last eight years, horizon 4.
func BenchmarkBacktest10y400(b *testing.B) {
	mus := make([]float64, 400)
	rng := rand.New(rand.NewPCG(4, 4))
	for i := range mus {
		mus[i] = 0.002 + 0.05*rng.Float64()*rng.Float64()
	}
	incs := simIncidents(12, mus, 0.08, 0.2, 10*365)
	now := simStart.AddDays(10 * 365)
	b.ReportMetric(float64(len(incs)), "incidents")
	for b.Loop() {
		if _, err := Backtest(incs, BacktestOptions{Now: now}); err != nil {
			b.Fatal(err)
		}
	}
}
