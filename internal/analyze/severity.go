package analyze

// Severity and sophistication: are incidents getting deadlier, and are
// suicide, multi-site and coordinated attacks becoming more common?
//
// Killed and wounded per incident are tested against the incident's date
// on the fused best figure, and the same tests are repeated on the low and
// on the high figures to show whether the answer depends on which figures
// one believes (a trend "holds" when the low and high figures give the same
// direction, or the same absence of one, at the 5% level):
//
//   - Mann–Kendall against the date (several incidents on one day are tied
//     in time; see MannKendallTime) — rank-based, so a handful of
//     mass-casualty attacks cannot make a trend on their own; it is the
//     test the sentences lead with;
//   - Sen's slope, in people per incident per year, on the incidents up to
//     SeverityOptions.MaxEvents of them and on monthly means beyond (as in
//     Tempo; SenBasis says which). With many incidents without casualties
//     the slope is often exactly 0: most pairs of incidents differ by 0;
//   - a log-linear (Poisson) regression of the figure on time, whose rate
//     ratio is the factor by which the mean per incident changes per year.
//     Casualty counts are far more variable than Poisson counts, so the
//     quasi-Poisson standard errors are used whenever the Pearson check
//     finds overdispersion, which for casualty figures is almost always.
//     Incidents of one day share their time, so the fit runs on one row per
//     day with the day's sums (identical estimates to one row per
//     incident), keeping the per-incident Pearson statistic through the
//     sums of squares.
//
// Shares. For each attribute the incidents where it is known (Suicide not
// nil; Sites > 0, multi-site meaning Sites ≥ 2; Coordinated is taken as
// known for every incident, false meaning not reported as coordinated) are
// counted per calendar year, and the trend of the share is tested with a
// logistic regression of the indicator on time (Wald test of the slope; the
// odds ratio per year with its 95% interval). Logistic regression rather
// than the Cochran–Armitage test because it uses the exact dates rather
// than year scores and gives an effect size (the two agree closely: the
// Cochran–Armitage statistic is the score test of the same model).

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/vigil-project/vigil/internal/model"
)

// SeverityItem is what Severity needs to know about one incident. Killed and
// Wounded are nil when unknown; negative figures are treated as unknown.
type SeverityItem struct {
	Date        model.Date   `json:"date"`
	Killed      *model.Range `json:"killed,omitempty"`
	Wounded     *model.Range `json:"wounded,omitempty"`
	Suicide     *bool        `json:"suicide,omitempty"`
	Sites       int          `json:"sites,omitempty"` // 0 = unknown
	Coordinated bool         `json:"coordinated,omitempty"`
}

// SeverityOptions tunes Severity. The zero value is the documented default.
type SeverityOptions struct {
	// MaxEvents is the number of incidents with a figure above which Sen's
	// slope is computed on monthly means; 0 means TempoDefaultMaxEvents.
	MaxEvents int
}

// Sensitivity of a harm trend to the choice of figures.
const (
	SensitivityHolds   = "holds"         // low and high give the same answer as best
	SensitivityDiffers = "does_not_hold" // low or high give another answer
	SensitivityUnknown = "unknown"       // a test could not run on one of them
)

// SeriesTrend is the set of trend tests on one series of figures. A test
// that could not run is absent; Note says why.
type SeriesTrend struct {
	N           int            `json:"n"`
	MannKendall *MKResult      `json:"mann_kendall"`
	Sen         *SenResult     `json:"sen"`
	SenBasis    string         `json:"sen_basis,omitempty"`
	Poisson     *PoissonResult `json:"poisson"`
	Note        string         `json:"note,omitempty"`
}

// HarmTrend is the trend of killed or wounded per incident.
type HarmTrend struct {
	Measure string `json:"measure"`
	// N is the number of incidents with a figure; Mean, Median and Total
	// describe their best figures.
	N      int     `json:"n"`
	Mean   float64 `json:"mean"`
	Median float64 `json:"median"`
	Total  float64 `json:"total"`

	Best *SeriesTrend `json:"best"`
	Low  *SeriesTrend `json:"low"`
	High *SeriesTrend `json:"high"`
	// Sensitivity says whether the low and high figures give the same
	// answer as the best ones.
	Sensitivity string `json:"sensitivity"`

	start, end model.Date
}

