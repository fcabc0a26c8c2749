package analyze

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// trReadSeries reads a testdata file of one number per line ('#' comments).
func trReadSeries(tb testing.TB, name string) []float64 {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	var out []float64
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := strconv.ParseFloat(line, 64)
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		out = append(out, v)
	}
	return out
}

func trClose(got, want, rel float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) <= rel*math.Max(math.Abs(want), 1e-300) || got == want
}

// trHolyCross is the worked "by hand" Mann–Kendall example of
// mathcs.holycross.edu/~little/Montserrat/MannKendallByHand.txt: S = 54,
// Var S = (14)(13)(33)/18 − (2)(1)(9)/18, Z = 2.9058, one-sided p ≈ .0018.
var trHolyCross = []float64{12.9, 14.8, 13.2, 15.7, 13.8, 15.6, 12.9, 11.0, 17.3, 15.9, 19.0, 18.3, 20.1, 21.7}

// trTied has many ties; its reference values come from running the R code
// of trend::mk.test and trend::sens.slope (trend 1.1, Pohlert) on it.
var trTied = []float64{5, 3, 3, 8, 1, 1, 1, 9, 9, 12, 4, 4, 15, 2, 7, 7, 7, 7, 20, 6}

func TestMannKendallPublished(t *testing.T) {
	nile := trReadSeries(t, "trend_nile.txt")
	tests := []struct {
		name            string
		y               []float64
		s               int64
		varS, tau, z, p float64
		rel             float64
	}{
		// trend::mk.test(Nile), the example of the trend package's
		// documentation: S = -1387, varS = 112728.3, tau = -0.2807,
		// z = -4.1281, p-value = 3.658e-05 (digits beyond the printed
		// ones from the package's R code).
		{"nile", nile, -1387, 112728.33333333333, -0.28074133472461305, -4.1280665228441009, 3.6582629216643283e-05, 1e-9},
		// The Holy Cross worked example; the two-sided p is twice its .0018.
		{"holy cross", trHolyCross, 54, 14*13*33/18.0 - 2*1*9/18.0, 0.59669418971861632, 2.9058368459965371, 0.0036627237628824357, 1e-9},
		{"ties", trTied, 50, 934.66666666666663, 0.27188371953567053, 1.6027570753269815, 0.10898829705406814, 1e-9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MannKendall(tc.y)
			if err != nil {
				t.Fatal(err)
			}
			if got.S != tc.s || got.N != len(tc.y) {
				t.Errorf("S, n = %d, %d, want %d, %d", got.S, got.N, tc.s, len(tc.y))
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{{"var_s", got.VarS, tc.varS}, {"tau", got.Tau, tc.tau}, {"z", got.Z, tc.z}, {"p", got.P, tc.p}} {
				if !trClose(c.got, c.want, tc.rel) {
					t.Errorf("%s = %.12g, want %.12g", c.name, c.got, c.want)
				}
			}
			if got.Exact {
				t.Errorf("exact p used for n = %d", got.N)
			}
			// The same series against explicit, distinct times.
			x := make([]float64, len(tc.y))
			for i := range x {
				x[i] = 1870 + float64(i)
			}
			byTime, err := MannKendallTime(x, tc.y)
			if err != nil {
				t.Fatal(err)
			}
			if byTime != got {
				t.Errorf("MannKendallTime = %+v, want %+v", byTime, got)
			}
		})
	}
}

