package alert

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/analyze"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

// dayNum numbers days from 1970-01-01, so that windows are arithmetic.
func dayNum(d model.Date) int { return int(d.Time().Unix() / 86400) }

// dateOf is the inverse of dayNum.
func dateOf(n int) model.Date { return model.DateOf(time.Unix(int64(n)*86400, 0).UTC()) }

// region is one region's daily series as a rule sees it.
type region struct {
	country, admin1 string // admin1 case-folded as stored; "" at country level
	whole           bool   // the whole country (country level), not its incidents without admin1
	count, killed   map[int]int
	days            []int // the days with incidents, ascending
}

func (r *region) key() string { return r.country + "/" + r.admin1 }

// sum adds f's values over the days from lo to hi (both included).
func sum(m map[int]int, lo, hi int) int {
	n := 0
	for d := lo; d <= hi; d++ {
		n += m[d]
	}
	return n
}

// span is how many days of history (today included) a region rule reads.
func span(r Rule) int {
	switch r.Kind {
	case KindSurge:
		return windowDays(r.Spec.Window) + baselineDays(r.Spec.Baseline)
	case KindHigh:
		return 365*r.Spec.Years + 30
	case KindFollowOn:
		return 365 * r.Spec.FitYears
	}
	return 0
}

func windowDays(w string) int {
	if w == "month" {
		return 30
	}
	return 7
}

func baselineDays(b string) int {
	if b == "year" {
		return 365
	}
	return 30
}

// regions groups region days into the rule's regions, in its scope.
func regions(r Rule, days []store.RegionDay, from int) []*region {
	byKey := map[string]*region{}
	var out []*region
	for _, d := range days {
		n := dayNum(d.Day)
		if n < from {
			continue
		}
		if r.Spec.Country != "" && !strings.EqualFold(d.Country, r.Spec.Country) {
			continue
		}
		if r.Spec.Admin1 != "" && !strings.EqualFold(d.Admin1, r.Spec.Admin1) {
			continue
		}
		admin1 := d.Admin1
		if r.Spec.Level == "country" {
			admin1 = ""
		}
		k := d.Country + "/" + admin1
		g := byKey[k]
		if g == nil {
			g = &region{country: d.Country, admin1: admin1, whole: r.Spec.Level == "country", count: map[int]int{}, killed: map[int]int{}}
			byKey[k] = g
			out = append(out, g)
		}
		if g.count[n] == 0 {
			g.days = append(g.days, n)
		}
		g.count[n] += d.Incidents
		g.killed[n] += d.Killed
	}
	for _, g := range out {
		slices.Sort(g.days)
	}
	slices.SortFunc(out, func(a, b *region) int { return strings.Compare(a.key(), b.key()) })
	return out
}

// fetchRegionDays reads, once for every region rule, the region-day
// counts of the longest history any of them needs.
func (e *Evaluator) fetchRegionDays(ctx context.Context, rules []Rule, at time.Time) ([]store.RegionDay, error) {
	if len(rules) == 0 {
		return nil, nil
	}
	today := model.DateOf(at)
	longest, country := 0, rules[0].Spec.Country
	for _, r := range rules {
		longest = max(longest, span(r))
		if !strings.EqualFold(r.Spec.Country, country) {
			country = ""
		}
	}
	if longest == 0 {
		return nil, nil
	}
	return e.Store.RegionDays(ctx, today.AddDays(-longest+1), today, country)
}

// checkRegions evaluates the rules on regions over the region-day counts
// that fetchRegionDays read.
func (e *Evaluator) checkRegions(ctx context.Context, rules []Rule, days []store.RegionDay, at time.Time) ([]candidate, []string, error) {
	today := model.DateOf(at)
	var out []candidate
	var skipped []string
	forecasts := map[forecastKey][]RegionRisk{}
	for _, r := range rules {
		var cs []candidate
		var err error
		switch r.Kind {
		case KindSurge:
			cs, err = e.surge(ctx, r, days, today)
		case KindHigh:
			cs, err = e.high(ctx, r, days, today)
		case KindFollowOn:
			var why string
			cs, why, err = e.followOn(ctx, r, days, at)
			if why != "" {
				skipped = append(skipped, fmt.Sprintf("rule %d %q: %s", r.ID, r.Name, why))
			}
		case KindForecast:
			// A country rule forecasts that country only: its models are
			// chosen on its own backtest, and a world store is not read for
			// one country's alert.
			fk := forecastKey{r.Spec.Horizon, strings.ToUpper(r.Spec.Country)}
			risks, ok := forecasts[fk]
			if !ok {
				risks, err = e.Forecaster.Forecast(ctx, at, fk.horizon, fk.country)
				if err != nil {
					skipped = append(skipped, fmt.Sprintf("rule %d %q: forecast: %v", r.ID, r.Name, err))
					continue
				}
				forecasts[fk] = risks
			}
			cs, err = e.forecast(ctx, r, risks, today)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("rule %d %q: %w", r.ID, r.Name, err)
		}
		out = append(out, cs...)
	}
	return out, skipped, nil
}

