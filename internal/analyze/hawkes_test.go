package analyze

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// hkBruteLoglik is the exponential-kernel Hawkes log-likelihood written
// straight from its definition, O(n²), as an independent check of the
// recursion: Σ log(μ + α Σ_{j<i} e^{−β(tᵢ−tⱼ)}) − μ(T1−T0) − (α/β) Σ (1 − e^{−β(T1−tᵢ)}).
// Ties count as predecessors in sorted order, as in FitHawkes.
func hkBruteLoglik(ts []float64, t0, t1, mu, alpha, beta float64) float64 {
	ll := -mu * (t1 - t0)
	for i, ti := range ts {
		lam := mu
		for j := 0; j < i; j++ {
			lam += alpha * math.Exp(-beta*(ti-ts[j]))
		}
		ll += math.Log(lam)
		ll -= alpha / beta * (1 - math.Exp(-beta*(t1-ti)))
	}
	return ll
}

func hkSim(t *testing.T, mu, alpha, beta, T float64, seed uint64) []float64 {
	t.Helper()
	ts := SimulateHawkes(mu, alpha, beta, T, rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)))
	if len(ts) < HawkesMinEvents {
		t.Fatalf("simulation gave %d events", len(ts))
	}
	return ts
}

func TestHawkesLoglikMatchesBruteForce(t *testing.T) {
	ts := hkSim(t, 0.8, 1.5, 3, 200, 1)
	ts = append(ts, ts[10], ts[20]) // ties
	sortFloat(ts)
	for _, p := range [][3]float64{{0.8, 1.5, 3}, {0.1, 0.01, 50}, {5, 4, 4.5}, {0.3, 2, 0.05}} {
		m := &hkModel{groups: [][]float64{ts}, muIdx: []int{0}, nMu: 1, t0: ts[0] - 1, t1: ts[len(ts)-1] + 2}
		got := m.eval(p[:], 0, nil, nil)
		want := hkBruteLoglik(ts, m.t0, m.t1, p[0], p[1], p[2])
		if math.Abs(got-want) > 1e-9*math.Abs(want) {
			t.Errorf("params %v: recursion loglik %.12g, brute force %.12g", p, got, want)
		}
	}
}

func sortFloat(x []float64) {
	for i := 1; i < len(x); i++ {
		for j := i; j > 0 && x[j] < x[j-1]; j-- {
			x[j], x[j-1] = x[j-1], x[j]
		}
	}
}

func TestHawkesDerivativesMatchFiniteDifferences(t *testing.T) {
	ts := hkSim(t, 0.5, 2, 4, 300, 2)
	for _, tc := range []struct {
		name string
		m    *hkModel
		p    []float64
	}{
		{"univariate", &hkModel{groups: [][]float64{ts}, muIdx: []int{0}, nMu: 1, t0: ts[0], t1: ts[len(ts)-1]}, []float64{0.6, 1.7, 3.5}},
		{"two groups, two μ", &hkModel{groups: [][]float64{ts[:100], ts[100:]}, muIdx: []int{0, 1}, nMu: 2, t0: 0, t1: 301}, []float64{0.3, 0.9, 1.1, 2.2}},
		{"two groups, one μ", &hkModel{groups: [][]float64{ts[:100], ts[100:]}, muIdx: []int{0, 0}, nMu: 1, t0: 0, t1: 301}, []float64{0.4, 1.1, 2.2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.m.dim()
			g := make([]float64, d)
			h := mat.NewSymDense(d, nil)
			tc.m.eval(tc.p, 2, g, h)
			for i := 0; i < d; i++ {
				step := 1e-6 * tc.p[i]
				up, dn := append([]float64(nil), tc.p...), append([]float64(nil), tc.p...)
				up[i] += step
				dn[i] -= step
				fd := (tc.m.eval(up, 0, nil, nil) - tc.m.eval(dn, 0, nil, nil)) / (2 * step)
				if math.Abs(fd-g[i]) > 1e-5*(1+math.Abs(g[i])) {
					t.Errorf("∂ℓ/∂p%d: got %g, finite difference %g", i, g[i], fd)
				}
				gu, gd := make([]float64, d), make([]float64, d)
				tc.m.eval(up, 1, gu, nil)
				tc.m.eval(dn, 1, gd, nil)
				for j := 0; j < d; j++ {
					fdh := (gu[j] - gd[j]) / (2 * step)
					if math.Abs(fdh-h.At(i, j)) > 1e-4*(1+math.Abs(h.At(i, j))) {
						t.Errorf("∂²ℓ/∂p%d∂p%d: got %g, finite difference %g", i, j, h.At(i, j), fdh)
					}
				}
			}
		})
	}
}

