package analyze

// Backtests with a rolling origin and the forecast shown to users.
//
// At each origin (a period) every model is given only the periods before
// it — the fits are refreshed every RefitEvery periods on the data before
// the origin of the refit, and the state (recent counts, the Hawkes
// excitation) is always that of the data before the current origin — and
// forecasts the origin's period and the next Horizon−1 ones for every
// region seen before the origin. A region first seen later is not
// forecast before it appears: choosing regions by what happens later
// would be look-ahead too.

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/vigil-project/vigil/internal/model"
)

// BacktestOptions sets up a backtest. Zero values are the documented
// defaults.
type BacktestOptions struct {
	Level ForecastLevel // default Admin1Week
	// Now is the end of the data: periods from the one holding Now on are
	// incomplete and never scored. Required.
	Now model.Date
	// From and To bound the origins. Default From: two years after the
	// first incident, so that every model has history; default To: the
	// last complete period.
	From, To model.Date
	// Horizon is how many periods ahead each origin forecasts, 1 to 4;
	// default 4.
	Horizon int
	// RefitEvery is how often (in periods) the models are fitted again;
	// default 13 weeks or 3 months.
	RefitEvery int
	// Models limits the models run, by name; default all three.
	Models []string
}

// HorizonScore is a model's scores at one horizon.
type HorizonScore struct {
	Horizon          int     `json:"horizon"`
	Brier            float64 `json:"brier"`
	LogLoss          float64 `json:"log_loss"`
	AveragePrecision float64 `json:"average_precision"`
	CRPS             float64 `json:"crps"`
	BrierSkill       float64 `json:"brier_skill"`
	NForecasts       int     `json:"n_forecasts"`
}

// CalibrationBin is one bin of a calibration table: the forecasts whose
// probability fell in [Low, High), their mean probability and the share of
// them that saw an attack.
type CalibrationBin struct {
	Low       float64 `json:"low"`
	High      float64 `json:"high"`
	N         int     `json:"n"`
	Predicted float64 `json:"predicted"`
	Observed  float64 `json:"observed"`
}

// ModelScore is a model's backtest over all origins and horizons.
type ModelScore struct {
	Name string `json:"name"`
	// Brier is the mean squared error of the probability of at least one
	// attack; LogLoss its mean negative log-likelihood (probabilities
	// clipped to [1e-6, 1−1e-6]); AveragePrecision the area under the
	// precision–recall curve of those probabilities; CRPS the mean
	// continuous ranked probability score of the killed forecast (a
	// negative binomial, or Poisson, with the model's mean and variance),
	// as ViEWS scores fatalities.
	Brier            float64 `json:"brier"`
	LogLoss          float64 `json:"log_loss"`
	AveragePrecision float64 `json:"average_precision"`
	CRPS             float64 `json:"crps"`
	// BrierSkill is 1 − Brier/Brier(baseline): above 0 the model did
	// better than the region's historical rate.
	BrierSkill float64 `json:"brier_skill"`
	// PVsBaseline is the one-sided p-value of the Diebold–Mariano test
	// that the model's Brier score is no better than the baseline's: the
	// per-forecast differences summed per origin, with a Newey–West
	// variance over horizon−1 lags (forecasts of overlapping periods are
	// correlated). NaN (null) for the baseline and below 10 origins.
	PVsBaseline float64 `json:"p_vs_baseline"`
	// BeatsBaseline: skill above 0, PVsBaseline below 0.05, and at least
	// MinBacktestAttacks scored periods with an attack. A skill that
	// chance alone could give is not a model beating the baseline, and
	// neither is one earned on a window where nothing happened: there,
	// forecasting "never" scores best and says nothing of the next attack.
	BeatsBaseline bool             `json:"beats_baseline"`
	NForecasts    int              `json:"n_forecasts"`
	ByHorizon     []HorizonScore   `json:"by_horizon"`
	Calibration   []CalibrationBin `json:"calibration"`
}

// BacktestResult is the outcome of a backtest.
type BacktestResult struct {
	Panel      PanelInfo    `json:"panel"`
	From       model.Date   `json:"from"`
	To         model.Date   `json:"to"`
	Origins    int          `json:"origins"`
	Horizon    int          `json:"horizon"`
	RefitEvery int          `json:"refit_every"`
	BaseRate   float64      `json:"base_rate"` // share of scored region-periods with an attack
	Attacks    int          `json:"attacks"`   // scored region-periods with an attack
	Models     []ModelScore `json:"models"`
	// Best is the model users are shown: the one with the lowest Brier
	// score among those that beat the baseline, else the baseline.
	Best string `json:"best"`
}

