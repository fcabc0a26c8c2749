package report

// The report's charts, each drawn from a built Report with the helper in
// svg.go. Every chart has a title and a description in words (for screen
// readers and for the printed page without colour).

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mathext"

	"github.com/vigil-project/vigil/internal/analyze"
	"github.com/vigil-project/vigil/internal/model"
)

// Chart sizes in user units; the page scales them to its width.
const (
	chartW = 760
	chartH = 280
)

// timeAxis returns a date axis over the report's months, or over [a, b]
// days when there are none.
func (r *Report) timeAxis() *timeScale {
	if len(r.months) == 0 {
		return &timeScale{lo: 0, hi: 1}
	}
	return &timeScale{lo: r.months[0].start, hi: r.months[len(r.months)-1].end + 1}
}

// barGap is the space left on either side of a month's bar, in days.
func (r *Report) barGap() float64 {
	switch n := len(r.months); {
	case n > 240:
		return 0
	case n > 60:
		return 2
	}
	return 4
}

// chartMonthly draws the monthly counts (killed false) or the monthly sums
// of best killed figures (killed true), with the change points of series s
// when given.
func (r *Report) chartMonthly(id string, killed bool, s *analyze.ChangeSeries) string {
	what, unit := "incidents", "incident"
	if killed {
		what, unit = "people killed (best estimates)", "killed"
	}
	values := make([]float64, len(r.months))
	for i, m := range r.months {
		values[i] = float64(m.count)
		if killed {
			values[i] = m.killed
		}
	}
	top := 1.0
	if len(values) > 0 {
		top = math.Max(1, slices.Max(values))
	}
	title := "Incidents per month"
	if killed {
		title = "People killed per month"
	}
	desc := fmt.Sprintf("Bar chart of the number of %s in each calendar month from %s to %s; the highest month has %s.",
		what, r.months[0].label, r.months[len(r.months)-1].label, fmtNum(top))
	if s != nil {
		desc += " " + changeDesc(s)
	}
	c := newChart(id, title, desc, chartW, chartH)
	c.x = r.timeAxis()
	var ys scale = newCount(top)
	yl := what + " per month"
	if killed {
		ys = newLinear(0, top)
		// The change-point model works on log(1 + deaths), and so does
		// the axis, so that the levels it compares can be seen.
		if top >= 10 && (s != nil || useLog(values)) {
			ys = newLog1p(top)
			yl += " (log scale)"
		}
	}
	c.y, c.yLabel = ys, capitalise(yl)
	colour := colBlue
	if killed {
		colour = colVermilion
	}
	gap := r.barGap()
	for i, m := range r.months {
		if values[i] == 0 {
			continue
		}
		tip := fmt.Sprintf("%s: %s %s", m.label, fmtNum(values[i]), unit)
		if !killed && values[i] != 1 {
			tip += "s"
		}
		if m.partial {
			tip += " (month not over when the report was made)"
		}
		c.bar(m.start+gap, m.end+1-gap, 0, values[i], colour, tip)
	}
	c.addLegend(capitalise(strings.TrimSuffix(what, " (best estimates)")), colour, "bar")
	if s != nil {
		r.drawChanges(c, s)
	}
	return c.svg()
}

// drawChanges marks the Bayesian change points with their regime levels
// and the PELT change points that the Bayesian method does not share.
func (r *Report) drawChanges(c *chart, s *analyze.ChangeSeries) {
	if len(s.Bayes) > 0 {
		// The level of each regime as a step line.
		var xs, ys []float64
		start := r.months[0].start
		level := s.Bayes[0].Before
		for _, cp := range s.Bayes {
			at := r.monthStart(cp.Month)
			xs = append(xs, start, at, math.NaN())
			ys = append(ys, level, level, math.NaN())
			start, level = at, cp.After
		}
		xs = append(xs, start, r.months[len(r.months)-1].end+1)
		ys = append(ys, level, level)
		c.line(xs, ys, colOrange, 2.2, "")
		c.addLegend("level of each period", colOrange, "line")
	}
	for _, cp := range s.Bayes {
		c.marker(r.monthStart(cp.Month), cp.Month, colVermilion, fmt.Sprintf("Change in %s (Bayesian, probability %s)", cp.Month, fmtProb(cp.WindowProbability)))
	}
	if len(s.Bayes) > 0 {
		c.addLegend("change (Bayesian)", colVermilion, "dash")
	}
	pelt := 0
	for _, p := range s.PELT {
		if nearAny(p.Month, s.Bayes) {
			continue
		}
		pelt++
		c.marker(r.monthStart(p.Month), "", colGrey, fmt.Sprintf("Change in %s (PELT only)", p.Month))
	}
	if pelt > 0 {
		c.addLegend("change (PELT only)", colGrey, "dash")
	}
}

