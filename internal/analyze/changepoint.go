package analyze

// Change points in monthly incident counts and monthly fatalities, by two
// documented methods, plus two published early-warning rules.
//
// Bayesian change points (Adams & MacKay 2007). The series is a sequence of
// regimes; a new regime starts in any month with the constant probability
// H (the hazard, 1/24 by default: a regime lasts two years on average a
// priori), and each regime has its own level drawn from a conjugate prior:
//
//   - counts: Poisson with a Gamma prior on the monthly rate (shape 1, mean
//     the series' mean rate), each month weighted by its exposure (the
//     share of the month inside the window). Monthly counts of violence are
//     usually overdispersed, which a plain Poisson model reads as constant
//     regime changes; the likelihood is therefore tempered by the
//     dispersion φ ≥ 1 estimated from first differences
//     (φ = mean((xₜ₊₁ − xₜ)²) / (2·mean x), since Var(xₜ₊₁ − xₜ) = 2λ within
//     a Poisson regime; a level shift adds only one large difference), i.e.
//     the likelihood is raised to the power 1/φ, the quasi-likelihood
//     device that keeps the Gamma prior conjugate;
//   - fatalities: their monthly sums are far too heavy-tailed for any count
//     model, so log(1 + fatalities per full month) is modelled as Gaussian
//     with a Normal–Gamma prior on its mean and precision (mean: the
//     series' mean, κ₀ = 0.1; precision: α₀ = 2 and β₀ = σ̂², so that the
//     prior mean variance is σ̂², the robust within-regime variance from the
//     median absolute deviation of first differences, at least 0.01).
//
// The run-length recursion of Adams & MacKay gives, for each month t, the
// online posterior of the time since the last change given the data up to
// t (OnlineChangeProb is its mass at 0, MAPRunLength its mode). The change
// points reported are read from the smoothed posterior, the probability
// that a new regime starts in month s given the whole series, computed
// exactly by the forward–backward recursions for this product-partition
// model (Fearnhead 2006) in O(T²) for T months: a change is reported at a
// month whose probability is the largest within two months either side
// and where the probabilities within those ±2 months add up to at least
// the threshold (0.5 by default), that sum being the expected number of
// changes there (read as the probability of a change, capped at 1).
//
// PELT (Killick, Fearnhead & Eckley 2012), exact penalised segmentation:
// the cost of a segment is −2 log-likelihood at its maximum (Poisson with
// exposure for counts, scaled by 1/φ as above; Gaussian with the robust σ̂
// for log1p fatalities), and each change costs a penalty of 2·ln T, the
// BIC/SIC penalty for one parameter (the level) plus one location per
// change — R changepoint's "BIC" for a one-parameter model, (p + 1)·ln n.
// Each change is reported with the cost it saves: the cost of the merged
// neighbouring segments minus the cost of the two (to compare with the
// penalty).
//
// Surges follow ACLED's Subnational Threat Tracker: a month is a surge when
// its value is at least 100% above the average of the previous 12 months
// (SurgeWindow), and the rule applies only where that average is at least
// 1 (SurgeFloor; ACLED requires a baseline of at least one event). The
// highs follow HDX Signals' ACLED indicator: the last month is flagged when
// it is higher than every one of the previous 12 (1 year) or 36 months (3
// years), and, for fatalities, at least 100 (HDX's minimum; 1 for counts).

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/vigil-project/vigil/internal/model"
)

// ChangeOptions tunes ChangePoints. The zero value is the documented default.
type ChangeOptions struct {
	// Start and End bound the window; zero means the first (last) incident.
	Start, End model.Date
	// Hazard is the prior probability that a new regime starts in a given
	// month; 0 means 1/24.
	Hazard float64
	// Threshold is the posterior probability (within ±2 months) above which
	// a Bayesian change is reported; 0 means 0.5.
	Threshold float64
	// MinSegment is PELT's shortest regime in months; 0 means 2.
	MinSegment int
	// SurgeWindow is the number of previous months in the surge baseline;
	// 0 means 12. SurgeFloor is the smallest baseline mean for which a
	// surge is flagged; 0 means 1.
	SurgeWindow int
	SurgeFloor  float64
	// HighFloorCount and HighFloorFatalities are the smallest values of the
	// last month that can be flagged as a 1- or 3-year high; 0 means 1 and
	// 100.
	HighFloorCount      float64
	HighFloorFatalities float64
}

