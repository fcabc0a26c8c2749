package analyze

// The three forecast models. Each is fitted on the panel's periods before
// an origin and then predicts, for a region and a horizon h (1 = the
// origin's own period), the probability of at least one attack and the
// mean and variance of the number killed. Nothing a model reads lies at or
// after the origin: the backtest relies on it and TestForecastNoLookAhead
// checks it.

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// prediction is one model's forecast for one region and period.
type prediction struct {
	p      float64 // P(at least one attack)
	mean   float64 // expected killed
	vr     float64 // variance of killed
	region int
}

type forecaster interface {
	name() string
	// fit prepares the model on the periods before origin.
	fit(p *panel, origin int)
	// predict forecasts period origin+h-1 for region r, from the data
	// before origin and the last fit (which may be older than origin).
	predict(p *panel, origin, h, r int) prediction
}

// Model names, as reports and --format json give them.
const (
	ModelBaseline = "baseline"
	ModelHawkes   = "hawkes"
	ModelCount    = "count"
)

// killedStats returns a region's killed per attack before origin, mean
// and second moment, shrunk towards the pooled values with the weight of
// shrinkKilled attacks: one region's few attacks are a poor guide alone.
const shrinkKilled = 5

func killedStats(p *panel, r, origin int, pooledMean, pooledSq float64) (mean, sq float64) {
	n := sum(p.cKnown[r], 0, origin)
	s := sum(p.cKilled[r], 0, origin)
	s2 := sum(p.cKilledSq[r], 0, origin)
	return (s + shrinkKilled*pooledMean) / (n + shrinkKilled), (s2 + shrinkKilled*pooledSq) / (n + shrinkKilled)
}

func pooledKilled(p *panel, origin int) (mean, sq float64) {
	var n, s, s2 float64
	for r := range p.regions {
		n += sum(p.cKnown[r], 0, origin)
		s += sum(p.cKilled[r], 0, origin)
		s2 += sum(p.cKilledSq[r], 0, origin)
	}
	if n == 0 {
		return 0, 0
	}
	return s / n, s2 / n
}

// baseline is the region's historical rate: the share of its periods
// since the panel's start with at least one attack (Jeffreys-smoothed,
// (k + ½)/(n + 1), so that a quiet history is not a certainty), and the
// mean and variance of its killed per period.
type baseline struct{}

func (baseline) name() string        { return ModelBaseline }
func (baseline) fit(p *panel, o int) {}

func (baseline) predict(p *panel, origin, h, r int) prediction {
	n := float64(origin)
	if n <= 0 {
		return prediction{p: 0.5, region: r}
	}
	active, k2 := sum(p.cActive[r], 0, origin), sum(p.cPeriodSq[r], 0, origin)
	mean := sum(p.cKilled[r], 0, origin) / n
	return prediction{p: (active + 0.5) / (n + 1), mean: mean, vr: math.Max(k2/n-mean*mean, 0), region: r}
}

// hawkesModel is the regional Hawkes process of FitHawkesRegions (a
// background rate per region, excitation shared) fitted on the event
// times before the origin. Its forecast of a period is the expected
// number of events in it given the history, E[N] = ∫ E[λ(t) | history] dt,
// where the mean intensity relaxes from its value at the origin to the
// stationary μ/(1 − α/β) at rate β − α (the mean-field solution, which
// counts the offspring of the future events too); P(at least one) is
// 1 − exp(−E[N]) and killed is a compound Poisson of E[N] attacks with the
// region's killed per attack.
type hawkesModel struct {
	fitted            bool
	mu                map[int]float64
	alpha, beta       float64
	pooledM, pooledSq float64
}

func (m *hawkesModel) name() string { return ModelHawkes }