// forecastKey is what one forecast answers: a horizon in weeks for a
// country, or every country ("").
type forecastKey struct {
	horizon int
	country string
}

// evidence returns the region's incidents that started from from to to,
// dated to within a week (as the region counts are), that keep accepts.
func (e *Evaluator) evidence(ctx context.Context, g *region, from, to model.Date, keep func(model.Incident) bool) ([]model.Incident, error) {
	f := store.Filter{Country: g.country, Admin1: g.admin1, Since: from, Until: to}
	var out []model.Incident
	err := e.Store.Incidents(ctx, f, func(inc model.Incident) error {
		if inc.Start.Before(from) || to.Before(inc.Start) || (!g.whole && g.admin1 == "" && inc.Admin1 != "") {
			return nil
		}
		end := inc.End
		if end.IsZero() {
			end = inc.Start
		}
		if dayNum(end)-dayNum(inc.Start) > 7 {
			return nil
		}
		if keep == nil || keep(inc) {
			out = append(out, inc)
		}
		return nil
	})
	return out, err
}

// displayName names a region by its evidence's spelling of admin1 (the
// store folds case).
func displayName(g *region, ev []model.Incident) string {
	for _, inc := range ev {
		if inc.Admin1 != "" && strings.EqualFold(inc.Admin1, g.admin1) {
			return regionName(inc.Country, inc.Admin1)
		}
	}
	return regionName(g.country, g.admin1)
}

// regionAdmin1 is a region's admin-1 as its incidents spell it (the
// region keeps it case-folded), as displayName finds it.
func regionAdmin1(g *region, ev []model.Incident) string {
	for _, inc := range ev {
		if inc.Admin1 != "" && strings.EqualFold(inc.Admin1, g.admin1) {
			return inc.Admin1
		}
	}
	return g.admin1
}

func ids(incs []model.Incident) []string {
	out := make([]string, len(incs))
	for i, inc := range incs {
		out[i] = inc.ID
	}
	return out
}

func lines(incs []model.Incident) string {
	var b strings.Builder
	for i, inc := range incs {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(incidentLine(inc))
	}
	return b.String()
}

// surge is ACLED's surge rule: the window's count at least double the
// baseline's average for a window of that length, and at least the floor.
// A region alerts at most once per window-length period of days.
func (e *Evaluator) surge(ctx context.Context, r Rule, days []store.RegionDay, today model.Date) ([]candidate, error) {
	w, b := windowDays(r.Spec.Window), baselineDays(r.Spec.Baseline)
	t := dayNum(today)
	var out []candidate
	for _, g := range regions(r, days, t-w-b+1) {
		cur := sum(g.count, t-w+1, t)
		base := sum(g.count, t-w-b+1, t-w)
		avg := float64(base) * float64(w) / float64(b)
		if cur < r.Spec.Floor || float64(cur) < 2*avg {
			continue
		}
		ev, err := e.evidence(ctx, g, dateOf(t-w+1), today, nil)
		if err != nil {
			return nil, err
		}
		name := displayName(g, ev)
		change := "no incidents in the baseline"
		if avg > 0 {
			change = fmt.Sprintf("%.1f× the average of %.1f a %s over the preceding %s", float64(cur)/avg, avg, r.Spec.Window, r.Spec.Baseline)
		}
		out = append(out, candidate{rule: r,
			key:       fmt.Sprintf("surge/%s/%s/%d", g.key(), r.Spec.Window, t/w),
			title:     fmt.Sprintf("Surge in %s: %d incidents in the %s to %s, %s", name, cur, r.Spec.Window, today, change),
			summary:   lines(ev),
			incidents: ids(ev),
			parts: &Parts{Template: "surge", Admin1: regionAdmin1(g, ev), Country: g.country, To: today, Count: cur,
				WindowDays: w, Baseline: avg},
			details: map[string]any{"region": name, "window_days": w, "baseline_days": b, "count": cur,
				"baseline_count": base, "baseline_average": avg, "floor": r.Spec.Floor, "to": today}})
	}
	return out, nil
}