// MinBacktestAttacks is the fewest scored region-periods with an attack
// over which a model may be said to beat the historical rate.
const MinBacktestAttacks = 10

// Sentence says in words which model to trust.
func (b BacktestResult) Sentence() string {
	var parts []string
	for _, m := range b.Models {
		if m.Name == ModelBaseline {
			continue
		}
		verb := "does not beat"
		if m.BeatsBaseline {
			verb = "beats"
		}
		p := "too few origins for a test"
		if !math.IsNaN(m.PVsBaseline) {
			p = trFormatP(m.PVsBaseline)
		}
		parts = append(parts, fmt.Sprintf("%s %s the baseline (Brier skill %+.3f, %s)", m.Name, verb, m.BrierSkill, p))
	}
	if b.Attacks < MinBacktestAttacks {
		return fmt.Sprintf("Over %d origins from %s to %s only %d of the %d forecast periods saw an attack: too few to tell whether any model beats the historical rate, so forecasts use %s.",
			b.Origins, b.From, b.To, b.Attacks, modelN(b.Models), b.Best)
	}
	return fmt.Sprintf("Over %d origins from %s to %s (%d forecasts per model over %d regions and horizons 1 to %d; %.1f%% of the forecast periods saw an attack): %s; forecasts use %s.",
		b.Origins, b.From, b.To, modelN(b.Models), b.Panel.Regions, b.Horizon, 100*b.BaseRate, strings.Join(parts, "; "), b.Best)
}

func modelN(ms []ModelScore) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[0].NForecasts
}

func newModels(names []string, horizon int, level ForecastLevel) ([]forecaster, error) {
	all := map[string]func() forecaster{
		ModelBaseline: func() forecaster { return baseline{} },
		ModelHawkes:   func() forecaster { return &hawkesModel{} },
		ModelCount: func() forecaster {
			return &countModel{horizons: horizon, window: 3 * level.periodsPerYear()}
		},
	}
	if len(names) == 0 {
		names = []string{ModelBaseline, ModelHawkes, ModelCount}
	}
	var out []forecaster
	seen := map[string]bool{}
	for _, n := range names {
		mk, ok := all[n]
		if !ok {
			return nil, fmt.Errorf("forecast: unknown model %q: want %s, %s or %s", n, ModelBaseline, ModelHawkes, ModelCount)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, mk())
		}
	}
	if !seen[ModelBaseline] {
		// Skill is measured against the baseline, so it always runs.
		out = append([]forecaster{baseline{}}, out...)
	}
	return out, nil
}

func (o *BacktestOptions) defaults() {
	if o.Level == "" {
		o.Level = Admin1Week
	}
	if o.Horizon == 0 {
		o.Horizon = 4
	}
	if o.RefitEvery == 0 {
		o.RefitEvery = 13
		if o.Level == CountryMonth {
			o.RefitEvery = 3
		}
	}
}

// scored is one forecast and what happened.
type scored struct {
	p, mean, vr float64
	crps        float64
	attack      bool
	origin      int
	killed      float64
	h           int
}

// Backtest runs the rolling-origin backtest of the forecast models on the
// incidents.
func Backtest(incs []model.Incident, opts BacktestOptions) (BacktestResult, error) {
	opts.defaults()
	if opts.Horizon < 1 || opts.Horizon > 4 {
		return BacktestResult{}, fmt.Errorf("backtest: horizon %d: want 1 to 4 periods", opts.Horizon)
	}
	p, err := buildPanel(incs, opts.Level, opts.Now)
	if err != nil {
		return BacktestResult{}, fmt.Errorf("backtest: %w", err)
	}
	lastComplete := p.n - 2 // the period holding Now is incomplete
	from := 2 * opts.Level.periodsPerYear()
	if !opts.From.IsZero() {
		from = opts.Level.periodOf(opts.From) - p.first
	}
	to := lastComplete
	if !opts.To.IsZero() {
		to = min(to, opts.Level.periodOf(opts.To)-p.first)
	}
	from = max(from, 1)
	if from > to {
		return BacktestResult{}, fmt.Errorf("backtest: no origins: the data run %s to %s, origins would run %s to %s (need about two years of history first)",
			p.info().First, p.info().Last, opts.Level.periodStart(p.first+from), opts.Level.periodStart(p.first+to))
	}
	models, err := newModels(opts.Models, opts.Horizon, opts.Level)
	if err != nil {
		return BacktestResult{}, err
	}
	res, _ := runBacktest(p, models, from, to, lastComplete, opts)
	return res, nil
}