func (m *hawkesModel) fit(p *panel, origin int) {
	t0 := float64(dayNumber(p.level.periodStart(p.first)))
	t1 := float64(dayNumber(p.level.periodStart(p.first + origin)))
	var groups [][]float64
	var idx []int
	var regionOf []int
	for r := range p.regions {
		var g []float64
		for i, c := range p.timePeriod[r] {
			if c < origin {
				g = append(g, p.times[r][i])
			}
		}
		if len(g) > 0 {
			idx = append(idx, len(groups))
			groups = append(groups, g)
			regionOf = append(regionOf, r)
		}
	}
	m.fitted = false
	m.pooledM, m.pooledSq = pooledKilled(p, origin)
	total := 0
	for _, g := range groups {
		total += len(g)
	}
	if total < HawkesMinEvents || t1 <= t0 {
		return
	}
	hm := &hkModel{groups: groups, muIdx: idx, nMu: len(groups), t0: t0, t1: t1}
	res := hm.fit(2)
	k := len(groups)
	if math.IsInf(res.ll, 0) || !(res.p[k+1] > 0) {
		return
	}
	m.mu = make(map[int]float64, k)
	for i, r := range regionOf {
		m.mu[r] = res.p[i]
	}
	m.alpha, m.beta = res.p[k], res.p[k+1]
	m.fitted = true
}

func (m *hawkesModel) predict(p *panel, origin, h, r int) prediction {
	start := float64(dayNumber(p.level.periodStart(p.first + origin)))
	a := float64(dayNumber(p.level.periodStart(p.first + origin + h - 1)))
	b := a + p.level.periodDays(p.first+origin+h-1)
	mu, ok := m.mu[r]
	if !m.fitted || !ok {
		// A region first seen after the last fit, or no usable fit: its
		// own rate per day so far, without excitation.
		days := start - float64(dayNumber(p.level.periodStart(p.first)))
		mu = (sum(p.cCount[r], 0, origin) + 0.5) / math.Max(days, 1)
		lambda := mu * (b - a)
		km, ksq := killedStats(p, r, origin, m.pooledM, m.pooledSq)
		return prediction{p: 1 - math.Exp(-lambda), mean: lambda * km, vr: lambda * ksq, region: r}
	}
	// Excitation at the origin from the events before it; events older
	// than 40 half-lives add less than 1e-12 of their jump.
	x0 := 0.0
	cut := start - 40*math.Ln2/m.beta
	ts := p.times[r]
	i := sort.SearchFloat64s(ts, cut)
	for ; i < len(ts) && p.timePeriod[r][i] < origin; i++ {
		x0 += m.alpha * math.Exp(-m.beta*(start-ts[i]))
	}
	kappa := m.beta - m.alpha
	var lambda float64
	if kappa > 1e-9*m.beta {
		xs := m.alpha * mu / kappa
		lambda = (mu+xs)*(b-a) + (x0-xs)/kappa*(math.Exp(-kappa*(a-start))-math.Exp(-kappa*(b-start)))
	} else {
		// Explosive or critical fit: the mean-field solution grows without
		// bound, so only the decay of the excitation already present is
		// counted (no offspring of future events).
		lambda = mu*(b-a) + x0/m.beta*(math.Exp(-m.beta*(a-start))-math.Exp(-m.beta*(b-start)))
	}
	lambda = math.Max(lambda, 0)
	km, ksq := killedStats(p, r, origin, m.pooledM, m.pooledSq)
	return prediction{p: 1 - math.Exp(-lambda), mean: lambda * km, vr: lambda * ksq, region: r}
}

// countModel is an L2-regularised logistic regression per horizon on
// features of the history before the origin, for P(at least one attack).
// The features are the region's counts over four lag windows, its killed
// over two, its neighbours' counts over two (regions whose centroids are
// within neighbourKm), the time since its last attack and its historical
// rate. Killed follows as for the Hawkes model: −log(1 − P) attacks, a
// compound Poisson with the region's killed per attack. (A regression on
// killed itself was tried and dropped: one mass-casualty week dominates
// its fit and its forecasts run to thousands.)
type countModel struct {
	horizons          int
	window            int // training origins: the last `window` periods before the fit
	logit             []glm
	neighbours        [][]int // as known at the last fit
	pooledM, pooledSq float64
}