// TestMannKendallExact checks the exact null distribution against Kendall's
// table of P(S ≥ s) reproduced as Table A18 of Gilbert (1987): n = 4: s = 4
// → 0.167, 6 → 0.042; n = 5: 2 → 0.408, 4 → 0.242, 6 → 0.117, 8 → 0.042,
// 10 → 0.0083; n = 10: 21 → 0.036, 27 → 0.0083, 45 → 0.00000028 (1/10!).
// The two-sided p is twice the table's one-sided value.
func TestMannKendallExact(t *testing.T) {
	tests := []struct {
		n    int
		s    int64
		want float64
		tol  float64
	}{
		{4, 4, 0.167, 0.0005}, {4, 6, 0.042, 0.0005},
		{5, 2, 0.408, 0.0005}, {5, 4, 0.242, 0.0005}, {5, 6, 0.117, 0.0005}, {5, 8, 0.042, 0.0005}, {5, 10, 0.0083, 0.00005},
		{10, 21, 0.036, 0.0005}, {10, 27, 0.0083, 0.00005}, {10, 45, 1 / 3628800.0, 1e-12},
	}
	for _, tc := range tests {
		got := trExactMKP(tc.n, tc.s) / 2
		if math.Abs(got-tc.want) > tc.tol {
			t.Errorf("n = %d, S = %d: one-sided p = %.6g, want %.6g (Gilbert Table A18)", tc.n, tc.s, got, tc.want)
		}
		if neg := trExactMKP(tc.n, -tc.s) / 2; neg != got {
			t.Errorf("n = %d: p(S = %d) = %g but p(S = %d) = %g", tc.n, tc.s, got, -tc.s, neg)
		}
	}
	// A strictly increasing series of 5 has S = 10 and the exact p 2/120.
	got, err := MannKendall([]float64{1, 2, 3, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Exact || got.S != 10 || !trClose(got.P, 2.0/120, 1e-12) || got.Tau != 1 {
		t.Errorf("increasing 5: got %+v, want exact S = 10, p = 1/60, tau = 1", got)
	}
}

func TestSensSlopePublished(t *testing.T) {
	nile := trReadSeries(t, "trend_nile.txt")
	index := func(n int) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(i + 1)
		}
		return x
	}
	tests := []struct {
		name                string
		x, y                []float64
		slope, lower, upper float64
	}{
		// trend::sens.slope(Nile): Sen's slope -2.6, 95 percent confidence
		// interval -3.628 -1.429.
		{"nile", index(100), nile, -2.6, -3.6279069767441858, -1.4285714285714286},
		{"holy cross", index(14), trHolyCross, 0.56666666666666698, 0.32500000000000018, 0.86666666666666659},
		{"ties", index(20), trTied, 0.2583333333333333, 0, 0.6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SensSlope(tc.x, tc.y)
			if err != nil {
				t.Fatal(err)
			}
			n := int64(len(tc.y))
			if got.Pairs != n*(n-1)/2 || got.Level != 0.95 {
				t.Errorf("pairs, level = %d, %v, want %d, 0.95", got.Pairs, got.Level, n*(n-1)/2)
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{{"slope", got.Slope, tc.slope}, {"lower", got.Lower, tc.lower}, {"upper", got.Upper, tc.upper}} {
				if !trClose(c.got, c.want, 1e-12) && math.Abs(c.got-c.want) > 1e-12 {
					t.Errorf("%s = %.15g, want %.15g", c.name, c.got, c.want)
				}
			}
		})
	}
	// statpsych::ci.theil's documented example (Hollander & Wolfe 1999):
	// estimate 0.5, over the pairs with distinct x (x has ties).
	y := []float64{21, 4, 9, 12, 35, 18, 10, 22, 24, 1, 6, 8, 13, 16, 19}
	x := []float64{67, 28, 30, 28, 52, 40, 25, 37, 44, 10, 14, 20, 28, 40, 51}
	got, err := SensSlope(x, y)
	if err != nil {
		t.Fatal(err)
	}
	if got.Slope != 0.5 || got.Pairs != 105-4 {
		t.Errorf("ci.theil example: slope %v over %d pairs, want 0.5 over 101", got.Slope, got.Pairs)
	}
}

// trBruteSlopes lists every slope over pairs with distinct x, sorted.
func trBruteSlopes(x, y []float64) []float64 {
	var s []float64
	for i := range x {
		for j := i + 1; j < len(x); j++ {
			if x[i] != x[j] {
				s = append(s, (y[j]-y[i])/(x[j]-x[i]))
			}
		}
	}
	slices.Sort(s)
	return s
}

