package analyze

// Trend tests shared by tempo and severity: the Mann–Kendall test with
// Kendall's tau, Sen's slope with its rank-based confidence interval, and a
// Poisson log-linear regression of counts on time with an overdispersion
// check.
//
// Mann–Kendall. S = Σ_{i<j} sign(xⱼ − xᵢ) sign(yⱼ − yᵢ), where x is the
// observation order (MannKendall) or the observation time (MannKendallTime;
// pairs observed at the same time add nothing). S is computed in O(n log n)
// for any n: the points are grouped by x and each y is compared with the
// earlier ones through a Fenwick tree over the ranks of y (the same count as
// Knight's 1966 merge-sort method, with ties in both variables). Its
// variance under the null hypothesis of no trend, with ties in y (t) and in
// x (u), is Kendall's (1975) formula, given by Gilbert (1987, ch. 16) for
// several observations per time period:
//
//	Var S = [n(n−1)(2n+5) − Σt(t−1)(2t+5) − Σu(u−1)(2u+5)]/18
//	      + [Σt(t−1)(t−2)][Σu(u−1)(u−2)] / [9n(n−1)(n−2)]
//	      + [Σt(t−1)][Σu(u−1)] / [2n(n−1)],
//
// which reduces to the familiar [n(n−1)(2n+5) − Σt(t−1)(2t+5)]/18 when the
// times are distinct. Z = sign(S)(|S| − 1)/√Var S (continuity correction)
// and the two-sided p-value is 2(1 − Φ(|Z|)), as in R's trend::mk.test; for
// n ≤ 10 without ties the exact null distribution of S (Kendall's, the
// number of permutations with a given number of inversions) is used
// instead, as Gilbert's Table A18 does. Tau is Kendall's tau-b,
// S/√((n₀ − n₁)(n₀ − n₂)), which is what trend::mk.test reports.
//
// Sen's slope. The median of the slopes (yⱼ − yᵢ)/(xⱼ − xᵢ) over the pairs
// with xᵢ ≠ xⱼ, and its confidence interval from the ranks
// M₁ = (N′ − C)/2 and M₂ = (N′ + C)/2 + 1 of the ordered slopes, with
// C = z_{1−α/2} √Var S (Sen 1968; Gilbert 1987, ch. 16), rounded to the
// nearest rank as trend::sens.slope does. Up to about a million pairs the
// slopes are listed and selected; beyond, the needed order statistics are
// found exactly (up to floating-point rounding) without listing the
// n(n−1)/2 slopes: slopes are the crossing points of the lines
// v = yᵢ − s·xᵢ, so the number of slopes ≤ s is the number of inversions
// between the order of the points at s = −∞ and at s, counted by merge sort
// in O(n log n); the bracket around a wanted rank is narrowed with a random
// sample of the slopes inside it (drawn by rank from the same merge sort)
// until it holds few enough slopes to list (the randomised selection of
// Matoušek 1991 and Dillencourt, Mount & Netanyahu 1992). The expected cost
// is a few O(n log n) passes per rank. Points are ordered at s by comparing
// their pair's own slope with s whenever y − s·x cannot tell them apart, so
// the counts agree exactly with the listed slopes even when most slopes are
// equal (casualty counts: most are exactly 0); only slopes that are equal in
// exact arithmetic but differ in their last bit after rounding (collinear
// points) can come out one ulp apart from the listing.
//
// Poisson regression. log E[yᵢ] = log mᵢ + a + b·tᵢ (m the exposure) is
// fitted by iteratively reweighted least squares; the Wald z test of b, the
// rate ratio exp(b) per unit of t and its 95% interval come from the
// inverse Fisher information. Overdispersion is checked with the Pearson
// statistic X²/df (its χ² test): when X²/df > 1 with p < 0.05 the standard
// errors are multiplied by √(X²/df) and the test uses Student's t with the
// residual degrees of freedom — the quasi-Poisson adjustment of R's
// summary.glm — and the result says so.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// ErrTrendInput is returned (wrapped) for data a trend test cannot use: too
// few values, non-finite values, values that are all equal, or times that
// are all equal.
var ErrTrendInput = errors.New("trend: unusable input")

// TrendMinN is the smallest number of observations the trend tests accept.
const TrendMinN = 3

// MKResult is the Mann–Kendall test of a monotonic trend.
type MKResult struct {
	N int `json:"n"`
	// S is the Mann–Kendall score: concordant minus discordant pairs.
	S int64 `json:"s"`
	// VarS is the variance of S under no trend, corrected for ties.
	VarS float64 `json:"var_s"`
	// Z is the continuity-corrected normal score.
	Z float64 `json:"z"`
	// P is the two-sided p-value: exact when Exact, else from Z.
	P     float64 `json:"p"`
	Exact bool    `json:"exact"`
	// Tau is Kendall's tau-b between time and value.
	Tau float64 `json:"tau"`
}

// SenResult is Sen's (Theil–Sen) slope with its rank-based confidence
// interval, in units of y per unit of x.
type SenResult struct {
	N int `json:"n"`
	// Pairs is the number of pairs with distinct x whose slopes were ranked.
	Pairs int64   `json:"pairs"`
	Slope float64 `json:"slope"`
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
	Level float64 `json:"level"`
	// Intercept is Conover's: median(y) − Slope·median(x).
	Intercept float64 `json:"intercept"`
}