// ChangeMaxMonths is the longest series ChangePoints accepts: the Bayesian
// recursions are quadratic in the number of months.
const ChangeMaxMonths = 6000

// Models of ChangeSeries.Model.
const (
	ChangeModelPoissonGamma  = "poisson_gamma"
	ChangeModelGaussianLog1p = "gaussian_log1p"
)

// ChangePoint is one change of regime: Month is the first month of the new
// regime. Before and After are the mean values per full month of the
// regimes on either side (between the neighbouring changes of the same
// method).
type ChangePoint struct {
	Month string `json:"month"`
	// Bayesian: the posterior probability that the new regime starts in
	// Month, the expected number of changes within two months of it (capped
	// at 1), and the first month at which the online run-length posterior's
	// mode pointed to a regime starting within a month of Month ("" when
	// it never did).
	Probability       float64 `json:"probability,omitempty"`
	WindowProbability float64 `json:"window_probability,omitempty"`
	DetectedMonth     string  `json:"detected_month,omitempty"`
	// PELT: the cost saved by splitting here.
	CostReduction float64 `json:"cost_reduction,omitempty"`
	Before        float64 `json:"before"`
	After         float64 `json:"after"`
}

// Surge is a month at least twice the average of the previous months.
type Surge struct {
	Month    string  `json:"month"`
	Value    float64 `json:"value"`
	Baseline float64 `json:"baseline"`
}

// LastMonth holds the early-warning flags of the most recent month.
type LastMonth struct {
	Month string  `json:"month"`
	Value float64 `json:"value"`
	// Partial is true when the month is not wholly inside the window (its
	// value then covers fewer days).
	Partial  bool    `json:"partial"`
	Baseline float64 `json:"baseline"`
	Surge    bool    `json:"surge"`
	// HighestIn1Year and HighestIn3Years are evaluated only when the
	// window holds that much history before the month (Evaluated…).
	HighestIn1Year  bool `json:"highest_in_1_year"`
	HighestIn3Years bool `json:"highest_in_3_years"`
	Evaluated1Year  bool `json:"evaluated_1_year"`
	Evaluated3Years bool `json:"evaluated_3_years"`
}

// ChangeSeries is the change-point analysis of one monthly series.
type ChangeSeries struct {
	Measure string    `json:"measure"`
	Model   string    `json:"model"`
	Values  []float64 `json:"values"`
	Hazard  float64   `json:"hazard"`
	// Dispersion is φ for counts and σ̂ (of log1p fatalities) for fatalities.
	Dispersion float64 `json:"dispersion"`
	// ChangeProb is the smoothed probability that a new regime starts in
	// each month; OnlineChangeProb and MAPRunLength come from the online
	// run-length posterior (data up to that month only).
	ChangeProb       []float64     `json:"change_prob"`
	OnlineChangeProb []float64     `json:"online_change_prob"`
	MAPRunLength     []int         `json:"map_run_length"`
	Bayes            []ChangePoint `json:"bayes"`
	PELT             []ChangePoint `json:"pelt"`
	PELTPenalty      float64       `json:"pelt_penalty"`
	Surges           []Surge       `json:"surges"`
	Last             LastMonth     `json:"last"`

	months []string
}

// ChangeResult is the change-point analysis of a selection.
type ChangeResult struct {
	N      int        `json:"n"`
	Start  model.Date `json:"start"`
	End    model.Date `json:"end"`
	Months []string   `json:"months"`
	// UnknownFatalities counts incidents without a killed figure; they add
	// nothing to the monthly fatalities.
	UnknownFatalities int          `json:"unknown_fatalities"`
	Counts            ChangeSeries `json:"counts"`
	Fatalities        ChangeSeries `json:"fatalities"`
}