// YearShare is one calendar year of a ShareTrend.
type YearShare struct {
	Year  int     `json:"year"`
	N     int     `json:"n"`
	Count int     `json:"count"`
	Share float64 `json:"share"`
}

// ShareTrend is the trend of the share of incidents with an attribute.
type ShareTrend struct {
	Attribute string `json:"attribute"`
	// N is the number of incidents where the attribute is known, Count
	// those that have it.
	N     int         `json:"n"`
	Count int         `json:"count"`
	Share float64     `json:"share"`
	Years []YearShare `json:"years"`
	// Slope is the change in log-odds per year, OddsRatio = exp(Slope) with
	// its 95% interval, P the Wald test; ShareStart and ShareEnd are the
	// fitted shares at the start and end of the period. Absent (Tested
	// false) when there is no variation or the fit failed; Note says why.
	Tested     bool    `json:"tested"`
	Slope      float64 `json:"slope"`
	SE         float64 `json:"se"`
	P          float64 `json:"p"`
	OddsRatio  float64 `json:"odds_ratio"`
	OddsLower  float64 `json:"odds_ratio_lower"`
	OddsUpper  float64 `json:"odds_ratio_upper"`
	ShareStart float64 `json:"share_start"`
	ShareEnd   float64 `json:"share_end"`
	Note       string  `json:"note,omitempty"`

	start, end model.Date
}

// SeverityResult is the severity and sophistication of a selection.
type SeverityResult struct {
	N           int        `json:"n"`
	Start       model.Date `json:"start"`
	End         model.Date `json:"end"`
	Killed      HarmTrend  `json:"killed"`
	Wounded     HarmTrend  `json:"wounded"`
	Suicide     ShareTrend `json:"suicide"`
	MultiSite   ShareTrend `json:"multi_site"`
	Coordinated ShareTrend `json:"coordinated"`
}

// Severity tests killed and wounded per incident, and the shares of
// suicide, multi-site and coordinated attacks, for trends over time. Every
// item needs a valid date; at least three items are needed. A measure that
// cannot be tested (no figures, all equal) is reported with a note, not as
// an error.
func Severity(items []SeverityItem, opts SeverityOptions) (SeverityResult, error) {
	maxEvents := opts.MaxEvents
	if maxEvents <= 0 {
		maxEvents = TempoDefaultMaxEvents
	}
	if len(items) < TrendMinN {
		return SeverityResult{}, fmt.Errorf("%w: %d incidents, need at least %d", ErrTrendInput, len(items), TrendMinN)
	}
	days := make([]int, len(items))
	for i, it := range items {
		d, err := tpDayNumber(it.Date)
		if err != nil {
			return SeverityResult{}, fmt.Errorf("%w: incident %d: %v", ErrTrendInput, i, err)
		}
		days[i] = d
	}
	order := svOrderByDay(days)
	w0, w1 := days[order[0]], days[order[len(order)-1]]
	res := SeverityResult{N: len(items), Start: tpDate(w0), End: tpDate(w1)}
	s := svCompact(items, days, order)
	s.w0, s.maxEvents = w0, maxEvents
	res.Killed = s.harm("killed", s.killed)
	res.Wounded = s.harm("wounded", s.wounded)
	res.Suicide = s.share("suicide", s.suicide)
	res.MultiSite = s.share("multi_site", s.multiSite)
	res.Coordinated = s.share("coordinated", s.coordinated)
	for _, h := range []*HarmTrend{&res.Killed, &res.Wounded} {
		h.start, h.end = res.Start, res.End
	}
	for _, sh := range []*ShareTrend{&res.Suicide, &res.MultiSite, &res.Coordinated} {
		sh.start, sh.end = res.Start, res.End
	}
	return res, nil
}