// PoissonResult is the Poisson log-linear regression log E[y] = log m + a + b·t.
type PoissonResult struct {
	N     int     `json:"n"`
	Total float64 `json:"total"`
	// Intercept is a; Slope is b, the change in log rate per unit of t.
	Intercept float64 `json:"intercept"`
	Slope     float64 `json:"slope"`
	// SE, Z and P are those in force: the quasi-Poisson ones when
	// Overdispersed (Z is then a t statistic with DF degrees of freedom),
	// the Poisson ones otherwise.
	SE float64 `json:"se"`
	Z  float64 `json:"z"`
	P  float64 `json:"p"`
	// SEPoisson and PPoisson are the plain Poisson (dispersion 1) values.
	SEPoisson float64 `json:"se_poisson"`
	PPoisson  float64 `json:"p_poisson"`
	// RateRatio = exp(Slope) is the factor by which the rate changes per
	// unit of t, with its 95% interval from the SE in force.
	RateRatio      float64 `json:"rate_ratio"`
	RateRatioLower float64 `json:"rate_ratio_lower"`
	RateRatioUpper float64 `json:"rate_ratio_upper"`

	Deviance     float64 `json:"deviance"`
	NullDeviance float64 `json:"null_deviance"`
	DF           int     `json:"df"`
	// Pearson is the Pearson χ² statistic and Dispersion = Pearson/DF; a
	// Poisson model has dispersion 1. DispersionP is the χ² test of
	// Pearson on DF degrees of freedom.
	Pearson       float64 `json:"pearson_chi2"`
	Dispersion    float64 `json:"dispersion"`
	DispersionP   float64 `json:"dispersion_p"`
	Overdispersed bool    `json:"overdispersed"`

	Converged  bool `json:"converged"`
	Iterations int  `json:"iterations"`
}

// MannKendall tests y, taken in its order as a time series, for a monotonic
// trend. It needs at least three finite values that are not all equal.
func MannKendall(y []float64) (MKResult, error) {
	if err := trCheck("y", y); err != nil {
		return MKResult{}, err
	}
	ranks, r := trDenseRanks(y)
	return trMK(nil, ranks, r)
}

// MannKendallTime tests y observed at times t for a monotonic trend. Several
// observations may share a time: such pairs add nothing to S and the
// variance is corrected for them (Kendall 1975; Gilbert 1987). The times need
// not be sorted.
func MannKendallTime(t, y []float64) (MKResult, error) {
	p, err := trPrepare(t, y)
	if err != nil {
		return MKResult{}, err
	}
	return trMK(p.groups, p.ranks, p.nRanks)
}

// SensSlope is Sen's slope of y on x with its 95% confidence interval.
func SensSlope(x, y []float64) (SenResult, error) {
	return SensSlopeLevel(x, y, trLevel)
}

// SensSlopeLevel is SensSlope with a confidence level in (0, 1).
func SensSlopeLevel(x, y []float64, level float64) (SenResult, error) {
	if !(level > 0 && level < 1) {
		return SenResult{}, fmt.Errorf("%w: confidence level %v is not in (0, 1)", ErrTrendInput, level)
	}
	p, err := trPrepare(x, y)
	if err != nil {
		return SenResult{}, err
	}
	mk, err := trMK(p.groups, p.ranks, p.nRanks)
	if err != nil {
		return SenResult{}, err
	}
	return trSen(p, mk.VarS, level), nil
}

// PoissonTrend regresses counts on time t: log E[countᵢ] = a + b·tᵢ. The
// rate ratio is per unit of t.
func PoissonTrend(counts, t []float64) (PoissonResult, error) {
	return PoissonTrendExposure(counts, t, nil)
}

// PoissonTrendExposure is PoissonTrend with an exposure per count (the
// length of its period, say), log E[countᵢ] = log exposureᵢ + a + b·tᵢ, so
// that periods of unequal length compare as rates. A nil exposure means 1.
func PoissonTrendExposure(counts, t, exposure []float64) (PoissonResult, error) {
	n := len(counts)
	if len(t) != n || (exposure != nil && len(exposure) != n) {
		return PoissonResult{}, fmt.Errorf("%w: %d counts, %d times and %d exposures", ErrTrendInput, n, len(t), len(exposure))
	}
	if n < TrendMinN {
		return PoissonResult{}, fmt.Errorf("%w: %d counts, need at least %d", ErrTrendInput, n, TrendMinN)
	}
	if err := trCheck("t", t); err != nil {
		return PoissonResult{}, err
	}
	d := trGLMData{t: t, y: counts, m: exposure}
	for i, c := range counts {
		if math.IsNaN(c) || math.IsInf(c, 0) || c < 0 {
			return PoissonResult{}, fmt.Errorf("%w: count %d is %v", ErrTrendInput, i, c)
		}
		if exposure != nil && !(exposure[i] > 0 && !math.IsInf(exposure[i], 0)) {
			return PoissonResult{}, fmt.Errorf("%w: exposure %d is %v", ErrTrendInput, i, exposure[i])
		}
	}
	return trPoissonTrend(d)
}

// trLevel is the default confidence level.
const trLevel = 0.95

// trCheck rejects short or non-finite series.
func trCheck(name string, v []float64) error {
	if len(v) < TrendMinN {
		return fmt.Errorf("%w: %d values of %s, need at least %d", ErrTrendInput, len(v), name, TrendMinN)
	}
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%w: %s[%d] is %v", ErrTrendInput, name, i, x)
		}
	}
	return nil
}

// trPoints is a series sorted by (x, y), with the start of each run of
// equal x in groups (plus a final n) and the dense ranks of y.
type trPoints struct {
	x, y   []float64
	groups []int
	ranks  []int32
	nRanks int
}