// glm is a fitted regression: coefficients on standardised features.
type glm struct {
	ok         bool
	beta       []float64 // intercept first
	mean, sd   []float64
	fallbackMu float64 // the training share, when the fit failed
}

const countFeatures = 10

func (m *countModel) name() string { return ModelCount }

// lagWindows are the feature windows in periods before the origin,
// [from, to] inclusive: the last period, the rest of the last month (or
// quarter), the rest of the last quarter (or half year), the rest of the
// year.
func lagWindows(l ForecastLevel) [4][2]int {
	if l == CountryMonth {
		return [4][2]int{{1, 1}, {2, 3}, {4, 6}, {7, 12}}
	}
	return [4][2]int{{1, 1}, {2, 4}, {5, 13}, {14, 52}}
}

func windowMean(c []float64, origin int, w [2]int) float64 {
	return sum(c, origin-w[1], origin-w[0]+1) / float64(w[1]-w[0]+1)
}

// features writes the features of region r at origin into x.
func features(p *panel, neighbours [][]int, r, origin int, x []float64) {
	w := lagWindows(p.level)
	for i := range 4 {
		x[i] = math.Log1p(windowMean(p.cCount[r], origin, w[i]))
	}
	near := [2]int{w[0][0], w[1][1]}
	far := [2]int{w[2][0], w[3][1]}
	x[4] = math.Log1p(windowMean(p.cKilled[r], origin, near))
	x[5] = math.Log1p(windowMean(p.cKilled[r], origin, far))
	var nNear, nFar float64
	for _, q := range neighbours[r] {
		nNear += windowMean(p.cCount[q], origin, near)
		nFar += windowMean(p.cCount[q], origin, far)
	}
	x[6], x[7] = math.Log1p(nNear), math.Log1p(nFar)
	since := float64(origin)
	for c := origin - 1; c >= 0; c-- {
		if p.counts[r][c] > 0 {
			since = float64(origin - c)
			break
		}
	}
	x[8] = math.Log1p(since)
	x[9] = math.Log((sum(p.cCount[r], 0, origin)/math.Max(float64(origin), 1) + 0.5/float64(origin+1)))
}