// nearAny reports whether month is within two months of a change in cps.
func nearAny(month string, cps []analyze.ChangePoint) bool {
	for _, c := range cps {
		if monthsApart(month, c.Month) <= 2 {
			return true
		}
	}
	return false
}

func monthsApart(a, b string) int {
	var ya, ma, yb, mb int
	fmt.Sscanf(a, "%d-%d", &ya, &ma)
	fmt.Sscanf(b, "%d-%d", &yb, &mb)
	d := (ya*12 + ma) - (yb*12 + mb)
	if d < 0 {
		return -d
	}
	return d
}

// monthStart is the day of the first of a "YYYY-MM" month.
func (r *Report) monthStart(label string) float64 {
	for _, m := range r.months {
		if m.label == label {
			return m.start
		}
	}
	return math.NaN()
}

// changeDesc says where a series' changes are, for a chart's description.
func changeDesc(s *analyze.ChangeSeries) string {
	if len(s.Bayes) == 0 && len(s.PELT) == 0 {
		return "No change point is marked."
	}
	var parts []string
	for _, c := range s.Bayes {
		parts = append(parts, fmt.Sprintf("%s (from about %s to %s a month)", c.Month, fmtNum(c.Before), fmtNum(c.After)))
	}
	d := ""
	if len(parts) > 0 {
		d = "Dashed lines mark the changes found by the Bayesian method: " + strings.Join(parts, "; ") + "."
	}
	var pelt []string
	for _, p := range s.PELT {
		if !nearAny(p.Month, s.Bayes) {
			pelt = append(pelt, p.Month)
		}
	}
	if len(pelt) > 0 {
		d = strings.TrimSpace(d + " Grey dashed lines mark changes only PELT finds: " + strings.Join(pelt, ", ") + ".")
	}
	return d
}

// useLog reports whether values span so many orders of magnitude that a
// linear axis would flatten all but the largest.
func useLog(values []float64) bool {
	var pos []float64
	for _, v := range values {
		if v > 0 {
			pos = append(pos, v)
		}
	}
	if len(pos) < 2 {
		return false
	}
	hi := slices.Max(pos)
	slices.Sort(pos)
	med := pos[len(pos)/2]
	return hi >= 20 && hi/med >= 8
}

// chartIntervals draws the days between consecutive incidents against the
// date of the later one, with Sen's slope.
func (r *Report) chartIntervals() string {
	t := r.tempo
	var xs, ys []float64
	for i := 1; i < len(r.incs); i++ {
		a, b := dayOfDate(r.incs[i-1].Start), dayOfDate(r.incs[i].Start)
		xs = append(xs, b)
		ys = append(ys, b-a)
	}
	perMonth := len(xs) > maxPoints
	if perMonth {
		xs, ys = monthlyMeans(xs, ys)
	}
	hi := 1.0
	if len(ys) > 0 {
		hi = math.Max(1, slices.Max(ys))
	}
	desc := fmt.Sprintf("Scatter plot of the %s between one incident and the next (from %s to %s days, median %s), placed at the date of the later incident.",
		plural(t.Intervals, "gap", "gaps"), fmtNum(slices.Min(ys)), fmtNum(hi), fmtNum(t.IntervalMedian))
	if perMonth {
		desc = fmt.Sprintf("Scatter plot of the mean gap between one incident and the next in each month (%s gaps in all, median %s days).", fmtInt(int64(t.Intervals)), fmtNum(t.IntervalMedian))
	}
	if t.Sen != nil {
		desc += fmt.Sprintf(" The line is Sen's slope: the typical gap changes by %s days a year.", fmtSigned(t.Sen.Slope))
	}
	c := newChart("chart-intervals", "Days between consecutive incidents", desc, chartW, chartH)
	c.x = r.timeAxis()
	c.y = newLinear(0, hi)
	c.yLabel = "Days since the previous incident"
	if perMonth {
		c.yLabel = "Mean days since the previous incident, per month"
	}
	for i := range xs {
		c.dot(xs[i], ys[i], 4, colBlue, false, fmt.Sprintf("%s: %s days since the previous incident", dayDate(xs[i]), fmtNum(ys[i])))
	}
	c.addLegend("gap", colBlue, "dot")
	if t.Sen != nil && !math.IsNaN(t.Sen.Slope) && len(xs) > 0 {
		w0 := dayOfDate(t.Start)
		var lx, ly []float64
		a, b := xs[0], xs[len(xs)-1]
		for k := 0; k <= 40; k++ {
			x := a + (b-a)*float64(k)/40
			lx = append(lx, x)
			ly = append(ly, t.Sen.Intercept+t.Sen.Slope*(x-w0)/365.2425)
		}
		c.line(lx, ly, colOrange, 2.2, "")
		c.addLegend("Sen's slope", colOrange, "line")
	}
	return c.svg()
}