// trPrepare validates x and y and sorts them by (x, y).
func trPrepare(x, y []float64) (*trPoints, error) {
	if len(x) != len(y) {
		return nil, fmt.Errorf("%w: %d times but %d values", ErrTrendInput, len(x), len(y))
	}
	if err := trCheck("x", x); err != nil {
		return nil, err
	}
	if err := trCheck("y", y); err != nil {
		return nil, err
	}
	n := len(x)
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	sorted := true
	for i := 1; i < n && sorted; i++ {
		sorted = x[i-1] < x[i] || (x[i-1] == x[i] && y[i-1] <= y[i])
	}
	if !sorted {
		slices.SortFunc(idx, func(a, b int32) int {
			if c := trCmp(x[a], x[b]); c != 0 {
				return c
			}
			return trCmp(y[a], y[b])
		})
	}
	p := &trPoints{x: make([]float64, n), y: make([]float64, n)}
	for i, j := range idx {
		p.x[i], p.y[i] = x[j], y[j]
	}
	p.groups = trGroups(p.x)
	p.ranks, p.nRanks = trDenseRanks(p.y)
	return p, nil
}

func trCmp(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// trGroups returns the start of each run of equal values of sorted x, then len(x).
func trGroups(x []float64) []int {
	g := []int{0}
	for i := 1; i < len(x); i++ {
		if x[i] != x[i-1] {
			g = append(g, i)
		}
	}
	return append(g, len(x))
}

// trDenseRanks maps y to ranks 0..r−1 with equal values sharing a rank.
// Non-negative integers below a bound (counts, days) are ranked by counting
// in O(n); anything else by sorting.
func trDenseRanks(y []float64) ([]int32, int) {
	n := len(y)
	ranks := make([]int32, n)
	maxV := 0.0
	small := true
	for _, v := range y {
		if v < 0 || v != math.Trunc(v) || v > float64(4*n+1<<16) {
			small = false
			break
		}
		maxV = math.Max(maxV, v)
	}
	if small {
		rank := make([]int32, int(maxV)+1)
		for _, v := range y {
			rank[int(v)] = 1
		}
		r := int32(0)
		for i, seen := range rank {
			if seen != 0 {
				rank[i] = r
				r++
			}
		}
		for i, v := range y {
			ranks[i] = rank[int(v)]
		}
		return ranks, int(r)
	}
	u := slices.Clone(y)
	slices.Sort(u)
	u = slices.Compact(u)
	for i, v := range y {
		j, _ := slices.BinarySearch(u, v)
		ranks[i] = int32(j)
	}
	return ranks, len(u)
}

// trTieSums returns Σt(t−1)(2t+5), Σt(t−1)(t−2) and Σt(t−1) over the
// sizes t of the tie groups.
func trTieSums(sizes func(yield func(int) bool)) (a, b, c float64) {
	for s := range sizes {
		t := float64(s)
		a += t * (t - 1) * (2*t + 5)
		b += t * (t - 1) * (t - 2)
		c += t * (t - 1)
	}
	return a, b, c
}

// trMK computes the Mann–Kendall test from y ranks in time order; groups
// marks the runs of equal time (nil: all times distinct).
func trMK(groups []int, ranks []int32, nRanks int) (MKResult, error) {
	n := len(ranks)
	if n < TrendMinN {
		return MKResult{}, fmt.Errorf("%w: %d values, need at least %d", ErrTrendInput, n, TrendMinN)
	}
	if nRanks < 2 {
		return MKResult{}, fmt.Errorf("%w: all %d values are equal, so no trend can be estimated", ErrTrendInput, n)
	}
	if groups != nil && len(groups) < 3 {
		return MKResult{}, fmt.Errorf("%w: all %d observations are at the same time", ErrTrendInput, n)
	}
	// Fenwick tree over ranks: counts of the earlier observations.
	tree := make([]int32, nRanks+1)
	prefix := func(r int32) int64 { // number of earlier values with rank < r
		s := int64(0)
		for i := int(r); i > 0; i -= i & -i {
			s += int64(tree[i])
		}
		return s
	}
	add := func(r int32) {
		for i := int(r) + 1; i <= nRanks; i += i & -i {
			tree[i]++
		}
	}
	var s int64
	seen := int64(0)
	groupAt := func(k int) (int, int) {
		if groups == nil {
			return k, k + 1
		}
		return groups[k], groups[k+1]
	}
	nGroups := n
	if groups != nil {
		nGroups = len(groups) - 1
	}
	for k := range nGroups {
		a, b := groupAt(k)
		for _, r := range ranks[a:b] {
			less := prefix(r)
			greater := seen - prefix(r+1)
			s += less - greater
		}
		for _, r := range ranks[a:b] {
			add(r)
		}
		seen += int64(b - a)
	}

	counts := make([]int, nRanks)
	for _, r := range ranks {
		counts[r]++
	}
	ty1, ty2, ty3 := trTieSums(func(yield func(int) bool) {
		for _, c := range counts {
			if c > 1 && !yield(c) {
				return
			}
		}
	})
	var tx1, tx2, tx3 float64
	if groups != nil {
		tx1, tx2, tx3 = trTieSums(func(yield func(int) bool) {
			for k := 0; k+1 < len(groups); k++ {
				if c := groups[k+1] - groups[k]; c > 1 && !yield(c) {
					return
				}
			}
		})
	}
	nf := float64(n)
	v := (nf*(nf-1)*(2*nf+5) - ty1 - tx1) / 18
	if tx1 != 0 {
		v += ty2*tx2/(9*nf*(nf-1)*(nf-2)) + ty3*tx3/(2*nf*(nf-1))
	}
	res := MKResult{N: n, S: s, VarS: v}
	n0 := nf * (nf - 1) / 2
	res.Tau = float64(s) / math.Sqrt((n0-ty3/2)*(n0-tx3/2))
	if v > 0 {
		if s != 0 {
			res.Z = float64(trSign(s)) * (math.Abs(float64(s)) - 1) / math.Sqrt(v)
		}
		res.P = math.Min(1, 2*distuv.UnitNormal.Survival(math.Abs(res.Z)))
	} else {
		res.P = 1
	}
	if n <= trExactMaxN && ty1 == 0 && tx1 == 0 {
		res.P = trExactMKP(n, s)
		res.Exact = true
	}
	return res, nil
}

func trSign(s int64) int64 {
	switch {
	case s > 0:
		return 1
	case s < 0:
		return -1
	}
	return 0
}

// trExactMaxN is the largest n for which MannKendall uses the exact null
// distribution of S (when there are no ties), as Gilbert's table does.
const trExactMaxN = 10

// trExactMKP is the exact two-sided p-value P(|S| ≥ |s|) under no trend and
// no ties: S = n(n−1)/2 − 2I where I, the number of inversions of a random
// permutation, has the Mahonian distribution.
func trExactMKP(n int, s int64) float64 {
	dist := []float64{1}
	for m := 2; m <= n; m++ {
		next := make([]float64, len(dist)+m-1)
		for k, c := range dist {
			for j := range m {
				next[k+j] += c
			}
		}
		dist = next
	}
	total, tail := 0.0, 0.0
	n0 := int64(n * (n - 1) / 2)
	abs := s
	if abs < 0 {
		abs = -abs
	}
	for inv, c := range dist {
		total += c
		sv := n0 - 2*int64(inv)
		if sv >= abs || -sv >= abs {
			tail += c
		}
	}
	return math.Min(1, tail/total)
}

// Sen's slope.

// trSenListMax is the largest number of pairs whose slopes trSen lists and
// selects from directly; above it the selection by counting is used.
const trSenListMax = 1 << 20

// trSen computes Sen's slope and its interval for sorted points.
func trSen(p *trPoints, varS, level float64) SenResult {
	n := len(p.x)
	var tiedX int64
	for k := 0; k+1 < len(p.groups); k++ {
		c := int64(p.groups[k+1] - p.groups[k])
		tiedX += c * (c - 1) / 2
	}
	pairs := int64(n)*int64(n-1)/2 - tiedX
	res := SenResult{N: n, Pairs: pairs, Level: level}
	if pairs == 0 {
		res.Slope, res.Lower, res.Upper = math.NaN(), math.NaN(), math.NaN()
		return res
	}
	c := distuv.UnitNormal.Quantile(1-(1-level)/2) * math.Sqrt(varS)
	kf := float64(pairs)
	lo := trClampRank(int64(math.RoundToEven((kf-c)/2)), pairs)
	up := trClampRank(int64(math.RoundToEven((kf+c)/2+1)), pairs)
	// Ranks are 1-based; the median of an even number is the mean of two.
	m1, m2 := (pairs+1)/2, pairs/2+1
	want := []int64{lo, m1, m2, up}
	got := trSenRanks(p, pairs, want)
	res.Lower, res.Upper = got[0], got[3]
	res.Slope = got[1]
	if m1 != m2 {
		res.Slope = (got[1] + got[2]) / 2
	}
	res.Intercept = trMedianSorted(slices.Sorted(slices.Values(p.y))) - res.Slope*trMedianSorted(p.x)
	return res
}

func trClampRank(r, k int64) int64 {
	return max(1, min(r, k))
}

func trMedianSorted(v []float64) float64 {
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// trSenRanks returns the slopes of the given 1-based ranks among the pairs
// of points with distinct x.
func trSenRanks(p *trPoints, pairs int64, ranks []int64) []float64 {
	out := make([]float64, len(ranks))
	if pairs <= trSenListMax {
		slopes := make([]float64, 0, pairs)
		for k := 0; k+1 < len(p.groups); k++ {
			for i := p.groups[k]; i < p.groups[k+1]; i++ {
				for j := p.groups[k+1]; j < len(p.x); j++ {
					slopes = append(slopes, (p.y[j]-p.y[i])/(p.x[j]-p.x[i]))
				}
			}
		}
		trSelectMany(slopes, ranks, out)
		return out
	}
	s := newTRSenSelector(p, pairs)
	for i, r := range ranks {
		if i > 0 && r == ranks[i-1] {
			out[i] = out[i-1]
			continue
		}
		out[i] = s.rank(r)
	}
	return out
}

// trSelectMany puts into out the values of the given 1-based ranks of a,
// reordering a.
func trSelectMany(a []float64, ranks []int64, out []float64) {
	order := make([]int, len(ranks))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return int(trSign(ranks[i] - ranks[j])) })
	base := 0
	for _, i := range order {
		k := int(ranks[i]-1) - base
		if k < 0 { // a repeated rank: already in place
			out[i] = a[base-1]
			continue
		}
		out[i] = trSelect(a[base:], k)
		base += k + 1
	}
}