// high is HDX Signals' rule: the killed of the last 30 days above those of
// every 30 days ending in the preceding year (or three), and at least the
// floor. A region alerts at most once per 30-day period.
func (e *Evaluator) high(ctx context.Context, r Rule, days []store.RegionDay, today model.Date) ([]candidate, error) {
	p := 365 * r.Spec.Years
	t := dayNum(today)
	var out []candidate
	for _, g := range regions(r, days, t-p-29) {
		cur := sum(g.killed, t-29, t)
		if cur < r.Spec.Floor {
			continue
		}
		// Rolling 30-day sums for windows ending on each earlier day.
		roll := sum(g.killed, t-p-29, t-p)
		prevMax := roll
		for d := t - p + 1; d < t; d++ {
			roll += g.killed[d] - g.killed[d-30]
			prevMax = max(prevMax, roll)
		}
		if cur <= prevMax {
			continue
		}
		ev, err := e.evidence(ctx, g, dateOf(t-29), today, func(inc model.Incident) bool {
			return inc.Killed != nil && inc.Killed.Best > 0
		})
		if err != nil {
			return nil, err
		}
		name := displayName(g, ev)
		out = append(out, candidate{rule: r,
			key: fmt.Sprintf("high/%s/%dy/%d", g.key(), r.Spec.Years, t/30),
			title: fmt.Sprintf("%s: %d killed in the 30 days to %s, the most in %s (previous high %d)",
				name, cur, today, yearsName(r.Spec.Years), prevMax),
			summary:   lines(ev),
			incidents: ids(ev),
			parts: &Parts{Template: "high", Admin1: regionAdmin1(g, ev), Country: g.country, To: today, Count: cur,
				Years: r.Spec.Years, PrevHigh: prevMax},
			details: map[string]any{"region": name, "killed_30d": cur, "previous_high": prevMax, "years": r.Spec.Years, "to": today}})
	}
	return out, nil
}

func yearsName(y int) string {
	if y == 1 {
		return "a year"
	}
	return strconv.Itoa(y) + " years"
}

// forecast alerts on the regions in scope whose forecast probability is
// at least the threshold in some period of the horizon: one alert per
// region and forecast (keyed by the first period forecast), naming the
// riskiest period. The evidence is the region's incidents of the last 28
// days, which the forecast rests on.
func (e *Evaluator) forecast(ctx context.Context, r Rule, risks []RegionRisk, today model.Date) ([]candidate, error) {
	type regionRisks struct {
		first, top RegionRisk
	}
	byRegion := map[string]*regionRisks{}
	var order []string
	for _, k := range risks {
		if r.Spec.Country != "" && !strings.EqualFold(k.Country, r.Spec.Country) {
			continue
		}
		if r.Spec.Admin1 != "" && !strings.EqualFold(k.Admin1, r.Spec.Admin1) {
			continue
		}
		key := strings.ToUpper(k.Country) + "/" + strings.ToLower(k.Admin1)
		g := byRegion[key]
		if g == nil {
			g = &regionRisks{first: k, top: k}
			byRegion[key] = g
			order = append(order, key)
			continue
		}
		if k.Start.Before(g.first.Start) {
			g.first = k
		}
		if k.Probability > g.top.Probability {
			g.top = k
		}
	}
	var out []candidate
	for _, key := range order {
		g := byRegion[key]
		k := g.top
		if math.IsNaN(k.Probability) || k.Probability < r.Spec.Threshold {
			continue
		}
		reg := &region{country: strings.ToUpper(k.Country), admin1: strings.ToLower(k.Admin1), whole: k.Admin1 == ""}
		ev, err := e.evidence(ctx, reg, today.AddDays(-27), today, nil)
		if err != nil {
			return nil, err
		}
		name := regionName(k.Country, k.Admin1)
		out = append(out, candidate{rule: r,
			key: fmt.Sprintf("forecast/%s/%s", key, g.first.Start),
			title: fmt.Sprintf("Risk in %s: %.0f%% chance of an attack %s to %s (%s model; expected killed %.1f)",
				name, 100*k.Probability, k.Start, k.End, k.Model, k.ExpectedKilled),
			summary:   lines(ev),
			incidents: ids(ev),
			parts: &Parts{Template: "forecast", Admin1: k.Admin1, Country: k.Country, From: k.Start, To: k.End,
				Probability: k.Probability, Model: k.Model, Expected: k.ExpectedKilled},
			details: map[string]any{"forecast": k, "threshold": r.Spec.Threshold}})
	}
	return out, nil
}