func BenchmarkFitHawkes100k(b *testing.B) {
	// μ = 1, branching ratio 0.5, β = 2: about 100,000 events on [0, 50,000].
	ts := SimulateHawkes(1, 1, 2, 50_000, rand.New(rand.NewPCG(7, 7)))
	b.Logf("%d events", len(ts))
	b.ResetTimer()
	for b.Loop() {
		f, err := FitHawkes(ts, HawkesOptions{})
		if err != nil || !f.Converged {
			b.Fatalf("fit: %v, converged %v", err, f.Converged)
		}
	}
}

// TestHawkesRecoveryGrid fits simulated paths over a grid of parameters
// (about 3,000 events each) and asks every estimate to lie within 3
// standard errors of the truth.
func TestHawkesRecoveryGrid(t *testing.T) {
	seed := uint64(100)
	for _, mu := range []float64{0.5, 2} {
		for _, ratio := range []float64{0.3, 0.7} {
			for _, beta := range []float64{1, 5} {
				seed++
				alpha := ratio * beta
				T := 3000 * (1 - ratio) / mu
				ts := hkSim(t, mu, alpha, beta, T, seed)
				f, err := FitHawkes(ts, HawkesOptions{})
				if err != nil {
					t.Fatalf("μ=%g α/β=%g β=%g: %v", mu, ratio, beta, err)
				}
				t.Logf("μ=%g α=%g β=%g n=%d: μ̂=%.4g±%.2g α̂=%.4g±%.2g β̂=%.4g±%.2g (z %.2f %.2f %.2f) KS p=%.2f",
					mu, alpha, beta, f.N, f.Mu, f.MuSE, f.Alpha, f.AlphaSE, f.Beta, f.BetaSE,
					(f.Mu-mu)/f.MuSE, (f.Alpha-alpha)/f.AlphaSE, (f.Beta-beta)/f.BetaSE, f.KSP)
				if !f.Converged {
					t.Errorf("μ=%g α=%g β=%g: not converged", mu, alpha, beta)
				}
				for _, c := range []struct {
					name           string
					got, se, truth float64
				}{{"mu", f.Mu, f.MuSE, mu}, {"alpha", f.Alpha, f.AlphaSE, alpha}, {"beta", f.Beta, f.BetaSE, beta}} {
					if !(math.Abs(c.got-c.truth) <= 3*c.se) {
						t.Errorf("μ=%g α=%g β=%g: %s got %g ± %g, want within 3 SE of %g", mu, alpha, beta, c.name, c.got, c.se, c.truth)
					}
				}
				if f.LRP > 1e-6 {
					t.Errorf("μ=%g α=%g β=%g: LR p %g, want self-excitation detected", mu, alpha, beta, f.LRP)
				}
			}
		}
	}
}

// TestHawkesCoverage checks that the 95% Wald intervals (estimate ± 1.96
// SE) of each parameter contain the truth in 88–99 of 100 simulated paths
// of about 1,000 events.
func TestHawkesCoverage(t *testing.T) {
	const reps = 100
	mu, alpha, beta := 1.0, 1.0, 2.0 // branching ratio 0.5: ~1,000 events on [0, 500]
	var cover [3]int
	for r := 0; r < reps; r++ {
		ts := hkSim(t, mu, alpha, beta, 500, uint64(1000+r))
		f, err := FitHawkes(ts, HawkesOptions{})
		if err != nil || !f.Converged {
			t.Fatalf("replicate %d: err %v, converged %v", r, err, f.Converged)
		}
		for i, c := range [][3]float64{{f.Mu, f.MuSE, mu}, {f.Alpha, f.AlphaSE, alpha}, {f.Beta, f.BetaSE, beta}} {
			if math.Abs(c[0]-c[2]) <= 1.96*c[1] {
				cover[i]++
			}
		}
	}
	t.Logf("coverage of 95%% intervals over %d replicates: mu %d, alpha %d, beta %d", reps, cover[0], cover[1], cover[2])
	for i, name := range []string{"mu", "alpha", "beta"} {
		if cover[i] < 88 || cover[i] > 99 {
			t.Errorf("%s: 95%% interval covered the truth in %d of %d runs, want 88–99", name, cover[i], reps)
		}
	}
}