// trSelect returns the k-th smallest (0-based) of a, leaving a partitioned
// around it (Hoare's quickselect with a median-of-three pivot and a
// three-way partition, so that runs of equal values cost nothing).
func trSelect(a []float64, k int) float64 {
	lo, hi := 0, len(a)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		p := trMedian3(a[lo], a[mid], a[hi])
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch {
			case a[i] < p:
				a[lt], a[i] = a[i], a[lt]
				lt++
				i++
			case a[i] > p:
				a[i], a[gt] = a[gt], a[i]
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return p
		}
	}
	return a[k]
}

func trMedian3(a, b, c float64) float64 {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b = c
	}
	return max(a, b)
}

// trSenSelector finds ranked slopes without listing them. Points are lines
// v = yᵢ − s·xᵢ; the slope of a pair is where its lines cross. order(s) sorts
// the points by their value just after s (ties by larger x first, then y,
// then index, so that lines with equal x never cross), and the pairs whose
// relative order differs between order(a) and order(b) are exactly those
// with a slope in (a, b].
type trSenSelector struct {
	p   *trPoints
	rng *rand.Rand

	pairs        int64
	listMax      int64   // list the slopes once the bracket holds this few
	ident, upper []int32 // the orders at −∞ and +∞

	lo, hi           float64
	cLo, cHi         int64
	orderLo, orderHi []int32
	scratch          []int32

	z, m           []float64 // y − v·x and its rounding bound, for order
	pos, seq, buf  []int32
	sample, listed []float64
	sampleRanks    []int64
}