// TestSenSelectorMatchesListing checks the selection by counting against
// the sorted list of all slopes, on data with and without heavy ties.
func TestSenSelectorMatchesListing(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	cases := []struct {
		name string
		gen  func(i int) (float64, float64)
	}{
		{"continuous", func(i int) (float64, float64) { return rng.Float64() * 1000, rng.NormFloat64() + 0.001*float64(i) }},
		{"days and counts", func(i int) (float64, float64) { return float64(rng.IntN(400)), float64(rng.IntN(4)) }},
		{"mostly equal", func(i int) (float64, float64) {
			if rng.IntN(10) == 0 {
				return float64(i), float64(rng.IntN(3))
			}
			return float64(i), 0
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const n = 1700 // about 1.4 million pairs: above the listing limit
			x, y := make([]float64, n), make([]float64, n)
			for i := range n {
				x[i], y[i] = tc.gen(i)
			}
			all := trBruteSlopes(x, y)
			if int64(len(all)) <= trSenListMax {
				t.Fatalf("only %d pairs: the selector would not be used", len(all))
			}
			p, err := trPrepare(x, y)
			if err != nil {
				t.Fatal(err)
			}
			sel := newTRSenSelector(p, int64(len(all)))
			// A small listing limit makes the bracket narrow over several rounds.
			for _, limit := range []int64{trSenListMax, 3000} {
				sel.listMax = limit
				for _, r := range []int64{1, 2, int64(len(all)) / 3, int64(len(all))/2 + 1, int64(len(all)) - 5, int64(len(all))} {
					got, want := sel.rank(r), all[r-1]
					if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
						t.Errorf("limit %d, rank %d: got %.15g, want %.15g", limit, r, got, want)
					}
				}
			}
		})
	}
}

func TestTrendInputErrors(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
	}{
		{"empty", nil, nil},
		{"two", []float64{1, 2}, []float64{3, 4}},
		{"nan", []float64{1, 2, 3}, []float64{1, math.NaN(), 3}},
		{"inf time", []float64{1, math.Inf(1), 3}, []float64{1, 2, 3}},
		{"all equal", []float64{1, 2, 3, 4}, []float64{7, 7, 7, 7}},
		{"one time", []float64{5, 5, 5, 5}, []float64{1, 2, 3, 4}},
		{"lengths", []float64{1, 2, 3}, []float64{1, 2, 3, 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := MannKendallTime(tc.x, tc.y); !errors.Is(err, ErrTrendInput) {
				t.Errorf("MannKendallTime: err = %v, want ErrTrendInput", err)
			}
			if _, err := SensSlope(tc.x, tc.y); !errors.Is(err, ErrTrendInput) {
				t.Errorf("SensSlope: err = %v, want ErrTrendInput", err)
			}
			if _, err := PoissonTrend(tc.y, tc.x); !errors.Is(err, ErrTrendInput) && tc.name != "all equal" {
				t.Errorf("PoissonTrend: err = %v, want ErrTrendInput", err)
			}
		})
	}
	if _, err := MannKendall([]float64{1, 1, 1}); !errors.Is(err, ErrTrendInput) {
		t.Errorf("MannKendall(all equal): err = %v, want ErrTrendInput", err)
	}
	if _, err := SensSlopeLevel([]float64{1, 2, 3}, []float64{1, 3, 2}, 1.5); !errors.Is(err, ErrTrendInput) {
		t.Errorf("SensSlopeLevel(1.5): err = %v, want ErrTrendInput", err)
	}
	for _, c := range [][]float64{{0, 0, 0}, {1, -1, 2}, {1, math.NaN(), 2}} {
		if _, err := PoissonTrend(c, []float64{1, 2, 3}); !errors.Is(err, ErrTrendInput) {
			t.Errorf("PoissonTrend(%v): err = %v, want ErrTrendInput", c, err)
		}
	}
	if _, err := PoissonTrendExposure([]float64{1, 2, 3}, []float64{1, 2, 3}, []float64{1, 0, 1}); !errors.Is(err, ErrTrendInput) {
		t.Errorf("PoissonTrendExposure(zero exposure): err = %v, want ErrTrendInput", err)
	}
}