// ChangePoints builds the monthly counts and fatalities (sum of the best
// killed figures) of the incidents and looks for changes of regime in both.
func ChangePoints(items []SeverityItem, opts ChangeOptions) (ChangeResult, error) {
	if len(items) == 0 {
		return ChangeResult{}, fmt.Errorf("%w: no incidents", ErrTrendInput)
	}
	days := make([]int, len(items))
	for i, it := range items {
		d, err := tpDayNumber(it.Date)
		if err != nil {
			return ChangeResult{}, fmt.Errorf("%w: incident %d: %v", ErrTrendInput, i, err)
		}
		days[i] = d
	}
	sorted := slices.Clone(days)
	tpSortInts(sorted)
	w0, w1 := sorted[0], sorted[len(sorted)-1]
	if !opts.Start.IsZero() || !opts.End.IsZero() {
		var err error
		if w0, w1, err = tpWindow(sorted, opts.Start, opts.End); err != nil {
			return ChangeResult{}, err
		}
	}
	m0, m1 := tpMonthIndex(w0), tpMonthIndex(w1)
	if m1-m0+1 > ChangeMaxMonths {
		return ChangeResult{}, fmt.Errorf("%w: %d months, at most %d", ErrTrendInput, m1-m0+1, ChangeMaxMonths)
	}
	t := m1 - m0 + 1
	counts, fat, exposure := make([]float64, t), make([]float64, t), make([]float64, t)
	for m := range t {
		a, b := tpMonthBounds(m0 + m)
		exposure[m] = float64(min(b, w1)-max(a, w0)+1) / float64(b-a+1)
	}
	res := ChangeResult{N: len(items), Start: tpDate(w0), End: tpDate(w1)}
	for i, it := range items {
		m := tpMonthIndex(days[i]) - m0
		counts[m]++
		if it.Killed == nil || it.Killed.Best < 0 {
			res.UnknownFatalities++
			continue
		}
		fat[m] += float64(it.Killed.Best)
	}
	return cpAnalyse(res, m0, counts, fat, exposure, opts)
}

// ChangePointsMonthly analyses given monthly series: counts and fatalities
// (either may be nil) for consecutive whole months from the month of
// first. It serves series built elsewhere (another source's monthly
// tables, a published series to reproduce).
func ChangePointsMonthly(first model.Date, counts, fatalities []float64, opts ChangeOptions) (ChangeResult, error) {
	d, err := tpDayNumber(first)
	if err != nil {
		return ChangeResult{}, fmt.Errorf("%w: first month: %v", ErrTrendInput, err)
	}
	t := max(len(counts), len(fatalities))
	if (counts != nil && len(counts) != t) || (fatalities != nil && len(fatalities) != t) {
		return ChangeResult{}, fmt.Errorf("%w: %d monthly counts but %d monthly fatalities", ErrTrendInput, len(counts), len(fatalities))
	}
	if t > ChangeMaxMonths {
		return ChangeResult{}, fmt.Errorf("%w: %d months, at most %d", ErrTrendInput, t, ChangeMaxMonths)
	}
	for _, s := range [][]float64{counts, fatalities} {
		for i, v := range s {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return ChangeResult{}, fmt.Errorf("%w: month %d has value %v", ErrTrendInput, i, v)
			}
		}
	}
	m0 := tpMonthIndex(d)
	a, _ := tpMonthBounds(m0)
	_, b := tpMonthBounds(m0 + max(t, 1) - 1)
	res := ChangeResult{Start: tpDate(a), End: tpDate(b)}
	for _, c := range counts {
		res.N += int(c)
	}
	exposure := make([]float64, t)
	for i := range exposure {
		exposure[i] = 1
	}
	return cpAnalyse(res, m0, counts, fatalities, exposure, opts)
}

// cpMinMonths is the shortest series analysed.
const cpMinMonths = 3

func cpAnalyse(res ChangeResult, m0 int, counts, fat, exposure []float64, opts ChangeOptions) (ChangeResult, error) {
	t := len(exposure)
	if t < cpMinMonths {
		return res, fmt.Errorf("%w: %d months, need at least %d for change points", ErrTrendInput, t, cpMinMonths)
	}
	if opts.Hazard == 0 {
		opts.Hazard = 1.0 / 24
	}
	if !(opts.Hazard > 0 && opts.Hazard < 1) {
		return res, fmt.Errorf("%w: hazard %v is not in (0, 1)", ErrTrendInput, opts.Hazard)
	}
	if opts.Threshold == 0 {
		opts.Threshold = 0.5
	}
	if !(opts.Threshold > 0 && opts.Threshold <= 1) {
		return res, fmt.Errorf("%w: threshold %v is not in (0, 1]", ErrTrendInput, opts.Threshold)
	}
	if opts.MinSegment <= 0 {
		opts.MinSegment = 2
	}
	if opts.SurgeWindow <= 0 {
		opts.SurgeWindow = 12
	}
	if opts.SurgeFloor == 0 {
		opts.SurgeFloor = 1
	}
	if opts.HighFloorCount == 0 {
		opts.HighFloorCount = 1
	}
	if opts.HighFloorFatalities == 0 {
		opts.HighFloorFatalities = 100
	}
	res.Months = make([]string, t)
	for i := range t {
		res.Months[i] = tpMonthLabel(m0 + i)
	}
	if counts != nil {
		res.Counts = cpRun("incidents", ChangeModelPoissonGamma, counts, exposure, res.Months, opts, opts.HighFloorCount)
	}
	if fat != nil {
		res.Fatalities = cpRun("killed", ChangeModelGaussianLog1p, fat, exposure, res.Months, opts, opts.HighFloorFatalities)
	}
	return res, nil
}