// monthlyMeans averages y by the calendar month of x (days), placing each
// mean at the middle of its month.
func monthlyMeans(xs, ys []float64) (mx, my []float64) {
	type acc struct{ sum, n, mid float64 }
	var order []string
	m := map[string]*acc{}
	for i, x := range xs {
		d := dateOfDay(x)
		k := d.Format("2006-01")
		a := m[k]
		if a == nil {
			first := dayOf(d.AddDate(0, 0, 1-d.Day()))
			a = &acc{mid: first + 14}
			m[k] = a
			order = append(order, k)
		}
		a.sum += ys[i]
		a.n++
	}
	for _, k := range order {
		mx = append(mx, m[k].mid)
		my = append(my, m[k].sum/m[k].n)
	}
	return mx, my
}

// chartKilled draws the killed figure of each incident over time: the low
// to high range as a vertical line, the best figure as a dot.
func (r *Report) chartKilled() string {
	type pt struct {
		x            float64
		lo, best, hi float64
		label        string
	}
	var pts []pt
	for _, inc := range r.incs {
		k := inc.Killed
		if k == nil || k.Best < 0 {
			continue
		}
		lo, hi := float64(min(k.Low, k.Best)), float64(max(k.High, k.Best))
		pts = append(pts, pt{dayOfDate(inc.Start), math.Max(0, lo), float64(k.Best), hi,
			fmt.Sprintf("%s %s: killed %s", inc.Start, placeOf(inc), k.String())})
	}
	perMonth := len(pts) > maxPoints
	if perMonth {
		// The deadliest incident of each month.
		best := map[string]int{}
		var keep []pt
		for _, p := range pts {
			k := dateOfDay(p.x).Format("2006-01")
			if i, ok := best[k]; !ok {
				best[k] = len(keep)
				keep = append(keep, p)
			} else if p.best > keep[i].best {
				keep[i] = p
			}
		}
		pts = keep
	}
	var all []float64
	top := 1.0
	ranges := 0
	for _, p := range pts {
		all = append(all, p.best)
		top = math.Max(top, p.hi)
		if p.hi > p.lo {
			ranges++
		}
	}
	desc := fmt.Sprintf("Chart of the number killed in each of %s, by date: a dot for the best estimate and a vertical line from the low to the high figure where sources differ (%d of them). The deadliest has %s killed.",
		plural(len(pts), "incident", "incidents"), ranges, fmtNum(slices.Max(all)))
	if perMonth {
		desc = fmt.Sprintf("Chart of the deadliest incident of each month (%d months), by date: a dot for its best estimate and a vertical line from its low to its high figure.", len(pts))
	}
	c := newChart("chart-killed", "Killed per incident, with the range of figures", desc, chartW, chartH+20)
	c.x = r.timeAxis()
	c.yLabel = "Killed per incident"
	if perMonth {
		c.yLabel = "Killed in the month's deadliest incident"
	}
	if useLog(all) {
		c.y = newLog1p(top)
		c.yLabel += " (log scale)"
	} else {
		c.y = newLinear(0, top)
	}
	for _, p := range pts {
		c.vrange(p.x, p.lo, p.hi, colVermilion)
	}
	for _, p := range pts {
		c.dot(p.x, p.best, 4, colVermilion, false, p.label)
	}
	c.addLegend("best estimate, low–high range", colVermilion, "range")
	return c.svg()
}