// trSenSample is the number of slopes sampled per narrowing round: the
// bracket keeps about 7·√m/m of its slopes, 2.4% for m = 16384.
const trSenSample = 16384

func newTRSenSelector(p *trPoints, pairs int64) *trSenSelector {
	n := len(p.x)
	s := &trSenSelector{p: p, pairs: pairs, listMax: trSenListMax,
		rng: rand.New(rand.NewPCG(uint64(n), 0x5e75)),
		pos: make([]int32, n), seq: make([]int32, n), buf: make([]int32, n)}
	s.ident = s.order(math.Inf(-1), nil)
	s.upper = s.order(math.Inf(1), nil)
	return s
}

// order fills dst with the order of the points just after slope v.
//
// Two points are compared by their own slope, not by the values y − v·x:
// point i (earlier in (x, y) order) lies below point j just after v exactly
// when their slope, computed as slope computes it, is above v. So the
// count of inversions against the order at −∞ is exactly the number of
// listed slopes ≤ v, ties and rounding included; comparing the rounded
// values y − v·x instead miscounted whole blocks of equal slopes for a
// tiny v (v·x vanishing against y), which sent the bracket creeping one
// ulp at a time towards 0 when most slopes were exactly 0 — the usual case
// for casualty counts. The comparison is transitive in exact arithmetic
// (the slope of i and k lies between those of i–j and j–k). Most pairs are
// decided by y − v·x, whose sign agrees with the slope's whenever it
// exceeds its rounding bound (relative 1e-14, about 45 ulps, where the
// two roundings together need fewer than 10).
func (s *trSenSelector) order(v float64, dst []int32) []int32 {
	n := len(s.p.x)
	dst = dst[:0]
	for i := range n {
		dst = append(dst, int32(i))
	}
	x, y := s.p.x, s.p.y
	switch {
	case math.IsInf(v, -1): // the points are stored in (x, y) order
		return dst
	case math.IsInf(v, 1):
		slices.SortFunc(dst, func(a, b int32) int {
			if c := trCmp(x[b], x[a]); c != 0 {
				return c
			}
			if c := trCmp(y[a], y[b]); c != 0 {
				return c
			}
			return int(a - b)
		})
		return dst
	}
	// The values z = y − v·x decide most comparisons at the cost of a
	// subtraction; only pairs whose z differ by less than a bound on the
	// rounding of z and of the slope (their slope is within a few ulps of
	// v) go to the slope itself.
	s.z, s.m = s.z[:0], s.m[:0]
	av := math.Abs(v)
	for i := range n {
		s.z = append(s.z, y[i]-v*x[i])
		s.m = append(s.m, 1e-14*(math.Abs(y[i])+av*math.Abs(x[i])))
	}
	z, m := s.z, s.m
	slices.SortFunc(dst, func(a, b int32) int {
		if d := z[a] - z[b]; math.Abs(d) > m[a]+m[b] {
			if d < 0 {
				return -1
			}
			return 1
		}
		i, j, sign := a, b, 1
		if i > j {
			i, j, sign = b, a, -1
		}
		if i == j {
			return 0
		}
		// Equal x: parallel lines, i below j for good.
		if x[i] == x[j] || s.slope(i, j) > v {
			return -sign
		}
		return sign
	})
	return dst
}

// crossings counts the pairs whose relative order differs between orders
// a and b (the inversions of b's positions taken in a's order, by bottom-up
// merge sort) and calls emit for each of them when all is true, or for
// those whose 0-based index in the merge's enumeration is in the sorted
// list want. The pairs found when one element of the right run is merged
// are a contiguous run of the left one, so a wanted index is reached in
// O(1): sampling costs O(n log n + len(want)), listing O(n log n + count).
func (s *trSenSelector) crossings(a, b []int32, want []int64, all bool, emit func(i, j int32)) int64 {
	n := len(a)
	for k, i := range b {
		s.pos[i] = int32(k)
	}
	seq, buf := s.seq[:n], s.buf[:n]
	for k, i := range a {
		seq[k] = s.pos[i]
	}
	var count int64
	w := 0
	for width := 1; width < n; width *= 2 {
		for lo := 0; lo < n; lo += 2 * width {
			mid := min(lo+width, n)
			hi := min(lo+2*width, n)
			i, j, k := lo, mid, lo
			for i < mid && j < hi {
				if seq[i] < seq[j] {
					buf[k] = seq[i]
					i++
				} else {
					g := int64(mid - i)
					if all {
						for q := i; q < mid; q++ {
							emit(b[seq[q]], b[seq[j]])
						}
					} else {
						for w < len(want) && want[w] < count+g {
							emit(b[seq[i+int(want[w]-count)]], b[seq[j]])
							w++
						}
					}
					count += g
					buf[k] = seq[j]
					j++
				}
				k++
			}
			k += copy(buf[k:], seq[i:mid])
			copy(buf[k:], seq[j:hi])
		}
		seq, buf = buf, seq
	}
	return count
}

func (s *trSenSelector) slope(i, j int32) float64 {
	return (s.p.y[j] - s.p.y[i]) / (s.p.x[j] - s.p.x[i])
}