func (m *countModel) fit(p *panel, origin int) {
	m.logit = make([]glm, m.horizons)
	m.neighbours = p.neighboursAt(origin)
	m.pooledM, m.pooledSq = pooledKilled(p, origin)
	for h := 1; h <= m.horizons; h++ {
		var xs [][]float64
		var y []float64
		// Training origins o whose target period o+h-1 lies before origin.
		for o := max(1, origin-m.window); o+h-1 < origin; o++ {
			for r := range p.regions {
				if p.firstSeen[r] >= o {
					continue
				}
				x := make([]float64, countFeatures)
				features(p, m.neighbours, r, o, x)
				xs = append(xs, x)
				y = append(y, b2f(p.counts[r][o+h-1] > 0))
			}
		}
		m.logit[h-1] = fitLogistic(xs, y)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (m *countModel) predict(p *panel, origin, h, r int) prediction {
	x := make([]float64, countFeatures)
	features(p, m.neighbours, r, origin, x)
	// Logistic fits extrapolate to absurd certainty for regions far out
	// on a feature (1e-250 was seen); no forecast is surer than 1 in 10⁵.
	pr := math.Min(math.Max(m.logit[h-1].eval(x), 1e-5), 1-1e-5)
	lambda := -math.Log1p(-pr)
	km, ksq := killedStats(p, r, origin, m.pooledM, m.pooledSq)
	return prediction{p: pr, mean: lambda * km, vr: lambda * ksq, region: r}
}

// eval gives the fitted probability for features x.
func (g glm) eval(x []float64) float64 {
	if !g.ok {
		return g.fallbackMu
	}
	eta := g.beta[0]
	for j, v := range x {
		if g.sd[j] > 0 {
			eta += g.beta[j+1] * (v - g.mean[j]) / g.sd[j]
		}
	}
	return 1 / (1 + math.Exp(-eta))
}

// glmRidge is the L2 penalty on the standardised coefficients (not the
// intercept): mild, to keep the fit stable when features are collinear
// (the lag windows are) or a region set is small.
const glmRidge = 1.0

// fitLogistic fits a logistic regression (y in {0,1}) with an L2 penalty
// by Newton–Raphson (iteratively reweighted least squares), which
// converges in a handful of steps for these few features.
func fitLogistic(xs [][]float64, y []float64) glm {
	n := len(xs)
	g := glm{}
	if n == 0 {
		return g
	}
	var ybar float64
	for _, v := range y {
		ybar += v
	}
	ybar /= float64(n)
	g.fallbackMu = ybar
	if ybar <= 0 || ybar >= 1 {
		return g
	}
	d := len(xs[0])
	g.mean, g.sd = make([]float64, d), make([]float64, d)
	for _, x := range xs {
		for j, v := range x {
			g.mean[j] += v
		}
	}
	for j := range g.mean {
		g.mean[j] /= float64(n)
	}
	for _, x := range xs {
		for j, v := range x {
			g.sd[j] += (v - g.mean[j]) * (v - g.mean[j])
		}
	}
	for j := range g.sd {
		g.sd[j] = math.Sqrt(g.sd[j] / float64(n))
	}
	k := d + 1
	z := make([]float64, k)
	row := func(x []float64) []float64 {
		z[0] = 1
		for j, v := range x {
			if g.sd[j] > 0 {
				z[j+1] = (v - g.mean[j]) / g.sd[j]
			} else {
				z[j+1] = 0
			}
		}
		return z
	}
	beta := make([]float64, k)
	beta[0] = math.Log(ybar / (1 - ybar))
	hess := mat.NewSymDense(k, nil)
	grad := mat.NewVecDense(k, nil)
	step := mat.NewVecDense(k, nil)
	// Plain slices for the accumulation: element access through the mat
	// types costs more than the arithmetic here.
	h := make([]float64, k*k)
	gr := make([]float64, k)
	prevLoss := math.Inf(1)
	for iter := 0; iter < 50; iter++ {
		clear(h)
		clear(gr)
		loss := 0.0
		for i, x := range xs {
			zz := row(x)
			eta := 0.0
			for j, v := range zz {
				eta += beta[j] * v
			}
			mu := 1 / (1 + math.Exp(-eta))
			w := mu * (1 - mu)
			loss -= y[i]*math.Log(math.Max(mu, 1e-300)) + (1-y[i])*math.Log(math.Max(1-mu, 1e-300))
			r := y[i] - mu
			for a := range k {
				gr[a] += r * zz[a]
				wa := w * zz[a]
				ha := h[a*k : a*k+k]
				for b := a; b < k; b++ {
					ha[b] += wa * zz[b]
				}
			}
		}
		for j := 1; j < k; j++ {
			loss += glmRidge / 2 * beta[j] * beta[j]
			gr[j] -= glmRidge * beta[j]
			h[j*k+j] += glmRidge
		}
		for a := range k {
			grad.SetVec(a, gr[a])
			for b := a; b < k; b++ {
				hess.SetSym(a, b, h[a*k+b])
			}
		}
		var chol mat.Cholesky
		if !chol.Factorize(hess) {
			return g
		}
		if err := chol.SolveVecTo(step, grad); err != nil {
			return g
		}
		maxStep := 0.0
		for j := range beta {
			s := step.AtVec(j)
			beta[j] += s
			maxStep = math.Max(maxStep, math.Abs(s))
		}
		if maxStep < 1e-8 || math.Abs(prevLoss-loss) < 1e-10*math.Max(1, math.Abs(loss)) {
			break
		}
		prevLoss = loss
	}
	for _, b := range beta {
		if math.IsNaN(b) || math.IsInf(b, 0) {
			return g
		}
	}
	g.beta, g.ok = beta, true
	return g
}