// chartShares draws the yearly shares of suicide, multi-site and
// coordinated attacks as grouped bars.
func (r *Report) chartShares() string {
	s := r.sev
	series := []struct {
		name   string
		colour string
		st     analyze.ShareTrend
	}{{"suicide", colVermilion, s.Suicide}, {"multi-site", colBlue, s.MultiSite}, {"coordinated", colGreen, s.Coordinated}}
	y0, y1 := math.MaxInt, math.MinInt
	for _, se := range series {
		for _, y := range se.st.Years {
			y0, y1 = min(y0, y.Year), max(y1, y.Year)
		}
	}
	var parts []string
	for _, se := range series {
		parts = append(parts, fmt.Sprintf("%s %s of %d", se.name, fmtNum(100*se.st.Share)+"%", se.st.N))
	}
	desc := fmt.Sprintf("Grouped bar chart of the share of incidents in each year from %d to %d that were suicide attacks, attacks on several sites, and coordinated attacks, among those where it is known. Over the whole period: %s.",
		y0, y1, strings.Join(parts, "; "))
	c := newChart("chart-shares", "Share of suicide, multi-site and coordinated attacks per year", desc, chartW, chartH)
	c.x = &linearScale{lo: float64(y0) - 0.5, hi: float64(y1) + 0.5, step: math.Max(1, niceStep(float64(y1-y0+1)/12)),
		format: func(v float64) string { return fmt.Sprintf("%d", int(v)) }}
	ys := &linearScale{lo: 0, hi: 1, format: func(v float64) string { return fmtNum(100*v) + "%" }}
	c.y, c.yLabel = ys, "Share of incidents"
	if y1-y0 < 16 { // room for each year's number of incidents
		c.bottom = 52
		perYear := map[int]int{}
		for _, inc := range r.incs {
			perYear[inc.Start.Year]++
		}
		for y := y0; y <= y1; y++ {
			c.below(float64(y), fmt.Sprintf("n = %d", perYear[y]))
		}
	}
	w := 0.8 / float64(len(series))
	for k, se := range series {
		for _, y := range se.st.Years {
			x := float64(y.Year) - 0.4 + float64(k)*w
			tip := fmt.Sprintf("%d: %s %d of %d (%s%%)", y.Year, se.name, y.Count, y.N, fmtNum(100*y.Share))
			if y.Count == 0 {
				// A zero share is drawn as a thin line, so that it reads as
				// "none" and not as "not known".
				c.bar(x+0.01, x+w-0.01, 0, 0.004, se.colour, tip)
				continue
			}
			c.bar(x+0.01, x+w-0.01, 0, y.Share, se.colour, tip)
		}
		c.addLegend(se.name, se.colour, "bar")
	}
	return c.svg()
}

// chartCCDF draws the share of incidents with at least x killed against x
// on log–log axes, with the fitted power law from x_min.
func (r *Report) chartCCDF() string {
	vals := slices.Clone(r.tailValues)
	slices.Sort(vals)
	n := float64(len(vals))
	var xs, ys []float64
	for i := 0; i < len(vals); i++ {
		if i > 0 && vals[i] == vals[i-1] {
			continue
		}
		xs = append(xs, vals[i])
		ys = append(ys, (n-float64(i))/n)
	}
	desc := fmt.Sprintf("Log–log plot of the share of the %s with at least one death that killed at least x people, for x from %s to %s.",
		fmtInt(int64(len(vals))), fmtNum(vals[0]), fmtNum(vals[len(vals)-1]))
	f := r.tail
	if f != nil {
		desc += fmt.Sprintf(" The line is the fitted power law from %s killed upwards, with exponent %s; on these axes a power law is a straight line.", fmtNum(f.Xmin), fmtNum(f.Alpha))
	} else {
		desc += " No power law was fitted."
	}
	c := newChart("chart-ccdf", "Share of incidents with at least x killed (log–log)", desc, chartW, chartH+40)
	c.x = newLog(vals[0], vals[len(vals)-1])
	c.y = newLog(1/n, 1)
	c.yLabel = "Share of incidents with ≥ x killed (log scale)"
	c.xLabel = "x, people killed (log scale)"
	c.bottom = 52
	if len(xs) > 2000 { // thin evenly in log x; the step shape survives
		var tx, ty []float64
		last := math.Inf(-1)
		span := math.Log10(xs[len(xs)-1]/xs[0]) / 2000
		for i := range xs {
			if l := math.Log10(xs[i]); l-last >= span || i == len(xs)-1 {
				tx, ty = append(tx, xs[i]), append(ty, ys[i])
				last = l
			}
		}
		xs, ys = tx, ty
	}
	for i := range xs {
		c.dot(xs[i], ys[i], 3.5, colBlue, true, fmt.Sprintf("%s%% of incidents killed %s or more", fmtNum(100*ys[i]), fmtNum(xs[i])))
	}
	c.addLegend("incidents", colBlue, "circle")
	if f != nil && f.Alpha > 1 && f.Xmin > 0 && f.N > 0 {
		share := float64(f.NTail) / float64(f.N)
		hi := vals[len(vals)-1]
		var lx, ly []float64
		for k := 0; k <= 60; k++ {
			x := f.Xmin * math.Pow(hi/f.Xmin, float64(k)/60)
			var s float64
			if f.Discrete {
				x = math.Ceil(x)
				s = mathext.Zeta(f.Alpha, x) / mathext.Zeta(f.Alpha, f.Xmin)
			} else {
				s = math.Pow(x/f.Xmin, 1-f.Alpha)
			}
			lx, ly = append(lx, x), append(ly, share*s)
		}
		c.line(lx, ly, colOrange, 2.2, "")
		c.addLegend(fmt.Sprintf("power law, α = %s, from x_min = %s", fmtNum(f.Alpha), fmtNum(f.Xmin)), colOrange, "line")
		c.marker(f.Xmin, "", colGrey, fmt.Sprintf("x_min = %s", fmtNum(f.Xmin)))
	}
	return c.svg()
}