// TestGLMDobson reproduces the Poisson regression of R's ?glm example,
// Dobson (1990) p. 93, a randomized controlled trial: counts
// 18,17,15,20,10,20,25,13,12 on outcome (3 levels) and treatment (3
// levels). Published summary(glm.D93): (Intercept) 3.045 (SE 0.1709),
// outcome2 -0.4543 (0.2022), outcome3 -0.2930 (0.1927), treatments 0
// (0.2000); null deviance 10.5814 on 8 df, residual deviance 5.1291 on 4
// df; and with family = quasipoisson the dispersion is 1.2933.
func TestGLMDobson(t *testing.T) {
	counts := []float64{18, 17, 15, 20, 10, 20, 25, 13, 12}
	x := mat.NewDense(9, 5, nil)
	for i := range 9 {
		outcome, treatment := i%3, i/3
		x.Set(i, 0, 1)
		if outcome > 0 {
			x.Set(i, outcome, 1)
		}
		if treatment > 0 {
			x.Set(i, 2+treatment, 1)
		}
	}
	fit, err := trFitGLM(trGLMData{y: counts, x: x}, trPoissonFamily)
	if err != nil {
		t.Fatal(err)
	}
	wantB := []float64{3.044522, -0.4542553, -0.2929871, 0, 0}
	wantSE := []float64{0.1708987, 0.2021708, 0.1927423, 0.2, 0.2}
	for j := range 5 {
		if math.Abs(fit.beta[j]-wantB[j]) > 5e-7 {
			t.Errorf("coefficient %d = %.7f, want %.7f", j, fit.beta[j], wantB[j])
		}
		if se := math.Sqrt(fit.cov.At(j, j)); math.Abs(se-wantSE[j]) > 5e-7 {
			t.Errorf("SE %d = %.7f, want %.7f", j, se, wantSE[j])
		}
	}
	if math.Abs(fit.deviance-5.1291) > 5e-5 || math.Abs(fit.nullDeviance-10.5814) > 5e-5 || fit.df != 4 {
		t.Errorf("deviance %.5f (null %.5f) on %d df, want 5.1291 (10.5814) on 4", fit.deviance, fit.nullDeviance, fit.df)
	}
	if d := fit.pearson / float64(fit.df); math.Abs(d-1.2933) > 5e-5 {
		t.Errorf("dispersion = %.5f, want 1.2933", d)
	}
	if !fit.converged {
		t.Error("not converged")
	}
}

// TestGLMBeetles reproduces the logistic regression of the beetle mortality
// data (Bliss 1935) in Dobson & Barnett, An Introduction to Generalized
// Linear Models, Table 7.3: b₁ = −60.72 (SE 5.18), b₂ = 34.27 (SE 2.91),
// deviance 11.23 (R: −60.717, 34.270, 5.181, 2.912, 11.232).
func TestGLMBeetles(t *testing.T) {
	dose := []float64{1.6907, 1.7242, 1.7552, 1.7842, 1.8113, 1.8369, 1.8610, 1.8839}
	n := []float64{59, 60, 62, 56, 63, 59, 62, 60}
	y := []float64{6, 13, 18, 28, 52, 53, 61, 60}
	fit, err := trFitGLM(trGLMData{t: dose, y: y, m: n}, trBinomialFamily)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"b1", fit.beta[0], -60.717, 5e-4}, {"b2", fit.beta[1], 34.270, 5e-4},
		{"se1", math.Sqrt(fit.cov.At(0, 0)), 5.181, 5e-4}, {"se2", math.Sqrt(fit.cov.At(1, 1)), 2.912, 5e-4},
		{"deviance", fit.deviance, 11.232, 5e-4}, {"null deviance", fit.nullDeviance, 284.202, 5e-4},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s = %.5f, want %.3f", c.name, c.got, c.want)
		}
	}
}