// followOnMinEvents is the fewest events a follow-on rule fits: three
// parameters and a background per region are not worth reading from
// fewer than a few dozen (analyze.FitHawkes), and a window drawn from a
// meaningless fit would only raise false alarms.
const followOnMinEvents = 30

// followOn fits the Hawkes model with regional backgrounds to the rule's
// regions over FitYears and, for each day with attacks in the last
// Lookback days, finds the window in which the intensity left by the
// attacks so far stays above Multiple times the region's background:
// μ + E·exp(−β s) > M·μ, where E is the excitation just after the day's
// attacks, for s < ln(E / ((M−1) μ)) / β. It alerts while that window is
// still open at the time of evaluation, once per region and day. why says
// why the rule could not be evaluated (too few events, no convergence).
func (e *Evaluator) followOn(ctx context.Context, r Rule, days []store.RegionDay, at time.Time) ([]candidate, string, error) {
	today := model.DateOf(at)
	t := dayNum(today)
	origin := t - 365*r.Spec.FitYears + 1
	gs := regions(r, days, origin)
	// Events of one day are spread evenly within it: dates rounded to the
	// day would otherwise read as strong excitation at lag zero.
	var ts []float64
	var labels []string
	times := map[string][]float64{}
	for _, g := range gs {
		for _, d := range g.days {
			n := g.count[d]
			for k := range n {
				x := float64(d-origin) + (float64(k)+0.5)/float64(n)
				ts = append(ts, x)
				labels = append(labels, g.key())
				times[g.key()] = append(times[g.key()], x)
			}
		}
	}
	if len(ts) < followOnMinEvents {
		return nil, fmt.Sprintf("%d events in %d years: too few to fit (want %d)", len(ts), r.Spec.FitYears, followOnMinEvents), nil
	}
	end := float64(t - origin + 1)
	fit, err := analyze.FitHawkesRegions(ts, labels, analyze.HawkesOptions{Start: 0, End: end, Unit: "days"})
	if err != nil {
		return nil, "hawkes fit: " + err.Error(), nil
	}
	if !fit.Converged || !(fit.Beta > 0) {
		return nil, "the Hawkes fit did not converge", nil
	}
	mu := map[string]float64{}
	for _, reg := range fit.Regions {
		mu[reg.Name] = reg.Mu
	}
	now := at.Sub(dateOf(origin).Time()).Hours() / 24
	var out []candidate
	for _, g := range gs {
		m := mu[g.key()]
		if !(m > 0) {
			continue
		}
		evs := times[g.key()]
		for _, d := range g.days {
			if d <= t-r.Spec.Lookback {
				continue
			}
			ta := float64(d-origin+1) - 0.5/float64(g.count[d]) // the day's last attack
			excite := 0.0
			for _, x := range evs {
				if x <= ta {
					excite += fit.Alpha * math.Exp(-fit.Beta*(ta-x))
				}
			}
			threshold := (r.Spec.Multiple - 1) * m
			if excite <= threshold {
				continue
			}
			until := ta + math.Log(excite/threshold)/fit.Beta
			if now >= until {
				continue
			}
			day := dateOf(d)
			ev, err := e.evidence(ctx, g, day, day, nil)
			if err != nil {
				return nil, "", err
			}
			name := displayName(g, ev)
			untilT := dateOf(origin).Time().Add(time.Duration(until * 24 * float64(time.Hour))).Truncate(time.Minute)
			ratio := (m + excite) / m
			out = append(out, candidate{rule: r,
				key: fmt.Sprintf("followon/%s/%s", g.key(), day),
				title: fmt.Sprintf("Follow-on risk in %s after the attacks of %s: intensity %.1f× background, above %g× until %s",
					name, day, ratio, r.Spec.Multiple, untilT.Format("2006-01-02 15:04 UTC")),
				summary:   lines(ev),
				incidents: ids(ev),
				parts: &Parts{Template: "followon", Admin1: regionAdmin1(g, ev), Country: g.country, Date: day, Ratio: ratio,
					Multiple: r.Spec.Multiple, Until: untilT},
				details: map[string]any{"region": name, "attack_day": day, "until": untilT, "intensity_ratio": ratio,
					"multiple": r.Spec.Multiple, "mu_per_day": m, "alpha": fit.Alpha, "beta": fit.Beta,
					"half_life_days": fit.HalfLife, "branching_ratio": fit.BranchingRatio, "events_fitted": fit.N}})
		}
	}
	return out, "", nil
}