func runBacktest(p *panel, models []forecaster, from, to, lastComplete int, opts BacktestOptions) (BacktestResult, [][]scored) {
	out := make([][]scored, len(models))
	origins := 0
	for o := from; o <= to; o++ {
		if (o-from)%opts.RefitEvery == 0 {
			for _, m := range models {
				m.fit(p, o)
			}
		}
		origins++
		for h := 1; h <= opts.Horizon; h++ {
			t := o + h - 1
			if t > lastComplete {
				break
			}
			for r := range p.regions {
				if p.firstSeen[r] >= o {
					continue
				}
				for i, m := range models {
					pr := m.predict(p, o, h, r)
					out[i] = append(out[i], scored{p: pr.p, mean: pr.mean, vr: pr.vr,
						crps:   CRPSCount(pr.mean, pr.vr, p.killed[r][t]),
						attack: p.counts[r][t] > 0, killed: p.killed[r][t], h: h, origin: o})
				}
			}
		}
	}
	res := BacktestResult{Panel: p.info(), From: opts.Level.periodStart(p.first + from), To: opts.Level.periodStart(p.first + to),
		Origins: origins, Horizon: opts.Horizon, RefitEvery: opts.RefitEvery}
	if len(out) > 0 && len(out[0]) > 0 {
		n := 0
		for _, s := range out[0] {
			if s.attack {
				n++
			}
		}
		res.BaseRate = float64(n) / float64(len(out[0]))
		res.Attacks = n
	}
	var base ModelScore
	baseIdx := 0
	for i, m := range models {
		ms := scoreModel(m.name(), out[i], opts.Horizon)
		if m.name() == ModelBaseline {
			base, baseIdx = ms, i
		}
		res.Models = append(res.Models, ms)
	}
	res.Best = ModelBaseline
	bestBrier := base.Brier
	for i := range res.Models {
		ms := &res.Models[i]
		ms.BrierSkill = skill(ms.Brier, base.Brier)
		for j := range ms.ByHorizon {
			if j < len(base.ByHorizon) {
				ms.ByHorizon[j].BrierSkill = skill(ms.ByHorizon[j].Brier, base.ByHorizon[j].Brier)
			}
		}
		ms.PVsBaseline = math.NaN()
		if ms.Name != ModelBaseline && len(out) > 0 {
			ms.PVsBaseline = dieboldMariano(out[baseIdx], out[i], opts.Horizon)
		}
		ms.BeatsBaseline = ms.Name != ModelBaseline && ms.BrierSkill > 0 && ms.PVsBaseline < 0.05 && res.Attacks >= MinBacktestAttacks
		if ms.BeatsBaseline && ms.Brier < bestBrier {
			res.Best, bestBrier = ms.Name, ms.Brier
		}
	}
	return res, out
}

// dieboldMariano is the one-sided p-value that model's Brier score is no
// lower than base's, from the per-origin sums of the score differences
// (both slices hold the same forecasts in the same order) with a
// Newey–West long-run variance over horizon−1 lags.
func dieboldMariano(base, model []scored, horizon int) float64 {
	if len(base) != len(model) || len(base) == 0 {
		return math.NaN()
	}
	var d []float64
	cur, sum := base[0].origin, 0.0
	for i := range base {
		if base[i].origin != cur {
			d = append(d, sum)
			cur, sum = base[i].origin, 0
		}
		yb := b2f(base[i].attack)
		sum += (base[i].p-yb)*(base[i].p-yb) - (model[i].p-yb)*(model[i].p-yb)
	}
	d = append(d, sum)
	n := len(d)
	if n < 10 {
		return math.NaN()
	}
	var mean float64
	for _, v := range d {
		mean += v
	}
	mean /= float64(n)
	gamma := func(k int) float64 {
		var g float64
		for t := k; t < n; t++ {
			g += (d[t] - mean) * (d[t-k] - mean)
		}
		return g / float64(n)
	}
	lrv := gamma(0)
	for k := 1; k < horizon && k < n; k++ {
		lrv += 2 * (1 - float64(k)/float64(horizon)) * gamma(k)
	}
	if !(lrv > 0) {
		if mean > 0 {
			return 0
		}
		return 1
	}
	z := mean / math.Sqrt(lrv/float64(n))
	return distuv.UnitNormal.Survival(z)
}