// TestPoissonTrendRecovery simulates monthly counts whose rate grows 15% a
// year and checks the estimate, its interval and the absence of an
// overdispersion flag; then the same with lognormal extra variation, where
// the quasi-Poisson adjustment must widen the interval enough to cover.
func TestPoissonTrendRecovery(t *testing.T) {
	rng := rand.New(rand.NewPCG(131, 132))
	const months = 120
	rr := 1.15
	covered, coveredQuasi, flagged := 0, 0, 0
	const sims = 100
	for range sims {
		var c, cq, tt []float64
		for m := range months {
			ty := (float64(m) + 0.5) / 12
			lambda := 4 * math.Pow(rr, ty)
			tt = append(tt, ty)
			c = append(c, float64(svPoisson(rng, lambda)))
			cq = append(cq, float64(svPoisson(rng, lambda*math.Exp(0.7*rng.NormFloat64()-0.245))))
		}
		r, err := PoissonTrend(c, tt)
		if err != nil {
			t.Fatal(err)
		}
		if r.RateRatioLower <= rr && rr <= r.RateRatioUpper {
			covered++
		}
		if r.Overdispersed {
			flagged++
		}
		q, err := PoissonTrend(cq, tt)
		if err != nil {
			t.Fatal(err)
		}
		if q.RateRatioLower <= rr && rr <= q.RateRatioUpper {
			coveredQuasi++
		}
		if !q.Overdispersed || !(q.SE > q.SEPoisson) {
			t.Fatalf("lognormal-Poisson counts not flagged: %+v", q)
		}
	}
	// 95% intervals: expect about 95 of 100 (binomial sd 2.2).
	if covered < 89 || coveredQuasi < 89 {
		t.Errorf("95%% CI covered the true rate ratio in %d (Poisson) and %d (overdispersed, quasi) of %d", covered, coveredQuasi, sims)
	}
	// The dispersion test at 5% on Poisson data.
	if flagged > 12 {
		t.Errorf("Poisson counts flagged overdispersed in %d of %d", flagged, sims)
	}
}

// TestTrendNullLevels checks that Mann–Kendall and the Poisson regression
// reject at about 5% on series without a trend.
func TestTrendNullLevels(t *testing.T) {
	rng := rand.New(rand.NewPCG(141, 142))
	const sims = 500
	mk, po := 0, 0
	for range sims {
		y, tt := make([]float64, 60), make([]float64, 60)
		for i := range y {
			y[i] = float64(svPoisson(rng, 5))
			tt[i] = float64(i)
		}
		if r, err := MannKendall(y); err == nil && r.P < 0.05 {
			mk++
		}
		if r, err := PoissonTrend(y, tt); err == nil && r.P < 0.05 {
			po++
		}
	}
	// Binomial(500, 0.05): mean 25, sd 4.9. Mann–Kendall with ties and the
	// continuity correction is slightly conservative.
	for name, hits := range map[string]int{"mann-kendall": mk, "poisson": po} {
		if rate := float64(hits) / sims; rate < 0.025 || rate > 0.075 {
			t.Errorf("%s false-positive rate %.3f, want near 0.05", name, rate)
		}
	}
}

func TestTrendJSONNull(t *testing.T) {
	b, err := json.Marshal(SenResult{N: 3, Slope: math.NaN(), Lower: math.Inf(-1), Upper: 2, Level: 0.95})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); !strings.Contains(got, `"slope":null`) || !strings.Contains(got, `"lower":null`) || !strings.Contains(got, `"upper":2`) {
		t.Errorf("JSON %s: want null for NaN and infinity", got)
	}
	b, err = json.Marshal(MKResult{N: 5, S: -3, VarS: 16.6, Z: -0.49, P: 0.62, Tau: -0.3})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"n", "s", "var_s", "z", "p", "exact", "tau"} {
		if _, ok := m[k]; !ok {
			t.Errorf("MKResult JSON lacks %q: %s", k, b)
		}
	}
}