// TestHawkesPoissonNullLevel checks the self-excitation LR test on Poisson
// data: the share of p < 0.05 must not exceed the nominal level by more
// than sampling noise allows (200 paths of about 200 events).
func TestHawkesPoissonNullLevel(t *testing.T) {
	const reps = 200
	rejected := 0
	for r := 0; r < reps; r++ {
		rng := rand.New(rand.NewPCG(uint64(5000+r), 1))
		var ts []float64
		for x := rng.ExpFloat64(); x < 200; x += rng.ExpFloat64() {
			ts = append(ts, x)
		}
		f, err := FitHawkes(ts, HawkesOptions{})
		if err != nil {
			t.Fatalf("replicate %d: %v", r, err)
		}
		if f.LRP < 0.05 {
			rejected++
		}
	}
	rate := float64(rejected) / reps
	t.Logf("Poisson null: LR test rejected at 5%% in %d of %d paths (%.3f)", rejected, reps, rate)
	if rate > 0.08 {
		t.Errorf("rejection rate under the null %.3f, want ≤ 0.08", rate)
	}
}

// TestHawkesMatchesBruteForceNelderMead maximises the O(n²) textbook
// likelihood with gonum's derivative-free Nelder–Mead and asks FitHawkes to
// agree to 3 significant figures: an independent check of recursion,
// gradient and optimiser together.
func TestHawkesMatchesBruteForceNelderMead(t *testing.T) {
	for i, c := range []struct{ mu, alpha, beta, T float64 }{{0.5, 1, 2, 400}, {1, 3, 5, 150}} {
		ts := hkSim(t, c.mu, c.alpha, c.beta, c.T, uint64(200+i))
		f, err := FitHawkes(ts, HawkesOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t0, t1 := ts[0], ts[len(ts)-1]
		p := optimize.Problem{Func: func(x []float64) float64 {
			return -hkBruteLoglik(ts, t0, t1, math.Exp(x[0]), math.Exp(x[1]), math.Exp(x[2]))
		}}
		x0 := []float64{math.Log(float64(len(ts)) / (t1 - t0) / 2), 0, 0}
		res, err := optimize.Minimize(p, x0, &optimize.Settings{
			Converger: &optimize.FunctionConverge{Absolute: 1e-12, Iterations: 200},
		}, &optimize.NelderMead{})
		if err != nil {
			t.Fatalf("Nelder–Mead: %v", err)
		}
		want := [3]float64{math.Exp(res.X[0]), math.Exp(res.X[1]), math.Exp(res.X[2])}
		got := [3]float64{f.Mu, f.Alpha, f.Beta}
		t.Logf("n=%d FitHawkes %.6g, Nelder–Mead %.6g, loglik %.8g vs %.8g", f.N, got, want, f.Loglik, -res.F)
		for k, name := range []string{"mu", "alpha", "beta"} {
			if math.Abs(got[k]-want[k]) > 5e-4*math.Abs(want[k]) {
				t.Errorf("case %d %s: FitHawkes %.6g, brute force + Nelder–Mead %.6g", i, name, got[k], want[k])
			}
		}
		if math.Abs(f.Loglik+res.F) > 1e-6*math.Abs(res.F) {
			t.Errorf("case %d loglik: FitHawkes %.10g, brute force %.10g", i, f.Loglik, -res.F)
		}
	}
}

// The comparison with a fit published by a Hawkes library is in
// hawkes_ref_test.go (PointProcesses.jl's test data and fitted values). A
// larger candidate, Takahiro Omi's "Hawkes" package (notebooks/test.ipynb
// on notebooks/Data/test1.txt, 19,780 events), is not in the repository.

func TestHawkesInputErrors(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name  string
		times []float64
		opts  HawkesOptions
	}{
		{"nil", nil, HawkesOptions{}},
		{"two events", []float64{1, 2}, HawkesOptions{}},
		{"NaN", []float64{1, nan, 3, 4}, HawkesOptions{}},
		{"+Inf", []float64{1, 2, math.Inf(1)}, HawkesOptions{}},
		{"all equal", []float64{5, 5, 5, 5}, HawkesOptions{}},
		{"event before window", []float64{1, 2, 3}, HawkesOptions{Start: 1.5, End: 10}},
		{"event after window", []float64{1, 2, 3}, HawkesOptions{Start: 0, End: 2.5}},
		{"NaN window", []float64{1, 2, 3}, HawkesOptions{Start: nan, End: 10}},
		{"reversed window", []float64{1, 2, 3}, HawkesOptions{Start: 10, End: 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := FitHawkes(c.times, c.opts)
			if !errors.Is(err, ErrHawkesInput) {
				t.Errorf("FitHawkes err = %v, want ErrHawkesInput", err)
			}
			regions := make([]string, len(c.times))
			_, err = FitHawkesRegions(c.times, regions, c.opts)
			if !errors.Is(err, ErrHawkesInput) {
				t.Errorf("FitHawkesRegions err = %v, want ErrHawkesInput", err)
			}
		})
	}
	if _, err := FitHawkesRegions([]float64{1, 2, 3}, []string{"a"}, HawkesOptions{}); !errors.Is(err, ErrHawkesInput) {
		t.Errorf("mismatched labels: err = %v, want ErrHawkesInput", err)
	}
}