// rank returns the k-th smallest (1-based) slope.
func (s *trSenSelector) rank(k int64) float64 {
	s.lo, s.hi = math.Inf(-1), math.Inf(1)
	s.orderLo = append(s.orderLo[:0], s.ident...)
	s.orderHi = append(s.orderHi[:0], s.upper...)
	s.cLo, s.cHi = 0, s.pairs
	for range 200 {
		inside := s.cHi - s.cLo
		if inside <= s.listMax {
			s.listed = s.listed[:0]
			s.crossings(s.orderLo, s.orderHi, nil, true, func(i, j int32) {
				s.listed = append(s.listed, s.slope(i, j))
			})
			if r := int(k - s.cLo - 1); r >= 0 && r < len(s.listed) {
				return trSelect(s.listed, r)
			}
			return s.hi // rounding put the count off by a tie: hi is the value
		}
		// A sample of the slopes in (lo, hi], drawn by their merge index.
		s.sampleRanks = s.sampleRanks[:0]
		for range min(trSenSample, inside) {
			s.sampleRanks = append(s.sampleRanks, s.rng.Int64N(inside))
		}
		slices.Sort(s.sampleRanks)
		s.sample = s.sample[:0]
		s.crossings(s.orderLo, s.orderHi, s.sampleRanks, false, func(i, j int32) {
			s.sample = append(s.sample, s.slope(i, j))
		})
		slices.Sort(s.sample)
		f := float64(k-s.cLo) / float64(inside)
		m := float64(len(s.sample))
		d := 3*math.Sqrt(f*(1-f)*m) + 2
		moved := false
		for _, q := range []float64{math.Floor(f*m - d), math.Ceil(f*m + d)} {
			if v := s.sample[int(max(0, min(q, m-1)))]; v > s.lo && v < s.hi {
				s.narrow(v, k)
				moved = true
			}
		}
		if !moved {
			// Both quantiles sat on hi (a block of equal slopes, or a small
			// sample): narrow at the sampled slope inside the bracket that
			// is nearest the wanted fraction, so that the bracket still
			// shrinks by sampled slopes rather than by ulps.
			best := -1
			for i, v := range s.sample {
				if v > s.lo && v < s.hi && (best < 0 || math.Abs(float64(i)-f*m) < math.Abs(float64(best)-f*m)) {
					best = i
				}
			}
			if best >= 0 {
				s.narrow(s.sample[best], k)
				moved = true
			}
		}
		if !moved {
			// The sampled slopes sit on hi: is the wanted rank a slope equal to hi?
			v := math.Nextafter(s.hi, math.Inf(-1))
			if !(v > s.lo) {
				return s.hi
			}
			s.narrow(v, k)
			if s.lo == v { // no more than k−1 slopes below hi
				return s.hi
			}
		}
	}
	return s.hi // not reached in practice: the bracket shrinks geometrically
}

// narrow moves one end of the bracket to v by the count of slopes ≤ v.
func (s *trSenSelector) narrow(v float64, k int64) {
	s.scratch = s.order(v, s.scratch)
	c := s.crossings(s.ident, s.scratch, nil, false, nil)
	if c < k {
		s.lo, s.cLo = v, c
		s.orderLo, s.scratch = s.scratch, s.orderLo
	} else {
		s.hi, s.cHi = v, c
		s.orderHi, s.scratch = s.scratch, s.orderHi
	}
}

// Poisson and logistic regression by IRLS.

// trGLMData holds a regression on one covariate t. Each row stands for nObs
// observations sharing t (nil: one each) whose counts sum to y; for Poisson
// rows m is the total exposure (nil: 1 per observation) and y2 and ylogy
// the sums of y² and y·log y over the row's observations, which give the
// deviance and Pearson statistic at the level of single observations (nil:
// computed from y, one observation per row). For binomial rows y counts
// successes out of m trials.
type trGLMData struct {
	t, y, m, nObs, y2, ylogy []float64
	// x, when set, is a full design matrix (rows × p) used instead of (1, t).
	x *mat.Dense
}

type trFamily int

const (
	trPoissonFamily trFamily = iota
	trBinomialFamily
)

// trGLMFit is an IRLS fit.
type trGLMFit struct {
	beta         []float64
	cov          *mat.SymDense // inverse Fisher information
	deviance     float64
	nullDeviance float64
	pearson      float64
	nObs         float64
	df           int
	iterations   int
	converged    bool
}

func (d trGLMData) rows() int { return len(d.y) }

func (d trGLMData) design() *mat.Dense {
	if d.x != nil {
		return d.x
	}
	n := d.rows()
	x := mat.NewDense(n, 2, nil)
	for i := range n {
		x.Set(i, 0, 1)
		x.Set(i, 1, d.t[i])
	}
	return x
}

func (d trGLMData) mAt(i int) float64 {
	if d.m == nil {
		return 1
	}
	return d.m[i]
}

func (d trGLMData) obsAt(i int) float64 {
	if d.nObs == nil {
		return 1
	}
	return d.nObs[i]
}