// trFuzzSeries turns fuzz bytes into a short series of pairs, including
// NaN, infinities, ties and huge values.
func trFuzzSeries(data []byte) (x, y []float64) {
	for i := 0; i+1 < len(data) && len(x) < 200; i += 2 {
		decode := func(b byte) float64 {
			switch b {
			case 255:
				return math.NaN()
			case 254:
				return math.Inf(1)
			case 253:
				return -1e300
			}
			return float64(int(b%32) - 8)
		}
		x = append(x, decode(data[i]))
		y = append(y, decode(data[i+1]))
	}
	return x, y
}

// FuzzMannKendallSensSlope checks that no input makes MannKendall,
// MannKendallTime or SensSlope panic, that errors are ErrTrendInput, and
// that results are coherent (p in [0, 1], |tau| ≤ 1, Lower ≤ Slope ≤ Upper,
// Sen's slope equal to the median of the listed slopes).
func FuzzMannKendallSensSlope(f *testing.F) {
	for _, name := range []string{"trend_nile.txt", "changepoint_coal.txt"} {
		v := trReadSeries(f, name)
		b := make([]byte, 0, 2*len(v))
		for i, x := range v {
			b = append(b, byte(i), byte(int(x)%250))
		}
		f.Add(b)
	}
	f.Add([]byte{1, 1, 1, 1, 1, 1})
	f.Add([]byte{1, 2, 2, 3, 3, 255})
	f.Add([]byte{0, 5, 0, 7, 1, 3, 1, 3, 2, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		x, y := trFuzzSeries(data)
		mk, err := MannKendall(y)
		if err != nil && !errors.Is(err, ErrTrendInput) {
			t.Fatalf("MannKendall error %v is not ErrTrendInput", err)
		}
		if err == nil && (!(mk.P >= 0 && mk.P <= 1) || math.Abs(mk.Tau) > 1+1e-12) {
			t.Fatalf("MannKendall(%v) = %+v", y, mk)
		}
		mt, err := MannKendallTime(x, y)
		if err != nil && !errors.Is(err, ErrTrendInput) {
			t.Fatalf("MannKendallTime error %v is not ErrTrendInput", err)
		}
		if err == nil && (!(mt.P >= 0 && mt.P <= 1) || math.Abs(mt.Tau) > 1+1e-12 || !(mt.VarS > 0)) {
			t.Fatalf("MannKendallTime(%v, %v) = %+v", x, y, mt)
		}
		s, err := SensSlope(x, y)
		if err != nil {
			if !errors.Is(err, ErrTrendInput) {
				t.Fatalf("SensSlope error %v is not ErrTrendInput", err)
			}
			return
		}
		if !(s.Lower <= s.Slope && s.Slope <= s.Upper) {
			t.Fatalf("SensSlope(%v, %v) = %+v: interval does not hold the slope", x, y, s)
		}
		all := trBruteSlopes(x, y)
		if int64(len(all)) != s.Pairs {
			t.Fatalf("pairs %d, want %d", s.Pairs, len(all))
		}
		med := all[len(all)/2]
		if len(all)%2 == 0 {
			med = (all[len(all)/2-1] + all[len(all)/2]) / 2
		}
		if med != s.Slope && !(math.IsInf(med, 0) && med == s.Slope) && math.Abs(med-s.Slope) > 1e-9*math.Abs(med) {
			t.Fatalf("slope %v, median of listed slopes %v", s.Slope, med)
		}
	})
}