func skill(b, base float64) float64 {
	if base <= 0 {
		return 0
	}
	return 1 - b/base
}

func scoreModel(name string, ss []scored, horizon int) ModelScore {
	ms := ModelScore{Name: name, NForecasts: len(ss)}
	ms.Brier, ms.LogLoss, ms.AveragePrecision, ms.CRPS = scores(ss)
	for h := 1; h <= horizon; h++ {
		var sub []scored
		for _, s := range ss {
			if s.h == h {
				sub = append(sub, s)
			}
		}
		hs := HorizonScore{Horizon: h, NForecasts: len(sub)}
		hs.Brier, hs.LogLoss, hs.AveragePrecision, hs.CRPS = scores(sub)
		ms.ByHorizon = append(ms.ByHorizon, hs)
	}
	ms.Calibration = calibration(ss, 10)
	return ms
}

func scores(ss []scored) (brier, logLoss, ap, crps float64) {
	if len(ss) == 0 {
		return math.NaN(), math.NaN(), math.NaN(), math.NaN()
	}
	ps := make([]float64, len(ss))
	ys := make([]bool, len(ss))
	for i, s := range ss {
		y := b2f(s.attack)
		brier += (s.p - y) * (s.p - y)
		q := math.Min(math.Max(s.p, 1e-6), 1-1e-6)
		logLoss -= y*math.Log(q) + (1-y)*math.Log(1-q)
		crps += s.crps
		ps[i], ys[i] = s.p, s.attack
	}
	n := float64(len(ss))
	return brier / n, logLoss / n, AveragePrecision(ps, ys), crps / n
}

// AveragePrecision is the area under the precision–recall curve of
// scores p for outcomes y, as scikit-learn computes it: Σ (Rₖ − Rₖ₋₁) Pₖ
// over the distinct thresholds from the highest score down (tied scores
// enter together). NaN when no outcome is positive.
func AveragePrecision(p []float64, y []bool) float64 {
	idx := make([]int, len(p))
	pos := 0
	for i := range idx {
		idx[i] = i
		if y[i] {
			pos++
		}
	}
	if pos == 0 {
		return math.NaN()
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] > p[idx[b]] })
	var ap, tp, seen, prevRecall float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && p[idx[j]] == p[idx[i]] {
			if y[idx[j]] {
				tp++
			}
			seen++
			j++
		}
		recall := tp / float64(pos)
		ap += (recall - prevRecall) * (tp / seen)
		prevRecall = recall
		i = j
	}
	return ap
}