// cpSegmenter scores segments [a, b] (inclusive) of a series.
type cpSegmenter interface {
	// logML is the log marginal likelihood of one regime over [a, b],
	// up to a constant shared by every segmentation.
	logML(a, b int) float64
	// cost is −2 × the maximised log-likelihood of one regime over [a, b],
	// up to a shared constant.
	cost(a, b int) float64
	// level is the regime's mean value per full month.
	level(a, b int) float64
}

func cpRun(measure, modelName string, values, exposure []float64, months []string, opts ChangeOptions, highFloor float64) ChangeSeries {
	t := len(values)
	cs := ChangeSeries{Measure: measure, Model: modelName, Values: values, Hazard: opts.Hazard, months: months,
		Bayes: []ChangePoint{}, PELT: []ChangePoint{}, Surges: []Surge{}}
	var seg cpSegmenter
	if modelName == ChangeModelPoissonGamma {
		p := newCPPoisson(values, exposure)
		cs.Dispersion, seg = p.phi, p
	} else {
		g := newCPGauss(values, exposure)
		cs.Dispersion, seg = g.sigma, g
	}
	prob, online, runMAP := cpBayes(seg, t, opts.Hazard)
	cs.ChangeProb, cs.OnlineChangeProb, cs.MAPRunLength = prob, online, runMAP
	var starts []int
	for s := 1; s < t; s++ {
		lo, hi := max(1, s-2), min(t-1, s+2)
		mass, top := 0.0, true
		for u := lo; u <= hi; u++ {
			mass += prob[u]
			if prob[u] > prob[s] || (prob[u] == prob[s] && u < s) {
				top = false
			}
		}
		if top && mass >= opts.Threshold {
			starts = append(starts, s)
			cp := ChangePoint{Month: months[s], Probability: prob[s], WindowProbability: math.Min(1, mass)}
			for d := s; d < t; d++ {
				if st := d - runMAP[d]; st >= s-1 && st <= s+1 {
					cp.DetectedMonth = months[d]
					break
				}
			}
			cs.Bayes = append(cs.Bayes, cp)
		}
	}
	cpLevels(cs.Bayes, starts, seg, t)

	cs.PELTPenalty = 2 * math.Log(float64(t))
	pelt := cpPELT(seg, t, cs.PELTPenalty, opts.MinSegment)
	bounds := append(append([]int{0}, pelt...), t)
	for k, s := range pelt {
		a, b := bounds[k], bounds[k+2]
		cs.PELT = append(cs.PELT, ChangePoint{Month: months[s],
			CostReduction: seg.cost(a, b-1) - seg.cost(a, s-1) - seg.cost(s, b-1)})
	}
	cpLevels(cs.PELT, pelt, seg, t)

	w := opts.SurgeWindow
	for i := w; i < t; i++ {
		base := 0.0
		for _, v := range values[i-w : i] {
			base += v
		}
		base /= float64(w)
		if base >= opts.SurgeFloor && values[i] >= 2*base {
			cs.Surges = append(cs.Surges, Surge{Month: months[i], Value: values[i], Baseline: base})
		}
	}
	last := t - 1
	lm := LastMonth{Month: months[last], Value: values[last], Partial: exposure[last] < 1}
	if last >= w {
		for _, v := range values[last-w : last] {
			lm.Baseline += v
		}
		lm.Baseline /= float64(w)
		lm.Surge = lm.Baseline >= opts.SurgeFloor && values[last] >= 2*lm.Baseline
	}
	for _, h := range []struct {
		months          int
		evaluated, high *bool
	}{{12, &lm.Evaluated1Year, &lm.HighestIn1Year}, {36, &lm.Evaluated3Years, &lm.HighestIn3Years}} {
		if last >= h.months {
			*h.evaluated = true
			*h.high = values[last] >= highFloor && values[last] > slices.Max(values[last-h.months:last])
		}
	}
	cs.Last = lm
	return cs
}