// BenchmarkSensSlope100k measures the exact Sen's slope (the selection by
// counting) on 100,000 points, about 5·10⁹ pairs.
func BenchmarkSensSlope100k(b *testing.B) {
	rng := rand.New(rand.NewPCG(151, 152))
	x, y := make([]float64, 100_000), make([]float64, 100_000)
	for i := range x {
		x[i] = float64(rng.IntN(20_000))
		y[i] = 0.001*x[i] + rng.NormFloat64()
	}
	b.ResetTimer()
	for range b.N {
		if _, err := SensSlope(x, y); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMannKendall1M measures Mann–Kendall on a million values.
func BenchmarkMannKendall1M(b *testing.B) {
	rng := rand.New(rand.NewPCG(161, 162))
	y := make([]float64, 1_000_000)
	for i := range y {
		y[i] = rng.NormFloat64()
	}
	b.ResetTimer()
	for range b.N {
		if _, err := MannKendall(y); err != nil {
			b.Fatal(err)
		}
	}
}

// trSenBenchData is a series of the two shapes Sen's slope meets: severity
// figures (dates in years with several incidents a day, small counts with
// most of them 0, so that most slopes are exactly 0) and continuous values.
func trSenBenchData(kind string, n int) (x, y []float64) {
	rng := rand.New(rand.NewPCG(uint64(n), 171))
	x, y = make([]float64, n), make([]float64, n)
	for i := range x {
		if kind == "counts" {
			x[i] = float64(rng.IntN(3650)) / 365.25
			y[i] = float64(rng.IntN(3) * rng.IntN(3))
		} else {
			x[i] = rng.Float64() * 1000
			y[i] = 0.001*x[i] + rng.NormFloat64()
		}
	}
	return x, y
}

// BenchmarkSensSlopeMid measures the exact Sen's slope with its interval
// between 2,000 and 10,000 points, where the slopes are no longer listed.
func BenchmarkSensSlopeMid(b *testing.B) {
	for _, kind := range []string{"counts", "continuous"} {
		for _, n := range []int{2000, 5000, 10000} {
			x, y := trSenBenchData(kind, n)
			b.Run(fmt.Sprintf("%s-%d", kind, n), func(b *testing.B) {
				for range b.N {
					if _, err := SensSlope(x, y); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// trNaiveSen is Sen's slope and its interval the slow way: every slope
// listed and sorted, the ranks taken as trSen takes them.
func trNaiveSen(x, y []float64, varS float64) (slope, lower, upper float64) {
	all := trBruteSlopes(x, y)
	k := int64(len(all))
	c := 1.959963984540054 * math.Sqrt(varS)
	lo := trClampRank(int64(math.RoundToEven((float64(k)-c)/2)), k)
	up := trClampRank(int64(math.RoundToEven((float64(k)+c)/2+1)), k)
	slope = all[(k+1)/2-1]
	if k%2 == 0 {
		slope = (all[k/2-1] + all[k/2]) / 2
	}
	return slope, all[lo-1], all[up-1]
}

// TestSenMatchesNaiveRandom is a property test: on random series of the
// shapes vigil meets, between 1,460 and 1,960 points (above the listing
// limit, so the selection by counting runs), the exact Sen's slope and
// both ends of its interval equal those of the naive O(n²) listing. The
// "counts" shape — dates in years that are not exact binary fractions,
// casualty counts that are mostly 0 — is the one where half the slopes are
// exactly 0 and the median sits inside that block.
func TestSenMatchesNaiveRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(181, 182))
	shapes := []struct {
		name string
		gen  func(i int) (float64, float64)
	}{
		{"counts", func(int) (float64, float64) {
			return float64(rng.IntN(3650)) / 365.25, float64(rng.IntN(3) * rng.IntN(3))
		}},
		{"rare deaths", func(int) (float64, float64) {
			y := 0.0
			if rng.IntN(8) == 0 {
				y = float64(1 + rng.IntN(40))
			}
			return float64(rng.IntN(20000)) / 365.25, y
		}},
		{"continuous", func(i int) (float64, float64) { return rng.Float64() * 50, rng.NormFloat64() + 0.01*float64(i) }},
		{"steps", func(i int) (float64, float64) { return float64(i) / 12, float64(i / 300) }},
	}
	for _, sh := range shapes {
		for rep := range 2 {
			n := 1460 + rng.IntN(500)
			x, y := make([]float64, n), make([]float64, n)
			for i := range n {
				x[i], y[i] = sh.gen(i)
			}
			got, err := SensSlope(x, y)
			if err != nil {
				t.Fatalf("%s #%d: %v", sh.name, rep, err)
			}
			mk, err := MannKendallTime(x, y)
			if err != nil {
				t.Fatalf("%s #%d: %v", sh.name, rep, err)
			}
			slope, lower, upper := trNaiveSen(x, y, mk.VarS)
			if got.Slope != slope || got.Lower != lower || got.Upper != upper {
				t.Errorf("%s #%d (n %d): got slope %.17g [%.17g, %.17g], want %.17g [%.17g, %.17g]",
					sh.name, rep, n, got.Slope, got.Lower, got.Upper, slope, lower, upper)
			}
		}
	}
}

// TestSenSelectorPublished runs the selection by counting (the path taken
// above 2²⁰ pairs) on the Nile series of trend::sens.slope's published
// example, with a listing limit of 40 slopes so that the bracket has to be
// narrowed over several rounds: slope −2.6, 95% interval
// [−3.6279069767441858, −1.4285714285714286] as by listing.
func TestSenSelectorPublished(t *testing.T) {
	nile := trReadSeries(t, "trend_nile.txt")
	x := make([]float64, len(nile))
	for i := range x {
		x[i] = float64(i + 1)
	}
	p, err := trPrepare(x, nile)
	if err != nil {
		t.Fatal(err)
	}
	mk, err := MannKendall(nile)
	if err != nil {
		t.Fatal(err)
	}
	pairs := int64(len(x) * (len(x) - 1) / 2)
	s := newTRSenSelector(p, pairs)
	s.listMax = 40
	c := 1.959963984540054 * math.Sqrt(mk.VarS)
	lo := trClampRank(int64(math.RoundToEven((float64(pairs)-c)/2)), pairs)
	up := trClampRank(int64(math.RoundToEven((float64(pairs)+c)/2+1)), pairs)
	med := (s.rank(pairs/2) + s.rank(pairs/2+1)) / 2
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"slope", med, -2.6}, {"lower", s.rank(lo), -3.6279069767441858}, {"upper", s.rank(up), -1.4285714285714286}} {
		if math.Abs(c.got-c.want) > 1e-12 {
			t.Errorf("%s = %.17g, want %.17g", c.name, c.got, c.want)
		}
	}
}

// FuzzSenSelector checks the selection by counting against the sorted list
// of slopes on arbitrary small series, with a listing limit of 3 slopes so
// that the bracket is narrowed by counting nearly to the end: every rank
// must come out as the listed slope of that rank (to 1e-12). x is decoded as days
// over 365.25 and y as small counts or with a fraction, the shapes whose
// rounding the counting must survive.
func FuzzSenSelector(f *testing.F) {
	f.Add([]byte{1, 0, 2, 0, 3, 1, 4, 0, 5, 2, 6, 0})
	f.Add([]byte{9, 0, 9, 1, 10, 0, 11, 0, 12, 0, 200, 7, 201, 0})
	f.Add([]byte{0, 128, 17, 3, 17, 130, 250, 1, 3, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		var x, y []float64
		for i := 0; i+1 < len(data) && len(x) < 60; i += 2 {
			x = append(x, float64(data[i])/365.25)
			v := float64(data[i+1] & 0x7f)
			if data[i+1]&0x80 != 0 {
				v /= 3
			}
			y = append(y, v)
		}
		p, err := trPrepare(x, y)
		if err != nil {
			return
		}
		all := trBruteSlopes(p.x, p.y)
		if len(all) == 0 {
			return
		}
		s := newTRSenSelector(p, int64(len(all)))
		s.listMax = 3
		for _, r := range []int64{1, int64(len(all)+1) / 2, int64(len(all))/2 + 1, int64(len(all))} {
			// Equal up to the rounding of the slopes themselves: collinear
			// points give slopes that are equal in exact arithmetic but
			// differ in their last bit, and no order of the points can
			// agree with every one of those rounded comparisons.
			if got, want := s.rank(r), all[r-1]; got != want && math.Abs(got-want) > 1e-12*math.Abs(want) {
				t.Fatalf("x %v y %v: rank %d of %d: got %.17g, want %.17g", x, y, r, len(all), got, want)
			}
		}
	})
}