// CRPSCount is the continuous ranked probability score of an observed
// count y under a count distribution with the given mean and variance:
// a negative binomial when the variance exceeds the mean, a Poisson
// otherwise (and a point mass at 0 for a zero mean), computed as
// Σₖ (F(k) − 1{y ≤ k})² over k = 0, 1, … until F is within 1e-9 of 1 past
// y. Lower is better; for a point forecast it is the absolute error.
func CRPSCount(mean, vr, y float64) float64 {
	if math.IsNaN(y) || y < 0 {
		return math.NaN()
	}
	y = math.Floor(y)
	if !(mean > 1e-12) {
		// A point mass at 0 (to within 1e-12): the absolute error.
		return y
	}
	// pmf(0) and the ratio pmf(k+1)/pmf(k) for the two families.
	var pmf0 float64
	var ratio func(k float64) float64
	if r := mean * mean / (vr - mean); vr > mean*(1+1e-9) && r > 1e-9 {
		// Negative binomial. A size r this small puts all but a sliver of
		// the mass at 0 and the rest beyond reach of the sum: that case
		// goes to the Poisson with the same mean.
		q := mean / (r + mean) // success probability of the "failures"
		pmf0 = math.Exp(r * math.Log1p(-q))
		ratio = func(k float64) float64 { return (k + r) / (k + 1) * q }
	} else {
		pmf0 = math.Exp(-mean)
		ratio = func(k float64) float64 { return mean / (k + 1) }
	}
	// The pmf is carried by its ratio from one k to the next; when pmf(0)
	// underflows (a large mean), in logs until it is representable.
	var crps float64
	pmf, logPmf, inLogs := pmf0, 0.0, pmf0 == 0
	if inLogs {
		if r := mean * mean / (vr - mean); vr > mean*(1+1e-9) && r > 1e-9 {
			logPmf = r * math.Log1p(-mean/(r+mean))
		} else {
			logPmf = -mean
		}
	}
	F, tailMean := 0.0, mean
	for k := 0.0; ; k++ {
		if inLogs {
			pmf = math.Exp(logPmf)
		}
		F = math.Min(F+pmf, 1)
		d := F
		if y <= k {
			d = 1 - F
		}
		crps += d * d
		// Past y the rest of the sum is Σⱼ₍ₖ (1 − F(j))², at most
		// (1 − F(k)) Σⱼ₍ₖ (1 − F(j)) = (1 − F(k)) (mean − Σⱼ≤ₖ (1 − F(j))),
		// since the mean is Σⱼ (1 − F(j)): stop when that bound is
		// negligible. Heavy tails with little mass end here early.
		tailMean -= 1 - F
		if k >= y && (1-F)*math.Max(tailMean, 0) < 1e-7 {
			break
		}
		if k >= y && k >= 20000 {
			// A heavy negative-binomial tail: past here 1 − F falls
			// geometrically with the pmf's ratio ρ, so the rest of the sum
			// is (1 − F)² ρ²/(1 − ρ²).
			rho := ratio(k)
			if rho < 1 {
				crps += (1 - F) * (1 - F) * rho * rho / (1 - rho*rho)
			}
			break
		}
		if inLogs {
			logPmf += math.Log(ratio(k))
			inLogs = logPmf < -700
			if !inLogs {
				pmf = math.Exp(logPmf)
			}
		} else {
			pmf *= ratio(k)
		}
	}
	return crps
}

func calibration(ss []scored, bins int) []CalibrationBin {
	out := make([]CalibrationBin, bins)
	for i := range out {
		out[i].Low, out[i].High = float64(i)/float64(bins), float64(i+1)/float64(bins)
	}
	for _, s := range ss {
		i := min(int(s.p*float64(bins)), bins-1)
		i = max(i, 0)
		out[i].N++
		out[i].Predicted += s.p
		out[i].Observed += b2f(s.attack)
	}
	for i := range out {
		if out[i].N > 0 {
			out[i].Predicted /= float64(out[i].N)
			out[i].Observed /= float64(out[i].N)
		}
	}
	return out
}

// ForecastOptions sets up a forecast.
type ForecastOptions struct {
	Level ForecastLevel // default Admin1Week
	// Now is the current date: the forecast covers the periods after the
	// one holding Now. Required.
	Now     model.Date
	Horizon int // periods ahead, 1 to 4; default 4
	// Model forces a model; by default the best one of a backtest over
	// the last two years (see BacktestResult.Best).
	Model string
}

// PeriodRisk is the forecast of one region for one period.
type PeriodRisk struct {
	Start          model.Date `json:"start"`
	Probability    float64    `json:"probability"`
	ExpectedKilled float64    `json:"expected_killed"`
}

// RegionForecast is the forecast of one region.
type RegionForecast struct {
	Region  string       `json:"region"`
	Country string       `json:"country"`
	Admin1  string       `json:"admin1,omitempty"`
	Periods []PeriodRisk `json:"periods"`
}

// ForecastResult is the current forecast of every region seen so far,
// riskiest first (by the probability of an attack in the first period).
type ForecastResult struct {
	Panel   PanelInfo        `json:"panel"`
	Model   string           `json:"model"`
	Why     string           `json:"why"`
	Horizon int              `json:"horizon"`
	Regions []RegionForecast `json:"regions"`
	// Backtest is the backtest the model was chosen on; nil when the model
	// was forced or the data were too short for one.
	Backtest *BacktestResult `json:"backtest,omitempty"`
}