// chartHawkes draws the fitted intensity of the self-exciting model: the
// expected number of incidents per month at each date, jumping at each
// incident and decaying back to the background rate.
func (r *Report) chartHawkes() string {
	h := r.hawkes
	ts := r.hawkesTimes
	const perMonth = 365.2425 / 12
	grid := make([]float64, 0, 800+2*len(ts))
	for k := 0; k <= 800; k++ {
		grid = append(grid, h.T0+(h.T1-h.T0)*float64(k)/800)
	}
	if len(ts) <= 400 {
		for _, t := range ts {
			grid = append(grid, t, t+1e-6)
		}
	}
	slices.Sort(grid)
	first := dayOfDate(r.hawkesFirst)
	xs, ys := make([]float64, 0, len(grid)), make([]float64, 0, len(grid))
	excite, at, i := 0.0, h.T0, 0
	peak := 0.0
	for _, g := range grid {
		// Events strictly before g raise the intensity at g.
		for i < len(ts) && ts[i] < g {
			excite = excite*math.Exp(-h.Beta*(ts[i]-at)) + 1
			at = ts[i]
			i++
		}
		lam := (h.Mu + h.Alpha*excite*math.Exp(-h.Beta*(g-at))) * perMonth
		xs, ys = append(xs, first+g), append(ys, lam)
		peak = math.Max(peak, lam)
	}
	desc := fmt.Sprintf("Line chart of the fitted self-exciting model: the expected number of incidents per month at each date, which jumps at each of the %s and decays back towards the background rate of %s a month, halving every %s days. The peak is %s a month.",
		plural(len(ts), "incident", "incidents"), fmtNum(h.Mu*perMonth), fmtNum(h.HalfLife), fmtNum(peak))
	c := newChart("chart-hawkes", "Modelled risk of an incident over time", desc, chartW, chartH)
	c.x = r.timeAxis()
	if useLog(append(slices.Clone(ys), h.Mu*perMonth)) && peak/(h.Mu*perMonth) > 50 {
		c.y = newLog(h.Mu*perMonth, peak)
		c.yLabel = "Expected incidents per month (log scale)"
	} else {
		c.y = newLinear(0, peak)
		c.yLabel = "Expected incidents per month"
	}
	c.line(xs, ys, colBlue, 1.8, "")
	c.addLegend("modelled rate", colBlue, "line")
	rug := make([]float64, len(ts))
	for k, t := range ts {
		rug[k] = first + t
	}
	c.rug(rug, colVermilion)
	c.addLegend("incident", colVermilion, "tick")
	return c.svg()
}

// placeOf names an incident's place: place, province and country.
func placeOf(inc model.Incident) string {
	var parts []string
	for _, p := range []string{inc.Place, inc.Admin1, inc.Country} {
		if p != "" && !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func fmtProb(p float64) string {
	if p >= 0.995 {
		return "> 0.99"
	}
	return fmt.Sprintf("%.2f", p)
}