// cpLevels fills Before and After from the regimes between the changes.
func cpLevels(cps []ChangePoint, starts []int, seg cpSegmenter, t int) {
	bounds := append(append([]int{0}, starts...), t)
	for k := range cps {
		cps[k].Before = seg.level(bounds[k], bounds[k+1]-1)
		cps[k].After = seg.level(bounds[k+1], bounds[k+2]-1)
	}
}

// cpBayes returns the smoothed change probabilities, the online P(run
// length 0) and the online MAP run length of each month.
func cpBayes(seg cpSegmenter, t int, hazard float64) (prob, online []float64, runMAP []int) {
	lh, l1h := math.Log(hazard), math.Log1p(-hazard)
	// fwd[s]: log P(x₀…x_{s−1}, a regime starts at s).
	fwd := make([]float64, t+1)
	terms := make([]float64, 0, t)
	online = make([]float64, t)
	runMAP = make([]int, t)
	for s := 1; s <= t; s++ {
		terms = terms[:0]
		for r := range s {
			terms = append(terms, fwd[r]+seg.logML(r, s-1)+float64(s-1-r)*l1h)
		}
		// The online run-length posterior at month s−1: the regime started
		// at r and has run s−1−r months since.
		norm := cpLogSumExp(terms)
		bestR := 0
		for r, v := range terms {
			if v > terms[bestR] {
				bestR = r
			}
		}
		online[s-1] = math.Exp(terms[s-1] - norm)
		runMAP[s-1] = s - 1 - bestR
		if s < t {
			fwd[s] = norm + lh
		} else {
			fwd[s] = norm // the evidence P(x)
		}
	}
	evidence := fwd[t]
	// bwd[s]: log P(x_s…x_{T−1} | a regime starts at s).
	bwd := make([]float64, t+1)
	for s := t - 1; s >= 0; s-- {
		terms = terms[:0]
		for e := s; e < t; e++ {
			v := seg.logML(s, e) + float64(e-s)*l1h
			if e < t-1 {
				v += lh + bwd[e+1]
			}
			terms = append(terms, v)
		}
		bwd[s] = cpLogSumExp(terms)
	}
	prob = make([]float64, t)
	for s := 1; s < t; s++ {
		prob[s] = math.Min(1, math.Exp(fwd[s]+bwd[s]-evidence))
	}
	return prob, online, runMAP
}

func cpLogSumExp(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, x)
	}
	if math.IsInf(m, -1) {
		return m
	}
	s := 0.0
	for _, x := range v {
		s += math.Exp(x - m)
	}
	return m + math.Log(s)
}

// cpPELT returns the starts of the regimes after the first, minimising the
// total cost plus penalty per change (Killick et al. 2012, with pruning).
func cpPELT(seg cpSegmenter, t int, penalty float64, minSeg int) []int {
	f := make([]float64, t+1)
	last := make([]int, t+1)
	f[0] = -penalty
	cand := []int{0}
	for e := 1; e <= t; e++ {
		f[e] = math.Inf(1)
		for _, s := range cand {
			if e-s < minSeg {
				continue
			}
			if v := f[s] + seg.cost(s, e-1) + penalty; v < f[e] {
				f[e], last[e] = v, s
			}
		}
		if e < minSeg && e < t {
			continue
		}
		kept := cand[:0]
		for _, s := range cand {
			if e-s < minSeg || f[s]+seg.cost(s, e-1) <= f[e] {
				kept = append(kept, s)
			}
		}
		cand = append(kept, e)
	}
	if math.IsInf(f[t], 1) { // shorter than one minimum segment
		return nil
	}
	var starts []int
	for e := t; last[e] > 0; e = last[e] {
		starts = append(starts, last[e])
	}
	slices.Reverse(starts)
	return starts
}

// cpPoisson is the tempered Poisson–Gamma model of monthly counts.
type cpPoisson struct {
	sx, se   []float64 // prefix sums of counts and exposure
	a0, b0   float64
	phi      float64
	constant float64
}