// trFitGLM fits the family's canonical-link GLM by iteratively reweighted
// least squares, starting as R's glm.fit does.
func trFitGLM(d trGLMData, fam trFamily) (trGLMFit, error) {
	x := d.design()
	n, p := x.Dims()
	eta := make([]float64, n)
	mu := make([]float64, n)
	offset := make([]float64, n)
	for i := range n {
		switch fam {
		case trPoissonFamily:
			offset[i] = math.Log(d.mAt(i))
			mu[i] = d.y[i] + 0.1*d.mAt(i)/d.obsAt(i)
			eta[i] = math.Log(mu[i])
		case trBinomialFamily:
			m := d.mAt(i)
			pi := (d.y[i] + 0.5) / (m + 1)
			mu[i] = m * pi
			eta[i] = math.Log(pi / (1 - pi))
		}
	}
	fit := trGLMFit{beta: make([]float64, p)}
	for i := range n {
		fit.nObs += d.obsAt(i)
	}
	fit.df = int(math.Round(fit.nObs)) - p
	xtwx := mat.NewSymDense(p, nil)
	xtwz := mat.NewVecDense(p, nil)
	w := make([]float64, n)
	zv := make([]float64, n)
	devOld := math.Inf(1)
	var chol mat.Cholesky
	for it := 1; it <= 100; it++ {
		fit.iterations = it
		for i := range n {
			switch fam {
			case trPoissonFamily:
				w[i] = mu[i]
				zv[i] = eta[i] - offset[i] + (d.y[i]-mu[i])/mu[i]
			case trBinomialFamily:
				m := d.mAt(i)
				pi := mu[i] / m
				w[i] = m * pi * (1 - pi)
				zv[i] = eta[i] + (d.y[i]-mu[i])/w[i]
			}
			if !(w[i] > 1e-300) || math.IsInf(zv[i], 0) || math.IsNaN(zv[i]) {
				w[i], zv[i] = 0, 0
			}
		}
		trXtWX(x, w, xtwx)
		for j := range p {
			s := 0.0
			for i := range n {
				s += x.At(i, j) * w[i] * zv[i]
			}
			xtwz.SetVec(j, s)
		}
		if ok := chol.Factorize(xtwx); !ok {
			return fit, fmt.Errorf("%w: the regression's information matrix is singular (all times equal, or no events?)", ErrTrendInput)
		}
		var b mat.VecDense
		if err := chol.SolveVecTo(&b, xtwz); err != nil {
			return fit, fmt.Errorf("%w: solve the regression's normal equations: %v", ErrTrendInput, err)
		}
		for j := range p {
			fit.beta[j] = b.AtVec(j)
		}
		for i := range n {
			s := 0.0
			for j := range p {
				s += x.At(i, j) * fit.beta[j]
			}
			switch fam {
			case trPoissonFamily:
				eta[i] = s + offset[i]
				mu[i] = math.Exp(eta[i])
			case trBinomialFamily:
				eta[i] = s
				mu[i] = d.mAt(i) / (1 + math.Exp(-s))
			}
		}
		dev := trDeviance(d, fam, mu)
		if math.Abs(dev-devOld)/(math.Abs(dev)+0.1) < 1e-10 {
			fit.converged = true
			break
		}
		devOld = dev
	}
	for _, b := range fit.beta {
		if math.IsNaN(b) || math.Abs(b) > 1e6 {
			fit.converged = false
		}
	}
	// The covariance at the final estimates.
	for i := range n {
		switch fam {
		case trPoissonFamily:
			w[i] = mu[i]
		case trBinomialFamily:
			pi := mu[i] / d.mAt(i)
			w[i] = d.mAt(i) * pi * (1 - pi)
		}
	}
	trXtWX(x, w, xtwx)
	if ok := chol.Factorize(xtwx); !ok {
		fit.converged = false
		fit.cov = mat.NewSymDense(p, nil)
		for j := range p {
			fit.cov.SetSym(j, j, math.NaN())
		}
	} else {
		fit.cov = mat.NewSymDense(p, nil)
		if err := chol.InverseTo(fit.cov); err != nil {
			fit.converged = false
		}
	}
	fit.deviance = trDeviance(d, fam, mu)
	fit.pearson = trPearson(d, fam, mu)
	null := make([]float64, n)
	sy, sm := 0.0, 0.0
	for i := range n {
		sy += d.y[i]
		sm += d.mAt(i)
	}
	for i := range n {
		null[i] = d.mAt(i) * sy / sm
	}
	fit.nullDeviance = trDeviance(d, fam, null)
	return fit, nil
}

func trXtWX(x *mat.Dense, w []float64, dst *mat.SymDense) {
	n, p := x.Dims()
	for a := range p {
		for b := a; b < p; b++ {
			s := 0.0
			for i := range n {
				s += x.At(i, a) * w[i] * x.At(i, b)
			}
			dst.SetSym(a, b, s)
		}
	}
}

// trDeviance is the deviance of fitted row means mu, at the level of single
// observations for grouped Poisson rows.
func trDeviance(d trGLMData, fam trFamily, mu []float64) float64 {
	dev := 0.0
	for i := range d.y {
		y := d.y[i]
		switch fam {
		case trPoissonFamily:
			k := d.obsAt(i)
			m := mu[i] / k         // the mean of one observation
			ylogy := y * trLog0(y) // one observation per row unless told
			if d.ylogy != nil {
				ylogy = d.ylogy[i]
			}
			if m <= 0 {
				if y > 0 {
					return math.Inf(1)
				}
				continue
			}
			dev += 2 * (ylogy - y*math.Log(m) - y + k*m)
		case trBinomialFamily:
			m := d.mAt(i)
			pi := mu[i] / m
			if y > 0 {
				dev += 2 * y * math.Log(y/(m*pi))
			}
			if m-y > 0 {
				dev += 2 * (m - y) * math.Log((m-y)/(m*(1-pi)))
			}
		}
	}
	return dev
}

// trPearson is the Pearson χ² statistic of fitted row means mu.
func trPearson(d trGLMData, fam trFamily, mu []float64) float64 {
	x2 := 0.0
	for i := range d.y {
		y := d.y[i]
		switch fam {
		case trPoissonFamily:
			k := d.obsAt(i)
			m := mu[i] / k
			y2 := y * y
			if d.y2 != nil {
				y2 = d.y2[i]
			}
			if m > 0 {
				x2 += (y2 - 2*m*y + k*m*m) / m
			}
		case trBinomialFamily:
			m := d.mAt(i)
			pi := mu[i] / m
			if v := m * pi * (1 - pi); v > 0 {
				x2 += (y - mu[i]) * (y - mu[i]) / v
			}
		}
	}
	return x2
}

func trLog0(v float64) float64 {
	if v <= 0 {
		return 0
	}
	return math.Log(v)
}