// TestHawkesUnsortedTiesAndWindow: the order of the input does not matter,
// ties are accepted, and an explicit window enters the likelihood.
func TestHawkesUnsortedTiesAndWindow(t *testing.T) {
	ts := hkSim(t, 0.5, 1, 2, 300, 300)
	shuffled := append([]float64(nil), ts...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	a, err := FitHawkes(ts, HawkesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := FitHawkes(shuffled, HawkesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Mu != b.Mu || a.Alpha != b.Alpha || a.Beta != b.Beta || a.Loglik != b.Loglik {
		t.Errorf("shuffled input: got %+v, want %+v", b, a)
	}

	tied := append(append([]float64(nil), ts...), ts[5], ts[5], ts[40])
	c, err := FitHawkes(tied, HawkesOptions{})
	if err != nil || !c.Converged {
		t.Fatalf("ties: err %v, converged %v", err, c.Converged)
	}
	if c.N != len(tied) {
		t.Errorf("ties: n = %d, want %d", c.N, len(tied))
	}

	w, err := FitHawkes(ts, HawkesOptions{Start: -100, End: 400})
	if err != nil || !w.Converged {
		t.Fatalf("window: err %v, converged %v", err, w.Converged)
	}
	if w.T0 != -100 || w.T1 != 400 {
		t.Errorf("window: got [%v, %v], want [-100, 400]", w.T0, w.T1)
	}
	sortFloat(ts)
	if want := hkBruteLoglik(ts, -100, 400, w.Mu, w.Alpha, w.Beta); math.Abs(w.Loglik-want) > 1e-9*math.Abs(want) {
		t.Errorf("window loglik %.10g, brute force %.10g", w.Loglik, want)
	}
	if !(w.Mu < a.Mu) {
		t.Errorf("a window with 200 quiet time units should lower μ: got %g, first-to-last window %g", w.Mu, a.Mu)
	}
}

func TestHawkesRegions(t *testing.T) {
	simRegions := func(mus []float64, seed uint64) ([]float64, []string) {
		var ts []float64
		var rs []string
		for i, mu := range mus {
			for _, x := range SimulateHawkes(mu, 1, 2, 1000, rand.New(rand.NewPCG(seed+uint64(i), 3))) {
				ts = append(ts, x)
				rs = append(rs, string(rune('A'+i)))
			}
		}
		return ts, rs
	}

	t.Run("different backgrounds", func(t *testing.T) {
		mus := []float64{0.1, 0.3, 0.6}
		ts, rs := simRegions(mus, 400)
		f, err := FitHawkesRegions(ts, rs, HawkesOptions{Unit: "days"})
		if err != nil || !f.Converged || !f.CommonConverged {
			t.Fatalf("err %v, converged %v/%v", err, f.Converged, f.CommonConverged)
		}
		t.Logf("regions %+v α=%.3g±%.2g β=%.3g±%.2g LR=%.1f p=%.3g", f.Regions, f.Alpha, f.AlphaSE, f.Beta, f.BetaSE, f.LRStat, f.LRP)
		t.Log(f.Sentence())
		if len(f.Regions) != 3 || f.LRDF != 2 {
			t.Fatalf("got %d regions and %d df, want 3 and 2", len(f.Regions), f.LRDF)
		}
		for i, r := range f.Regions {
			if r.Name != string(rune('A'+i)) || !(math.Abs(r.Mu-mus[i]) <= 3*r.MuSE) {
				t.Errorf("region %d: got %s μ=%g±%g, want %c μ=%g", i, r.Name, r.Mu, r.MuSE, 'A'+i, mus[i])
			}
		}
		if !(math.Abs(f.Alpha-1) <= 3*f.AlphaSE) || !(math.Abs(f.Beta-2) <= 3*f.BetaSE) {
			t.Errorf("α=%g±%g β=%g±%g, want 1 and 2 within 3 SE", f.Alpha, f.AlphaSE, f.Beta, f.BetaSE)
		}
		if f.LRP > 1e-3 {
			t.Errorf("LR p = %g, want the different backgrounds detected", f.LRP)
		}
		if !strings.Contains(f.Sentence(), "differs between regions") {
			t.Errorf("sentence %q should say the background differs", f.Sentence())
		}
	})

	t.Run("equal backgrounds", func(t *testing.T) {
		ts, rs := simRegions([]float64{0.3, 0.3, 0.3}, 500)
		f, err := FitHawkesRegions(ts, rs, HawkesOptions{})
		if err != nil || !f.Converged || !f.CommonConverged {
			t.Fatalf("err %v, converged %v/%v", err, f.Converged, f.CommonConverged)
		}
		t.Logf("regions %+v common μ=%.3g LR=%.2f p=%.3g", f.Regions, f.CommonMu, f.LRStat, f.LRP)
		if f.LRP < 0.01 {
			t.Errorf("LR p = %g for equal backgrounds, want no strong evidence", f.LRP)
		}
		if !(f.Loglik >= f.CommonLoglik-1e-6) {
			t.Errorf("regional loglik %g below the nested common-μ loglik %g", f.Loglik, f.CommonLoglik)
		}
	})

	t.Run("one region is FitHawkes", func(t *testing.T) {
		ts := hkSim(t, 0.5, 1, 2, 500, 600)
		labels := make([]string, len(ts))
		r, err := FitHawkesRegions(ts, labels, HawkesOptions{})
		if err != nil {
			t.Fatal(err)
		}
		u, err := FitHawkes(ts, HawkesOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.Loglik-u.Loglik) > 1e-8*math.Abs(u.Loglik) || math.Abs(r.Beta-u.Beta) > 1e-5*u.Beta ||
			math.Abs(r.Regions[0].Mu-u.Mu) > 1e-5*u.Mu {
			t.Errorf("one region: loglik %g β %g μ %g; FitHawkes loglik %g β %g μ %g", r.Loglik, r.Beta, r.Regions[0].Mu, u.Loglik, u.Beta, u.Mu)
		}
		if r.LRDF != 0 || r.LRP != 1 {
			t.Errorf("one region: df %d p %g, want 0 and 1", r.LRDF, r.LRP)
		}
	})
}

// TestHawkesKolmogorovQ checks the Kolmogorov survival function against
// its tabulated critical values (Smirnov 1948): Q(1.22385) = 0.10,
// Q(1.35810) = 0.05, Q(1.62762) = 0.01, and P(K ≤ 0.5) = 0.036055.
func TestHawkesKolmogorovQ(t *testing.T) {
	for _, c := range []struct{ lambda, want float64 }{
		{1.22385, 0.10}, {1.35810, 0.05}, {1.62762, 0.01}, {0.5, 1 - 0.036055}, {1.0, 0.27000}, {0, 1}, {5, 0},
	} {
		if got := hkKolmogorovQ(c.lambda); math.Abs(got-c.want) > 1e-4 {
			t.Errorf("Q(%g) = %.6f, want %.6f", c.lambda, got, c.want)
		}
	}
}

func TestSimulateHawkes(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, bad := range [][4]float64{{0, 1, 2, 10}, {1, -1, 2, 10}, {1, 1, 0, 10}, {1, 1, 2, 0}, {math.NaN(), 1, 2, 10}, {1, 1, math.Inf(1), 10}} {
		if got := SimulateHawkes(bad[0], bad[1], bad[2], bad[3], rng); got != nil {
			t.Errorf("SimulateHawkes%v = %d events, want nil", bad, len(got))
		}
	}
	if got := SimulateHawkes(1, 1, 2, 10, nil); got != nil {
		t.Errorf("nil rng: got %d events, want nil", len(got))
	}
	// Mean count over [0, T]: μT/(1 − α/β) for a long stationary path.
	const T = 20_000
	ts := SimulateHawkes(0.5, 1.5, 2, T, rng)
	want := 0.5 * T / (1 - 0.75)
	if n := float64(len(ts)); math.Abs(n-want) > 0.05*want {
		t.Errorf("got %v events, want about %v", n, want)
	}
	for i := range ts {
		if ts[i] < 0 || ts[i] > T || (i > 0 && ts[i] < ts[i-1]) {
			t.Fatalf("event %d at %v: out of [0, %v] or out of order", i, ts[i], T)
		}
	}
	// With the true parameters the rescaled intervals are Exp(1).
	m := &hkModel{groups: [][]float64{ts}, muIdx: []int{0}, nMu: 1, t0: 0, t1: T}
	if d, p := hkKSExp(m.rescaled([]float64{0.5, 1.5, 2})); p < 0.01 {
		t.Errorf("time-rescaled simulation: KS D %g p %g, want Exp(1)", d, p)
	}
}

func TestHawkesSentence(t *testing.T) {
	base := HawkesFit{N: 120, Converged: true, Stationary: true, BranchingRatio: 0.4, HalfLife: 3.14, LRP: 1e-5, Unit: "days"}
	for _, c := range []struct {
		name string
		edit func(*HawkesFit)
		want string
	}{
		{"excitation", func(*HawkesFit) {},
			"Each incident raises the short-term risk of another: about 0.4 further incidents follow each one, with the extra risk halving every 3.1 days (n = 120; likelihood-ratio test against no self-excitation p < 0.001)."},
		{"none", func(f *HawkesFit) { f.LRP = 0.31 },
			"There is no clear sign that one incident raises the short-term risk of another (n = 120; likelihood-ratio test against no self-excitation p = 0.31)."},
		{"explosive", func(f *HawkesFit) { f.Stationary = false; f.BranchingRatio = 1.23; f.Unit = "" },
			"Incidents cluster so strongly that the fitted model is explosive (about 1.2 further incidents per incident, extra risk halving every 3.1 time units), which usually means the rate rose over the period rather than a stable pattern (n = 120; likelihood-ratio test against no self-excitation p < 0.001)."},
		{"not converged", func(f *HawkesFit) { f.Converged = false },
			"The self-excitation model could not be fitted reliably to these 120 incidents, so no statement about whether one incident raises the risk of another can be made (n = 120; likelihood-ratio test against no self-excitation p < 0.001)."},
	} {
		f := base
		c.edit(&f)
		if got := f.Sentence(); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

func TestHawkesFormatSig(t *testing.T) {
	for _, c := range []struct {
		x    float64
		want string
	}{{0.4, "0.4"}, {3.14, "3.1"}, {0.031, "0.031"}, {1234, "1200"}, {12.5, "13"}, {0, "0"}, {0.999, "1"}} {
		if got := hkFormatSig(c.x); got != c.want {
			t.Errorf("hkFormatSig(%g) = %q, want %q", c.x, got, c.want)
		}
	}
}

func TestHawkesJSON(t *testing.T) {
	ts := hkSim(t, 0.5, 1, 2, 300, 700)
	f, err := FitHawkes(ts, HawkesOptions{Unit: "days"})
	if err != nil {
		t.Fatal(err)
	}
	f.AlphaSE = math.NaN()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	for _, k := range []string{"n", "t0", "t1", "mu", "alpha", "beta", "mu_se", "alpha_se", "beta_se", "loglik", "aic",
		"branching_ratio", "half_life", "ks_stat", "ks_p", "converged", "poisson_loglik", "lr_stat", "lr_p", "unit"} {
		if _, ok := got[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	if got["alpha_se"] != nil {
		t.Errorf("alpha_se = %v, want null for NaN", got["alpha_se"])
	}
	if got["mu"] != f.Mu || got["n"] != float64(f.N) {
		t.Errorf("mu %v n %v, want %v %v", got["mu"], got["n"], f.Mu, f.N)
	}

	labels := make([]string, len(ts))
	for i := range labels {
		labels[i] = []string{"north", "south"}[i%2]
	}
	rf, err := FitHawkesRegions(ts, labels, HawkesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rf.Regions[1].MuSE = math.Inf(1)
	b, err = json.Marshal(rf)
	if err != nil {
		t.Fatalf("marshal regions: %v", err)
	}
	if !strings.Contains(string(b), `"name":"south"`) || !strings.Contains(string(b), `"mu_se":null`) || !strings.Contains(string(b), `"lr_p":`) ||
		!strings.Contains(string(b), fmt.Sprintf(`"regional_background":%v`, rf.RegionalBackground)) {
		t.Errorf("regions JSON %s lacks region names, null SE, lr_p or regional_background", b)
	}
}

// hkFuzzTimes turns fuzz bytes into up to 16 times (two bytes each).
func hkFuzzTimes(data []byte) []float64 {
	var ts []float64
	for i := 0; i+1 < len(data) && len(ts) < 16; i += 2 {
		ts = append(ts, float64(int(data[i])<<8|int(data[i+1]))/64)
	}
	return ts
}

func FuzzFitHawkes(f *testing.F) {
	f.Add([]byte{0, 1, 0, 2, 0, 3})
	f.Add([]byte{0, 1, 0, 1, 0, 1, 0, 1})
	f.Add([]byte{0, 0, 0, 1, 0, 2, 9, 9, 9, 10, 9, 11, 200, 0})
	f.Add([]byte{255, 255, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		ts := hkFuzzTimes(data)
		fit, err := FitHawkes(ts, HawkesOptions{})
		if err != nil {
			if !errors.Is(err, ErrHawkesInput) {
				t.Fatalf("error %v is not ErrHawkesInput", err)
			}
			return
		}
		if fit.N != len(ts) || !(fit.Mu > 0) || !(fit.Beta > 0) || fit.Alpha < 0 {
			t.Fatalf("fit %+v of %v", fit, ts)
		}
		_ = fit.Sentence()
		if _, err := json.Marshal(fit); err != nil {
			t.Fatalf("marshal: %v", err)
		}
		labels := make([]string, len(ts))
		for i := range labels {
			labels[i] = string(rune('a' + int(data[0]+byte(i))%3))
		}
		if rf, err := FitHawkesRegions(ts, labels, HawkesOptions{}); err == nil {
			_ = rf.Sentence()
			if _, err := json.Marshal(rf); err != nil {
				t.Fatalf("marshal regions: %v", err)
			}
		}
	})
}

// TestHawkesRegionsChoice checks that the likelihood-ratio test picks the
// regional model only when the data support it: over simulated sets of
// three regions with one common background it is chosen about as often as
// its 5% level allows (at most 19 times in 200, the binomial 99.5% point), and over sets whose backgrounds differ by a factor of two
// from region to region it is chosen almost always (at least 27 in 30).
func TestHawkesRegionsChoice(t *testing.T) {
	sim := func(mus []float64, seed uint64) ([]float64, []string) {
		var ts []float64
		var rs []string
		for i, mu := range mus {
			for _, x := range SimulateHawkes(mu, 1, 2, 600, rand.New(rand.NewPCG(seed, uint64(i)))) {
				ts = append(ts, x)
				rs = append(rs, string(rune('A'+i)))
			}
		}
		return ts, rs
	}
	count := func(mus []float64, reps int, seed uint64) (chosen, fitted int) {
		for r := range reps {
			ts, rs := sim(mus, seed+uint64(r))
			f, err := FitHawkesRegions(ts, rs, HawkesOptions{Start: 0, End: 600})
			if err != nil {
				t.Fatalf("rep %d: %v", r, err)
			}
			if !f.Converged || !f.CommonConverged {
				continue
			}
			fitted++
			if f.RegionalBackground != (f.LRP < HawkesRegionsLevel) {
				t.Fatalf("rep %d: regional_background %v with LR p %g", r, f.RegionalBackground, f.LRP)
			}
			if f.RegionalBackground {
				chosen++
			}
		}
		return chosen, fitted
	}
	chosen, fitted := count([]float64{0.3, 0.3, 0.3}, 200, 7100)
	t.Logf("common background: regional model chosen in %d of %d", chosen, fitted)
	if fitted < 190 || chosen > 19 {
		t.Errorf("common background: regional model chosen in %d of %d converged fits, want at most 19 of at least 190", chosen, fitted)
	}
	chosen, fitted = count([]float64{0.15, 0.3, 0.6}, 30, 7200)
	t.Logf("different backgrounds: regional model chosen in %d of %d", chosen, fitted)
	if fitted < 28 || chosen < 27 {
		t.Errorf("different backgrounds: regional model chosen in %d of %d converged fits, want at least 27 of at least 28", chosen, fitted)
	}
}
