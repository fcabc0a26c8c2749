package analyze

import (
	"bufio"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
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

func TestHawkesQuickRecovery(t *testing.T) {
	ts := hkSim(t, 0.5, 1.4, 2, 4000, 3)
	f, err := FitHawkes(ts, HawkesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", f)
	t.Log(f.Sentence())
}

var _ = errors.New
var _ = json.Marshal
var _ = bufio.NewScanner
var _ = os.Open
var _ = filepath.Join
var _ = strconv.Itoa
var _ = strings.Fields
var _ = optimize.NelderMead{}