func newCPPoisson(x, e []float64) *cpPoisson {
	t := len(x)
	p := &cpPoisson{sx: make([]float64, t+1), se: make([]float64, t+1)}
	for i := range t {
		p.sx[i+1] = p.sx[i] + x[i]
		p.se[i+1] = p.se[i] + e[i]
	}
	mean := p.sx[t] / p.se[t]
	d2 := 0.0
	for i := 1; i < t; i++ {
		d2 += (x[i] - x[i-1]) * (x[i] - x[i-1])
	}
	p.phi = 1
	if t > 1 && mean > 0 {
		p.phi = math.Max(1, d2/float64(t-1)/(2*mean))
	}
	p.a0 = 1
	p.b0 = p.a0 / math.Max(mean, 1e-9)
	lg, _ := math.Lgamma(p.a0)
	p.constant = p.a0*math.Log(p.b0) - lg
	return p
}

func (p *cpPoisson) logML(a, b int) float64 {
	sx := (p.sx[b+1] - p.sx[a]) / p.phi
	se := (p.se[b+1] - p.se[a]) / p.phi
	lg, _ := math.Lgamma(p.a0 + sx)
	return p.constant + lg - (p.a0+sx)*math.Log(p.b0+se)
}

func (p *cpPoisson) cost(a, b int) float64 {
	s, e := p.sx[b+1]-p.sx[a], p.se[b+1]-p.se[a]
	if s <= 0 {
		return 0
	}
	return 2 * (s - s*math.Log(s/e)) / p.phi
}

func (p *cpPoisson) level(a, b int) float64 {
	return (p.sx[b+1] - p.sx[a]) / (p.se[b+1] - p.se[a])
}

// cpGauss is the Normal–Gamma model of log(1 + value per full month).
type cpGauss struct {
	s1, s2, sv []float64 // prefix sums of v, v² and of value per full month
	mu0, k0    float64
	a0, b0     float64
	sigma      float64
	constant   float64
}

func newCPGauss(x, e []float64) *cpGauss {
	t := len(x)
	g := &cpGauss{s1: make([]float64, t+1), s2: make([]float64, t+1), sv: make([]float64, t+1), k0: 0.1, a0: 2}
	v := make([]float64, t)
	for i := range t {
		v[i] = math.Log1p(x[i] / e[i])
		g.s1[i+1] = g.s1[i] + v[i]
		g.s2[i+1] = g.s2[i] + v[i]*v[i]
		g.sv[i+1] = g.sv[i] + x[i]/e[i]
	}
	g.mu0 = g.s1[t] / float64(t)
	// Robust within-regime spread: MAD of first differences / √2.
	g.sigma = 0.1
	if t > 2 {
		d := make([]float64, t-1)
		for i := 1; i < t; i++ {
			d[i-1] = v[i] - v[i-1]
		}
		med := tpMedian(d)
		for i := range d {
			d[i] = math.Abs(d[i] - med)
		}
		g.sigma = math.Max(0.1, 1.4826*tpMedian(d)/math.Sqrt2)
	}
	g.b0 = g.sigma * g.sigma
	lg, _ := math.Lgamma(g.a0)
	g.constant = -lg + g.a0*math.Log(g.b0)
	return g
}

func (g *cpGauss) logML(a, b int) float64 {
	n := float64(b - a + 1)
	s1 := g.s1[b+1] - g.s1[a]
	mean := s1 / n
	ss := math.Max(0, g.s2[b+1]-g.s2[a]-n*mean*mean)
	kn := g.k0 + n
	an := g.a0 + n/2
	bn := g.b0 + ss/2 + g.k0*n*(mean-g.mu0)*(mean-g.mu0)/(2*kn)
	lg, _ := math.Lgamma(an)
	return g.constant + lg - an*math.Log(bn) + 0.5*math.Log(g.k0/kn) - n/2*math.Log(2*math.Pi)
}

func (g *cpGauss) cost(a, b int) float64 {
	n := float64(b - a + 1)
	s1 := g.s1[b+1] - g.s1[a]
	return math.Max(0, g.s2[b+1]-g.s2[a]-s1*s1/n) / (g.sigma * g.sigma)
}

func (g *cpGauss) level(a, b int) float64 {
	return (g.sv[b+1] - g.sv[a]) / float64(b-a+1)
}

// Sentences returns one sentence for the counts and one for the fatalities.
func (r ChangeResult) Sentences() []string {
	var out []string
	for _, s := range []ChangeSeries{r.Counts, r.Fatalities} {
		if s.Measure != "" {
			out = append(out, s.Sentence())
		}
	}
	return out
}