// svOrderByDay returns the item indices sorted by day (stable), by
// counting when the range of days is small.
func svOrderByDay(days []int) []int32 {
	lo, hi := days[0], days[0]
	for _, d := range days {
		lo, hi = min(lo, d), max(hi, d)
	}
	order := make([]int32, len(days))
	if hi-lo > 4*len(days)+1<<16 {
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortStableFunc(order, func(a, b int32) int { return days[a] - days[b] })
		return order
	}
	start := make([]int32, hi-lo+2)
	for _, d := range days {
		start[d-lo+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	for i, d := range days {
		order[start[d-lo]] = int32(i)
		start[d-lo]++
	}
	return order
}

// svSorted holds what the tests need of the items, in date order, one
// compact array per field so that each measure is one sequential pass.
type svSorted struct {
	days            []int
	years           []int
	killed, wounded [][3]int32 // low, best, high; Best < 0 when unknown
	suicide         []int8     // −1 unknown, 0, 1
	multiSite       []int8
	coordinated     []int8
	w0              int
	maxEvents       int
}

func svCompact(items []SeverityItem, days []int, order []int32) *svSorted {
	n := len(order)
	s := &svSorted{days: make([]int, n), years: make([]int, n), killed: make([][3]int32, n), wounded: make([][3]int32, n),
		suicide: make([]int8, n), multiSite: make([]int8, n), coordinated: make([]int8, n)}
	fig := func(r *model.Range) [3]int32 {
		if r == nil || r.Low < 0 || r.Best < 0 || r.High < 0 || r.High > math.MaxInt32 || r.Low > math.MaxInt32 || r.Best > math.MaxInt32 {
			return [3]int32{-1, -1, -1}
		}
		return [3]int32{int32(r.Low), int32(r.Best), int32(r.High)}
	}
	flag := func(v, known bool) int8 {
		switch {
		case !known:
			return -1
		case v:
			return 1
		}
		return 0
	}
	for k, i := range order {
		it := &items[i]
		s.days[k] = days[i]
		s.years[k] = it.Date.Year
		s.killed[k] = fig(it.Killed)
		s.wounded[k] = fig(it.Wounded)
		s.suicide[k] = flag(it.Suicide != nil && *it.Suicide, it.Suicide != nil)
		s.multiSite[k] = flag(it.Sites >= 2, it.Sites > 0)
		s.coordinated[k] = flag(it.Coordinated, true)
	}
	return s
}

// harm runs the trend tests on the best, low and high figures of a measure.
func (s *svSorted) harm(measure string, figs [][3]int32) HarmTrend {
	h := HarmTrend{Measure: measure}
	n := 0
	for _, f := range figs {
		if f[1] >= 0 {
			n++
		}
	}
	days := make([]int, 0, n)
	best, low, high := make([]float64, 0, n), make([]float64, 0, n), make([]float64, 0, n)
	for k, f := range figs {
		if f[1] < 0 {
			continue
		}
		days = append(days, s.days[k])
		low = append(low, float64(f[0]))
		best = append(best, float64(f[1]))
		high = append(high, float64(f[2]))
	}
	h.N = len(days)
	if h.N == 0 {
		h.Sensitivity = SensitivityUnknown
		return h
	}
	for _, v := range best {
		h.Total += v
	}
	h.Mean = h.Total / float64(h.N)
	h.Median = tpMedian(best)
	h.Best = s.series(days, best)
	h.Low = s.series(days, low)
	h.High = s.series(days, high)
	h.Sensitivity = svSensitivity(h.Best, h.Low, h.High)
	return h
}

// svDirection is +1 or −1 for a Mann–Kendall trend at the 5% level, 0 for
// none, and false when the test did not run.
func svDirection(st *SeriesTrend) (int, bool) {
	if st == nil || st.MannKendall == nil {
		return 0, false
	}
	if st.MannKendall.P >= 0.05 {
		return 0, true
	}
	return int(trSign(st.MannKendall.S)), true
}

func svSensitivity(best, low, high *SeriesTrend) string {
	b, okB := svDirection(best)
	l, okL := svDirection(low)
	h, okH := svDirection(high)
	switch {
	case !okB || !okL || !okH:
		return SensitivityUnknown
	case l == b && h == b:
		return SensitivityHolds
	}
	return SensitivityDiffers
}

// series runs Mann–Kendall, Sen and the log-linear regression on values
// in date order.
func (s *svSorted) series(days []int, y []float64) *SeriesTrend {
	st := &SeriesTrend{N: len(y)}
	if len(y) < TrendMinN {
		st.Note = fmt.Sprintf("%d incidents with a figure, need at least %d", len(y), TrendMinN)
		return st
	}
	groups := make([]int, 1, len(days)/4+2)
	for i := 1; i < len(days); i++ {
		if days[i] != days[i-1] {
			groups = append(groups, i)
		}
	}
	groups = append(groups, len(days))
	ranks, nr := trDenseRanks(y)
	var notes []string
	mk, err := trMK(groups, ranks, nr)
	if err != nil {
		notes = append(notes, tpNote(err))
	} else {
		st.MannKendall = &mk
		years := make([]float64, len(days))
		for i, d := range days {
			years[i] = float64(d-s.w0) / tpYear
		}
		st.SenBasis = SenBasisEvents
		sx, sy, varS := years, y, mk.VarS
		if len(y) > s.maxEvents {
			st.SenBasis = SenBasisMonthlyMeans
			sx, sy = tpMonthlyMeans(days, y, s.w0)
		}
		if p, err := trPrepare(sx, sy); err != nil {
			notes = append(notes, "Sen's slope: "+tpNote(err))
		} else {
			if st.SenBasis != SenBasisEvents {
				m, err := trMK(p.groups, p.ranks, p.nRanks)
				varS = m.VarS
				if err != nil {
					notes = append(notes, "Sen's slope: "+tpNote(err))
					p = nil
				}
			}
			if p != nil {
				sen := trSen(p, varS, trLevel)
				st.Sen = &sen
			}
		}
	}
	// The log-linear regression on one row per day.
	g := len(groups) - 1
	// Figures are small integers: v·log v from a table saves a log per incident.
	var vlogv [1024]float64
	for v := range vlogv {
		vlogv[v] = float64(v) * trLog0(float64(v))
	}
	d := trGLMData{t: make([]float64, 0, g), y: make([]float64, 0, g), m: make([]float64, 0, g),
		nObs: make([]float64, 0, g), y2: make([]float64, 0, g), ylogy: make([]float64, 0, g)}
	for a := 0; a+1 < len(groups); a++ {
		i, j := groups[a], groups[a+1]
		sum, sum2, sylogy := 0.0, 0.0, 0.0
		for _, v := range y[i:j] {
			sum += v
			sum2 += v * v
			if iv := int(v); iv >= 0 && iv < len(vlogv) && float64(iv) == v {
				sylogy += vlogv[iv]
			} else {
				sylogy += v * trLog0(v)
			}
		}
		k := float64(j - i)
		d.t = append(d.t, float64(days[i]-s.w0)/tpYear)
		d.y = append(d.y, sum)
		d.m = append(d.m, k)
		d.nObs = append(d.nObs, k)
		d.y2 = append(d.y2, sum2)
		d.ylogy = append(d.ylogy, sylogy)
	}
	if len(d.y) < 2 {
		notes = append(notes, "log-linear regression: all incidents are on one day")
	} else if pr, err := trPoissonTrend(d); err != nil {
		notes = append(notes, "log-linear regression: "+tpNote(err))
	} else {
		st.Poisson = &pr
	}
	st.Note = strings.Join(notes, "; ")
	return st
}

// share counts an attribute per year and fits the logistic regression.
func (s *svSorted) share(attr string, flags []int8) ShareTrend {
	sh := ShareTrend{Attribute: attr, Years: []YearShare{}}
	var d trGLMData
	lastDay := math.MinInt
	for k, f := range flags {
		if f < 0 {
			continue
		}
		has := f == 1
		day := s.days[k]
		y := s.years[k]
		if len(sh.Years) == 0 || sh.Years[len(sh.Years)-1].Year != y {
			sh.Years = append(sh.Years, YearShare{Year: y})
		}
		ys := &sh.Years[len(sh.Years)-1]
		ys.N++
		sh.N++
		if day != lastDay {
			d.t = append(d.t, float64(day-s.w0)/tpYear)
			d.y = append(d.y, 0)
			d.m = append(d.m, 0)
			lastDay = day
		}
		d.m[len(d.m)-1]++
		if has {
			ys.Count++
			sh.Count++
			d.y[len(d.y)-1]++
		}
	}
	for k := range sh.Years {
		sh.Years[k].Share = float64(sh.Years[k].Count) / float64(sh.Years[k].N)
	}
	if sh.N == 0 {
		sh.Note = "not known for any incident"
		return sh
	}
	sh.Share = float64(sh.Count) / float64(sh.N)
	switch {
	case sh.N < TrendMinN:
		sh.Note = fmt.Sprintf("known for %d incidents, need at least %d", sh.N, TrendMinN)
		return sh
	case sh.Count == 0 || sh.Count == sh.N:
		sh.Note = fmt.Sprintf("%s in %d of %d incidents: no variation to test", attr, sh.Count, sh.N)
		return sh
	case len(d.t) < 2:
		sh.Note = "all incidents where it is known are on one day"
		return sh
	}
	// Centre time for conditioning; the slope is unchanged.
	tc := 0.0
	for i, t := range d.t {
		tc += t * d.m[i]
	}
	tc /= float64(sh.N)
	x := mat.NewDense(len(d.t), 2, nil)
	for i, t := range d.t {
		x.Set(i, 0, 1)
		x.Set(i, 1, t-tc)
	}
	d.x = x
	fit, err := trFitGLM(d, trBinomialFamily)
	if err != nil || !fit.converged {
		sh.Note = "the logistic regression did not converge (the attribute may switch from absent to present at one date)"
		return sh
	}
	sh.Tested = true
	sh.Slope = fit.beta[1]
	sh.SE = math.Sqrt(fit.cov.At(1, 1))
	sh.P = 2 * distuv.UnitNormal.Survival(math.Abs(sh.Slope/sh.SE))
	crit := distuv.UnitNormal.Quantile(1 - (1-trLevel)/2)
	sh.OddsRatio = math.Exp(sh.Slope)
	sh.OddsLower = math.Exp(sh.Slope - crit*sh.SE)
	sh.OddsUpper = math.Exp(sh.Slope + crit*sh.SE)
	logistic := func(t float64) float64 { return 1 / (1 + math.Exp(-(fit.beta[0] + fit.beta[1]*(t-tc)))) }
	sh.ShareStart = logistic(0)
	sh.ShareEnd = logistic(d.t[len(d.t)-1])
	return sh
}

// Sentences returns one plain sentence per measure: killed, wounded, then
// the shares of suicide, multi-site and coordinated attacks.
func (r SeverityResult) Sentences() []string {
	return []string{r.Killed.Sentence(), r.Wounded.Sentence(), r.Suicide.Sentence(), r.MultiSite.Sentence(), r.Coordinated.Sentence()}
}

// Sentence joins Sentences into one paragraph.
func (r SeverityResult) Sentence() string {
	return strings.Join(r.Sentences(), " ")
}

// Sentence says in one sentence whether the figure per incident is rising,
// by how much, with the p-values and n, and whether the answer holds on the
// low and high figures.
func (h HarmTrend) Sentence() string {
	if h.N == 0 {
		return fmt.Sprintf("No incident in the selection has a figure for the number %s.", h.Measure)
	}
	n := fmt.Sprintf("n = %d incidents with a figure, %s to %s", h.N, h.start, h.end)
	caveat := ""
	if h.N < 20 {
		caveat = fmt.Sprintf(" — with only %d incidents, treat this with caution", h.N)
	}
	b := h.Best
	if b == nil || b.MannKendall == nil {
		note := ""
		if b != nil {
			note = b.Note
		}
		return fmt.Sprintf("No trend in the number %s per incident can be tested (%s; %s)%s.", h.Measure, note, n, caveat)
	}
	mk := b.MannKendall
	sen := ""
	if b.Sen != nil && b.Sen.Slope != 0 && !math.IsNaN(b.Sen.Slope) {
		sen = fmt.Sprintf(", typical change %s%s a year", svSign(b.Sen.Slope), trFormatNum(math.Abs(b.Sen.Slope)))
	}
	mean := ""
	if pr := b.Poisson; pr != nil {
		adj := ""
		if pr.Overdispersed {
			adj = ", allowing for very uneven tolls"
		}
		mean = fmt.Sprintf("; the average per incident changed by %s a year (%s%s)", tpSignedPercent(pr.RateRatio), trFormatP(pr.P), adj)
	}
	dir, _ := svDirection(b)
	var s string
	switch {
	case dir > 0 && h.Measure == "killed":
		s = fmt.Sprintf("Incidents are getting deadlier: the number killed per incident rose over time (Mann–Kendall %s%s; %s)%s", trFormatP(mk.P), sen, n, mean)
	case dir < 0 && h.Measure == "killed":
		s = fmt.Sprintf("Incidents are getting less deadly: the number killed per incident fell over time (Mann–Kendall %s%s; %s)%s", trFormatP(mk.P), sen, n, mean)
	case dir > 0:
		s = fmt.Sprintf("The number %s per incident rose over time (Mann–Kendall %s%s; %s)%s", h.Measure, trFormatP(mk.P), sen, n, mean)
	case dir < 0:
		s = fmt.Sprintf("The number %s per incident fell over time (Mann–Kendall %s%s; %s)%s", h.Measure, trFormatP(mk.P), sen, n, mean)
	default:
		s = fmt.Sprintf("No clear trend in the number %s per incident (Mann–Kendall %s; %s)%s", h.Measure, trFormatP(mk.P), n, mean)
	}
	return s + h.sensitivityClause(dir) + caveat + "."
}

func (h HarmTrend) sensitivityClause(dir int) string {
	switch h.Sensitivity {
	case SensitivityHolds:
		if dir == 0 {
			return "; the low and high figures show no clear trend either"
		}
		return "; the trend holds on the low and high figures"
	case SensitivityDiffers:
		var differ []string
		for _, c := range []struct {
			name string
			st   *SeriesTrend
		}{{"low", h.Low}, {"high", h.High}} {
			if d, _ := svDirection(c.st); d != dir {
				word := "no clear trend"
				if d > 0 {
					word = "a rise"
				} else if d < 0 {
					word = "a fall"
				}
				differ = append(differ, fmt.Sprintf("the %s figures show %s (%s)", c.name, word, trFormatP(c.st.MannKendall.P)))
			}
		}
		if dir == 0 {
			return ", but " + strings.Join(differ, " and ")
		}
		return ", but the trend does not hold: " + strings.Join(differ, " and ")
	}
	return ""
}

func svSign(x float64) string {
	if x < 0 {
		return "−"
	}
	return "+"
}

var svPhrases = map[string]string{
	"suicide":     "suicide attacks",
	"multi_site":  "attacks on several sites at once",
	"coordinated": "coordinated attacks",
}

// Sentence says in one sentence whether the share of incidents with the
// attribute is changing, with the p-value and n.
func (s ShareTrend) Sentence() string {
	what := svPhrases[s.Attribute]
	if what == "" {
		what = s.Attribute + " incidents"
	}
	if s.N == 0 {
		return fmt.Sprintf("Whether incidents were %s is not known for any incident in the selection.", strings.TrimSuffix(what, "s"))
	}
	n := fmt.Sprintf("n = %d incidents where it is known", s.N)
	caveat := ""
	if s.N < 20 {
		caveat = fmt.Sprintf(" — with only %d incidents, treat this with caution", s.N)
	}
	overall := fmt.Sprintf("%s of %d", trFormatNum(100*s.Share)+"%", s.N)
	switch {
	case s.Tested:
	case s.Count == 0:
		return fmt.Sprintf("None of the %d incidents where it is known is recorded among %s, so no trend in their share can be tested%s.", s.N, what, caveat)
	case s.Count == s.N:
		return fmt.Sprintf("All %d incidents where it is known are recorded among %s, so no trend in their share can be tested%s.", s.N, what, caveat)
	default:
		return fmt.Sprintf("The share of %s (%s) cannot be tested for a trend: %s%s.", what, overall, s.Note, caveat)
	}
	odds := fmt.Sprintf("odds ×%s a year, 95%% CI %s–%s, %s; %s", svRatio(s.OddsRatio), svRatio(s.OddsLower), svRatio(s.OddsUpper), trFormatP(s.P), n)
	span := fmt.Sprintf("from about %s%% to %s%% between %s and %s", trFormatNum(100*s.ShareStart), trFormatNum(100*s.ShareEnd), s.start, s.end)
	switch {
	case s.P < 0.05 && s.Slope > 0:
		return fmt.Sprintf("The share of %s rose, %s (%s)%s.", what, span, odds, caveat)
	case s.P < 0.05 && s.Slope < 0:
		return fmt.Sprintf("The share of %s fell, %s (%s)%s.", what, span, odds, caveat)
	}
	return fmt.Sprintf("The share of %s shows no clear trend (%s overall; %s)%s.", what, overall, odds, caveat)
}

func svRatio(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", x)
}

// MarshalJSON writes non-finite numbers as null.
func (h HarmTrend) MarshalJSON() ([]byte, error) {
	type plain HarmTrend
	c := plain(h)
	return trMarshal(&c, &c.Mean, &c.Median, &c.Total)
}

// MarshalJSON writes non-finite numbers as null.
func (s ShareTrend) MarshalJSON() ([]byte, error) {
	type plain ShareTrend
	c := plain(s)
	return trMarshal(&c, &c.Share, &c.Slope, &c.SE, &c.P, &c.OddsRatio, &c.OddsLower, &c.OddsUpper, &c.ShareStart, &c.ShareEnd)
}