// trPoissonTrend fits the one-covariate Poisson regression and derives the
// rate ratio, the overdispersion check and the quasi-Poisson adjustment.
func trPoissonTrend(d trGLMData) (PoissonResult, error) {
	total := 0.0
	for _, y := range d.y {
		total += y
	}
	res := PoissonResult{N: d.rows(), Total: total}
	if total == 0 {
		return res, fmt.Errorf("%w: all %d counts are zero, so no rate can be estimated", ErrTrendInput, d.rows())
	}
	// Centre t: same slope, better conditioning; the intercept is moved back.
	tc := 0.0
	wsum := 0.0
	for i, t := range d.t {
		tc += t * d.mAt(i)
		wsum += d.mAt(i)
	}
	tc /= wsum
	shifted := d
	shifted.t = make([]float64, len(d.t))
	for i, t := range d.t {
		shifted.t[i] = t - tc
	}
	fit, err := trFitGLM(shifted, trPoissonFamily)
	if err != nil {
		return res, err
	}
	res.Slope = fit.beta[1]
	res.Intercept = fit.beta[0] - fit.beta[1]*tc
	res.SEPoisson = math.Sqrt(fit.cov.At(1, 1))
	res.Deviance, res.NullDeviance, res.DF = fit.deviance, fit.nullDeviance, fit.df
	res.Pearson = fit.pearson
	res.Converged, res.Iterations = fit.converged, fit.iterations
	zp := res.Slope / res.SEPoisson
	res.PPoisson = 2 * distuv.UnitNormal.Survival(math.Abs(zp))
	res.SE, res.Z, res.P = res.SEPoisson, zp, res.PPoisson
	crit := distuv.UnitNormal.Quantile(1 - (1-trLevel)/2)
	if res.DF > 0 {
		res.Dispersion = res.Pearson / float64(res.DF)
		res.DispersionP = distuv.ChiSquared{K: float64(res.DF)}.Survival(res.Pearson)
		if res.Dispersion > 1 && res.DispersionP < 0.05 {
			res.Overdispersed = true
			res.SE = res.SEPoisson * math.Sqrt(res.Dispersion)
			res.Z = res.Slope / res.SE
			st := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(res.DF)}
			res.P = 2 * st.Survival(math.Abs(res.Z))
			crit = st.Quantile(1 - (1-trLevel)/2)
		}
	} else {
		res.Dispersion, res.DispersionP = math.NaN(), math.NaN()
	}
	res.RateRatio = math.Exp(res.Slope)
	res.RateRatioLower = math.Exp(res.Slope - crit*res.SE)
	res.RateRatioUpper = math.Exp(res.Slope + crit*res.SE)
	if !res.Converged {
		return res, fmt.Errorf("%w: the Poisson regression did not converge", ErrTrendInput)
	}
	return res, nil
}

// Formatting shared by the sentences of tempo, severity and change points.

// trFormatP formats a p-value for people.
func trFormatP(p float64) string {
	switch {
	case math.IsNaN(p):
		return "p not available"
	case p < 0.001:
		return "p < 0.001"
	case p < 0.01:
		return "p = " + strconv.FormatFloat(p, 'f', 3, 64)
	case p < 0.1:
		// Three decimals near the 5% line, and never a rounded "0.050"
		// for a p-value below it.
		s := strconv.FormatFloat(p, 'f', 3, 64)
		if p < 0.05 && s == "0.050" {
			s = "0.049"
		}
		return "p = " + s
	default:
		return "p = " + strconv.FormatFloat(p, 'f', 2, 64)
	}
}

// trFormatNum formats a number with about two significant figures, as
// people read them ("12", "0.53", "1,200" is not needed here).
func trFormatNum(x float64) string {
	a := math.Abs(x)
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return "n/a"
	case a == 0:
		return "0"
	case a >= 100:
		return strconv.FormatFloat(math.Round(x), 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case a >= 1:
		return strconv.FormatFloat(x, 'f', 1, 64)
	default:
		return strconv.FormatFloat(x, 'g', 2, 64)
	}
}

// trPercent formats a relative change factor as a percentage ("12%").
func trPercent(factor float64) string {
	return trFormatNum(math.Abs(factor-1)*100) + "%"
}

// JSON: results may hold NaN (a quantity that cannot be computed), which
// encoding/json refuses; such numbers are written as null.

// trNullSentinel stands in for a non-finite number while encoding/json runs;
// it is then replaced by null. No computation here produces it.
const trNullSentinel = -1.3579246801357924e-300

// trMarshal encodes v after replacing the non-finite values among fields
// (pointers into v) by null.
func trMarshal(v any, fields ...*float64) ([]byte, error) {
	null := false
	for _, f := range fields {
		if math.IsNaN(*f) || math.IsInf(*f, 0) {
			*f = trNullSentinel
			null = true
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("analyze: encode result: %w", err)
	}
	if null {
		sentinel, _ := json.Marshal(trNullSentinel)
		b = bytes.ReplaceAll(b, sentinel, []byte("null"))
	}
	return b, nil
}

// MarshalJSON writes non-finite numbers as null.
func (r MKResult) MarshalJSON() ([]byte, error) {
	type plain MKResult
	c := plain(r)
	return trMarshal(&c, &c.VarS, &c.Z, &c.P, &c.Tau)
}

// MarshalJSON writes non-finite numbers as null.
func (r SenResult) MarshalJSON() ([]byte, error) {
	type plain SenResult
	c := plain(r)
	return trMarshal(&c, &c.Slope, &c.Lower, &c.Upper, &c.Level, &c.Intercept)
}

// MarshalJSON writes non-finite numbers as null.
func (r PoissonResult) MarshalJSON() ([]byte, error) {
	type plain PoissonResult
	c := plain(r)
	return trMarshal(&c, &c.Total, &c.Intercept, &c.Slope, &c.SE, &c.Z, &c.P, &c.SEPoisson, &c.PPoisson,
		&c.RateRatio, &c.RateRatioLower, &c.RateRatioUpper, &c.Deviance, &c.NullDeviance,
		&c.Pearson, &c.Dispersion, &c.DispersionP)
}