// Sentence says which model forecasts and the riskiest region.
func (f ForecastResult) Sentence() string {
	if len(f.Regions) == 0 || len(f.Regions[0].Periods) == 0 {
		return "No region to forecast."
	}
	top := f.Regions[0]
	return fmt.Sprintf("Highest risk: %s, %.0f%% chance of at least one attack in the period from %s (expected killed %.1f); model %s (%s).",
		top.Region, 100*top.Periods[0].Probability, top.Periods[0].Start, top.Periods[0].ExpectedKilled, f.Model, f.Why)
}

// Forecast forecasts every region seen before Now for the Horizon periods
// after the one holding Now. Unless a model is forced, the model is the
// best of a backtest over the last two years; a model that does not beat
// the baseline there is not used.
func Forecast(incs []model.Incident, opts ForecastOptions) (ForecastResult, error) {
	bo := BacktestOptions{Level: opts.Level, Now: opts.Now, Horizon: opts.Horizon}
	bo.defaults()
	if bo.Horizon < 1 || bo.Horizon > 4 {
		return ForecastResult{}, fmt.Errorf("forecast: horizon %d: want 1 to 4 periods", bo.Horizon)
	}
	p, err := buildPanel(incs, bo.Level, opts.Now)
	if err != nil {
		return ForecastResult{}, err
	}
	res := ForecastResult{Panel: p.info(), Horizon: bo.Horizon}
	name := opts.Model
	switch {
	case name != "":
		res.Why = "chosen by the user"
	default:
		lastComplete := p.n - 2
		from := max(lastComplete-2*bo.Level.periodsPerYear()+1, 2*bo.Level.periodsPerYear(), 1)
		if from > lastComplete {
			name, res.Why = ModelBaseline, "too little history for a backtest"
			break
		}
		models, _ := newModels(nil, bo.Horizon, bo.Level)
		bt, _ := runBacktest(p, models, from, lastComplete, lastComplete, bo)
		res.Backtest = &bt
		name = bt.Best
		if name == ModelBaseline {
			res.Why = "no model beat the historical rate significantly in the backtest of the last two years"
		} else {
			for _, m := range bt.Models {
				if m.Name == name {
					res.Why = fmt.Sprintf("best in the backtest of the last two years, Brier skill %+.3f over the historical rate, %s", m.BrierSkill, trFormatP(m.PVsBaseline))
				}
			}
		}
	}
	models, err := newModels([]string{name}, bo.Horizon, bo.Level)
	if err != nil {
		return ForecastResult{}, err
	}
	var m forecaster
	for _, x := range models {
		if x.name() == name {
			m = x
		}
	}
	res.Model = name
	origin := p.n // the period after the one holding Now
	m.fit(p, origin)
	for r, region := range p.regions {
		rf := RegionForecast{Region: region}
		rf.Country, rf.Admin1, _ = strings.Cut(region, "/")
		for h := 1; h <= bo.Horizon; h++ {
			pr := m.predict(p, origin, h, r)
			rf.Periods = append(rf.Periods, PeriodRisk{Start: bo.Level.periodStart(p.first + origin + h - 1),
				Probability: pr.p, ExpectedKilled: pr.mean})
		}
		res.Regions = append(res.Regions, rf)
	}
	sort.SliceStable(res.Regions, func(i, j int) bool {
		return res.Regions[i].Periods[0].Probability > res.Regions[j].Periods[0].Probability
	})
	return res, nil
}

// MarshalJSON writes scores that do not exist (no forecasts at a horizon,
// no attack to rank) as null, since JSON has no NaN.
func (s HorizonScore) MarshalJSON() ([]byte, error) {
	type plain HorizonScore
	c := plain(s)
	for _, p := range []*float64{&c.Brier, &c.LogLoss, &c.AveragePrecision, &c.CRPS, &c.BrierSkill} {
		*p = hkFinite(*p)
	}
	return hkMarshalNull(c)
}

// MarshalJSON writes scores that do not exist as null.
func (s ModelScore) MarshalJSON() ([]byte, error) {
	type plain ModelScore
	c := plain(s)
	for _, p := range []*float64{&c.Brier, &c.LogLoss, &c.AveragePrecision, &c.CRPS, &c.BrierSkill, &c.PVsBaseline} {
		*p = hkFinite(*p)
	}
	return hkMarshalNull(c)
}