// Sentence joins Sentences into one paragraph.
func (r ChangeResult) Sentence() string { return strings.Join(r.Sentences(), " ") }

// Sentence says in one sentence, for a reader who is not a statistician,
// when the monthly level changed, whether the two methods agree, and
// whether the last month raises an early-warning flag.
func (s ChangeSeries) Sentence() string {
	what := "monthly number of incidents"
	unit := "incidents"
	if s.Measure == "killed" {
		what, unit = "monthly number of people killed", "killed"
	}
	t := len(s.Values)
	n := fmt.Sprintf("%d months", t)
	if t > 0 {
		n = fmt.Sprintf("%d months, %s to %s", t, s.months[0], s.months[t-1])
	}
	var b strings.Builder
	if len(s.Bayes) == 0 {
		fmt.Fprintf(&b, "No change in the %s stands out (Bayesian change-point detection, %s", what, n)
		if len(s.PELT) > 0 {
			fmt.Fprintf(&b, "; PELT alone splits it at %s", cpJoinMonths(s.PELT))
		}
		b.WriteString(")")
	} else {
		var parts []string
		shown := s.Bayes
		if len(shown) > 3 {
			shown = shown[len(shown)-3:]
		}
		for _, c := range shown {
			dir := "rose"
			if c.After < c.Before {
				dir = "fell"
			}
			parts = append(parts, fmt.Sprintf("%s in %s from about %s to %s a month (probability %s)",
				dir, c.Month, trFormatNum(c.Before), trFormatNum(c.After), cpProb(c.WindowProbability)))
		}
		more := ""
		if len(s.Bayes) > len(shown) {
			more = fmt.Sprintf(" (the last %d of %d changes)", len(shown), len(s.Bayes))
		}
		fmt.Fprintf(&b, "The %s %s%s", what, strings.Join(parts, ", then "), more)
		agree := 0
		for _, c := range s.Bayes {
			for _, p := range s.PELT {
				if cpMonthsApart(c.Month, p.Month) <= 2 {
					agree++
					break
				}
			}
		}
		switch {
		case agree == len(s.Bayes) && len(s.PELT) == len(s.Bayes):
			fmt.Fprintf(&b, "; PELT finds the same change%s (%s)", cpPlural(len(s.PELT)), n)
		case len(s.PELT) == 0:
			fmt.Fprintf(&b, "; PELT finds no change, so treat it with caution (%s)", n)
		default:
			fmt.Fprintf(&b, "; PELT splits it at %s (%s)", cpJoinMonths(s.PELT), n)
		}
	}
	var flags []string
	l := s.Last
	if l.HighestIn3Years {
		flags = append(flags, "the highest in 3 years")
	} else if l.HighestIn1Year {
		flags = append(flags, "the highest in a year")
	}
	if l.Surge {
		flags = append(flags, fmt.Sprintf("a surge (at least twice the average of %s of the months before)", trFormatNum(l.Baseline)))
	}
	if len(flags) > 0 {
		partial := ""
		if l.Partial {
			partial = ", a partial month"
		}
		fmt.Fprintf(&b, "; the last month, %s (%s %s%s), is %s", l.Month, trFormatNum(l.Value), unit, partial, strings.Join(flags, " and "))
	}
	if t < 24 {
		fmt.Fprintf(&b, " — with only %d months, treat this with caution", t)
	}
	return b.String() + "."
}

func cpProb(p float64) string {
	if p >= 0.995 {
		return "> 0.99"
	}
	return fmt.Sprintf("%.2f", p)
}

func cpPlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func cpJoinMonths(cps []ChangePoint) string {
	var m []string
	for _, c := range cps {
		m = append(m, c.Month)
	}
	return strings.Join(m, ", ")
}

// cpMonthsApart is the distance in months between two "YYYY-MM" labels.
func cpMonthsApart(a, b string) int {
	var ya, ma, yb, mb int
	fmt.Sscanf(a, "%d-%d", &ya, &ma)
	fmt.Sscanf(b, "%d-%d", &yb, &mb)
	d := (ya*12 + ma) - (yb*12 + mb)
	if d < 0 {
		d = -d
	}
	return d
}

// MarshalJSON writes non-finite numbers as null.
func (c ChangePoint) MarshalJSON() ([]byte, error) {
	type plain ChangePoint
	p := plain(c)
	return trMarshal(&p, &p.Probability, &p.WindowProbability, &p.CostReduction, &p.Before, &p.After)
}
