// Package report writes the analyses of a selection of incidents (tempo,
// severity, heavy tail, change points, self-excitation) as one
// self-contained HTML page that a person who is not a statistician can read:
// every number comes with a sentence that says what it means and with its
// caveats, the charts are inline SVG drawn here, and nothing is loaded from
// elsewhere, so the page works offline, prints, and can be mailed as one
// file.
//
// Build runs the analyses of package analyze on the incidents; an analysis
// that cannot run on the selection (too few incidents, no figures) is kept
// as a plain note for its section rather than failing the report. Report.
// WriteHTML renders the page. Time is passed in (Options.Generated), so the
// same input always gives the same bytes.
package report

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/analyze"
	"github.com/vigil-project/vigil/internal/model"
)

// Selection is what the reader selected, as the command line's filters
// hold it; zero fields did not filter.
type Selection struct {
	Country    string // ISO 3166-1 alpha-2
	Admin1     string
	Actor      string // any part of the perpetrator's or a claimant's name
	AttackType model.AttackType
	Status     model.Status
	Since      model.Date
	Until      model.Date
	MinKilled  int
}

// Describe says in words which incidents the selection holds, e.g.
// "Incidents attributed to or claimed by Islamic State in Iran".
func (s Selection) Describe() string {
	var b strings.Builder
	b.WriteString("Incidents")
	if s.AttackType != "" {
		b.WriteString(" of type " + strings.ReplaceAll(string(s.AttackType), "_", " "))
	}
	if s.Actor != "" {
		b.WriteString(" attributed to or claimed by " + s.Actor)
	}
	switch {
	case s.Admin1 != "" && s.Country != "":
		fmt.Fprintf(&b, " in %s, %s", s.Admin1, countryName(s.Country))
	case s.Admin1 != "":
		b.WriteString(" in " + s.Admin1)
	case s.Country != "":
		b.WriteString(" in " + countryName(s.Country))
	}
	if s.MinKilled > 0 {
		fmt.Fprintf(&b, " that killed at least %d", s.MinKilled)
	}
	if s.Status != "" {
		fmt.Fprintf(&b, ", status %s", s.Status)
	}
	switch {
	case !s.Since.IsZero() && !s.Until.IsZero():
		fmt.Fprintf(&b, ", %s to %s", s.Since, s.Until)
	case !s.Since.IsZero():
		fmt.Fprintf(&b, ", from %s", s.Since)
	case !s.Until.IsZero():
		fmt.Fprintf(&b, ", until %s", s.Until)
	}
	if b.String() == "Incidents" {
		return "All incidents in the store"
	}
	return b.String()
}

func countryName(iso2 string) string {
	if c, ok := model.CountryByISO2(iso2); ok {
		return c.Name
	}
	return iso2
}

// Source is one data source held in the store, with its number of reports.
type Source struct {
	Name    string
	Title   string
	Reports int
}

// Options is what a report needs besides the incidents.
type Options struct {
	Selection Selection
	// Generated is the time the report says it was made.
	Generated time.Time
	// Sources are the data sources in the store (all of the store: counts
	// for the selection alone are not available yet).
	Sources []Source
	// Bootstrap is the number of replicates of the tail fit's bootstrap
	// (0: analyze.DefaultTailBootstrap; negative: none) and Seed its seed.
	Bootstrap int
	Seed      uint64
	// Version is vigil's version, named in the page's footer.
	Version string
}

// Limits on what is drawn one mark per incident: beyond them a chart shows
// one mark per month instead, and says so.
const (
	maxPoints = 1000
	// maxTableRows is the largest selection listed in full; larger ones
	// list their deadliest incidents.
	maxTableRows = 60
	tableTop     = 30
)

// Report is a built report: the selection and the result, or the reason
// for its absence, of each analysis.
type Report struct {
	opts Options
	// incs are the dated incidents, by date; undated counts the others,
	// which no analysis can use.
	incs    []model.Incident
	undated int
	// months are the calendar months from the first to the last of the
	// window, with the incidents and the best killed figures in each.
	months []month

	tempo    *analyze.TempoResult
	tempoErr error
	sev      *analyze.SeverityResult
	sevErr   error

	tailValues []float64 // positive best killed figures
	tailZeros  int       // incidents with 0 killed
	tail       *analyze.TailFit
	tailErr    error
	tailProb   *analyze.TailProb
	tailProbX  float64

	cp    *analyze.ChangeResult
	cpErr error

	hawkes       *analyze.HawkesFit
	hawkesErr    error
	hawkesTimes  []float64 // days since hawkesFirst
	hawkesFirst  model.Date
	hawkesLeft   int // incidents not dated to the day
	hawkesTies   int // events on a day that already has one
	contested    int // incidents whose killed figure is contested
	killedRanges int // incidents whose killed figure is a range (low < high)
}

type month struct {
	label      string // "2024-01"
	start, end float64
	count      int
	killed     float64
	partial    bool
}

// Build runs every analysis on the incidents. It does not fail: an
// analysis that cannot run on them is reported in its section.
func Build(incs []model.Incident, opts Options) *Report {
	r := &Report{opts: opts}
	for _, inc := range incs {
		if inc.Start.IsZero() || !validDate(inc.Start) {
			r.undated++
			continue
		}
		r.incs = append(r.incs, inc)
		if slices.Contains(inc.Contested, "killed") {
			r.contested++
		}
		if inc.Killed != nil && inc.Killed.Low < inc.Killed.High {
			r.killedRanges++
		}
	}
	slices.SortStableFunc(r.incs, func(a, b model.Incident) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	sel := opts.Selection
	if len(r.incs) > 0 {
		r.buildMonths()
	}

	dates := make([]model.Date, len(r.incs))
	for i, inc := range r.incs {
		dates[i] = inc.Start
	}
	if t, err := analyze.Tempo(dates, analyze.TempoOptions{Start: windowStart(sel, r.incs), End: windowEnd(sel, r.incs)}); err != nil {
		r.tempoErr = err
	} else {
		r.tempo = &t
	}

	items := severityItems(r.incs)
	if s, err := analyze.Severity(items, analyze.SeverityOptions{}); err != nil {
		r.sevErr = err
	} else {
		r.sev = &s
	}

	for _, inc := range r.incs {
		switch {
		case inc.Killed == nil || inc.Killed.Best < 0:
		case inc.Killed.Best == 0:
			r.tailZeros++
		default:
			r.tailValues = append(r.tailValues, float64(inc.Killed.Best))
		}
	}
	if len(r.tailValues) < analyze.MinTailValues {
		r.tailErr = fmt.Errorf("only %d incidents with a known death toll above zero; at least %d are needed to fit a power law", len(r.tailValues), analyze.MinTailValues)
	} else if fit, err := analyze.FitTail(r.tailValues, analyze.TailOptions{Bootstrap: opts.Bootstrap, Seed: opts.Seed, Unit: "killed"}); err != nil {
		r.tailErr = err
	} else {
		r.tail = &fit
		r.tailProbX = slices.Max(r.tailValues)
		if p, err := analyze.ProbAtLeastInterval(fit, r.tailProbX, len(r.tailValues), 0.9); err == nil {
			r.tailProb = &p
		}
	}

	if len(r.months) > 0 {
		// Whole calendar months: a monthly series whose last month held
		// only the days up to the last incident would scale that month's
		// figures up to a full month.
		co := analyze.ChangeOptions{Start: dayDate(r.months[0].start), End: dayDate(r.months[len(r.months)-1].end)}
		if c, err := analyze.ChangePoints(items, co); err != nil {
			r.cpErr = err
		} else {
			r.cp = &c
		}
	} else {
		r.cpErr = errors.New("no incidents with a date")
	}

	r.hawkesTimes, r.hawkesFirst, r.hawkesLeft, r.hawkesTies = hawkesTimes(r.incs)
	if h, err := analyze.FitHawkes(r.hawkesTimes, analyze.HawkesOptions{Unit: "days"}); err != nil {
		r.hawkesErr = err
	} else {
		r.hawkes = &h
	}
	return r
}

// validDate reports whether the analyses can use d (a calendar date of the
// years 1–9999).
func validDate(d model.Date) bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 1 {
		return false
	}
	return d.Day <= model.DaysIn(d.Year, d.Month)
}

// windowStart and windowEnd are the observation window of the tempo: the
// selection's dates when given and compatible with the incidents, else
// those of the first and last incident.
func windowStart(sel Selection, incs []model.Incident) model.Date {
	if sel.Since.IsZero() || len(incs) == 0 || incs[0].Start.Before(sel.Since) || !validDate(sel.Since) {
		return model.Date{}
	}
	return sel.Since
}

func windowEnd(sel Selection, incs []model.Incident) model.Date {
	if sel.Until.IsZero() || len(incs) == 0 || sel.Until.Before(incs[len(incs)-1].Start) || !validDate(sel.Until) {
		return model.Date{}
	}
	return sel.Until
}

// buildMonths counts incidents and best killed figures per calendar month,
// from the month of the window's start to that of its end.
func (r *Report) buildMonths() {
	first, last := r.incs[0].Start, r.incs[len(r.incs)-1].Start
	if d := windowStart(r.opts.Selection, r.incs); !d.IsZero() {
		first = d
	}
	if d := windowEnd(r.opts.Selection, r.incs); !d.IsZero() {
		last = d
	}
	y, m := first.Year, first.Month
	index := map[[2]int]int{}
	for (y < last.Year || (y == last.Year && m <= last.Month)) && len(r.months) <= analyze.ChangeMaxMonths {
		a := model.Date{Year: y, Month: m, Day: 1}
		b := model.Date{Year: y, Month: m, Day: model.DaysIn(y, m)}
		index[[2]int{y, int(m)}] = len(r.months)
		r.months = append(r.months, month{label: fmt.Sprintf("%04d-%02d", y, int(m)), start: dayOfDate(a), end: dayOfDate(b)})
		if m++; m > 12 {
			m, y = 1, y+1
		}
	}
	for _, inc := range r.incs {
		i, ok := index[[2]int{inc.Start.Year, int(inc.Start.Month)}]
		if !ok {
			continue
		}
		r.months[i].count++
		if inc.Killed != nil && inc.Killed.Best > 0 {
			r.months[i].killed += float64(inc.Killed.Best)
		}
	}
	if len(r.months) > 0 && r.opts.Generated.Year() > 0 {
		// A month that had not ended when the report was made is partial.
		lastM := &r.months[len(r.months)-1]
		if dayOf(r.opts.Generated) < lastM.end {
			lastM.partial = true
		}
	}
}

func dayOfDate(d model.Date) float64 { return dayOf(d.Time()) }

func dayDate(day float64) model.Date { return model.DateOf(dateOfDay(day)) }

// severityItems is what the severity and change-point analyses need of each
// incident, as `vigil analyze` builds it.
func severityItems(incs []model.Incident) []analyze.SeverityItem {
	items := make([]analyze.SeverityItem, 0, len(incs))
	for _, inc := range incs {
		items = append(items, analyze.SeverityItem{Date: inc.Start, Killed: inc.Killed, Wounded: inc.Wounded,
			Suicide: inc.Suicide, Sites: inc.Sites, Coordinated: inc.Sites >= 2})
	}
	return items
}

// hawkesTimes returns the day-precise incidents' dates as days since the
// first of them; coarser dates would read as bursts on the first of the
// month, so they are left out and counted, as `vigil analyze hawkes` does.
func hawkesTimes(incs []model.Incident) (ts []float64, first model.Date, left, ties int) {
	for _, inc := range incs {
		if inc.DatePrecision != model.PrecisionDay {
			left++
			continue
		}
		if first.IsZero() {
			first = inc.Start // incs are sorted by date
		}
		t := inc.Start.Time().Sub(first.Time()).Hours() / 24
		if len(ts) > 0 && ts[len(ts)-1] == t {
			ties++
		}
		ts = append(ts, t)
	}
	return ts, first, left, ties
}

// reason turns an analysis error into a plain clause for the reader,
// without the package prefixes meant for logs.
func reason(err error) string {
	s := err.Error()
	for _, p := range []string{"analyze: fit tail: ", analyze.ErrTrendInput.Error() + ": ", analyze.ErrHawkesInput.Error() + ": "} {
		s = strings.ReplaceAll(s, p, "")
	}
	for _, e := range []error{analyze.ErrTailTooFew, analyze.ErrTailNoVariation} {
		s = strings.TrimSuffix(s, ": "+e.Error())
	}
	return s
}

// N is the number of incidents with a date, which every analysis uses.
func (r *Report) N() int { return len(r.incs) }

// fmtNum formats a statistic for people: integers with separators, other
// values to two or three significant digits.
func fmtNum(x float64) string {
	a := math.Abs(x)
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return "n/a"
	case a == 0:
		return "0"
	case a >= 100:
		return fmtInt(int64(math.Round(x)))
	case a >= 10:
		return signed(fmt.Sprintf("%.0f", x))
	case a >= 1:
		return signed(strings.TrimSuffix(fmt.Sprintf("%.1f", x), ".0"))
	}
	d := max(2, 1-int(math.Floor(math.Log10(a)))) // two significant digits
	s := fmt.Sprintf("%.*f", d, x)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return signed(s)
}

// signed writes a typographic minus.
func signed(s string) string { return strings.Replace(s, "-", "−", 1) }

// fmtP formats a p-value.
func fmtP(p float64) string {
	switch {
	case math.IsNaN(p):
		return "not available"
	case p < 0.001:
		return "< 0.001"
	case p < 0.01:
		return fmt.Sprintf("%.3f", p)
	case p < 0.1:
		s := fmt.Sprintf("%.3f", p)
		if p < 0.05 && s == "0.050" {
			s = "0.049"
		}
		return s
	}
	return fmt.Sprintf("%.2f", p)
}

// fmtChange formats a rate ratio as a signed percentage change.
func fmtChange(ratio float64) string {
	if math.IsNaN(ratio) || math.IsInf(ratio, 0) {
		return "n/a"
	}
	if ratio >= 1 {
		return "+" + fmtNum((ratio-1)*100) + "%"
	}
	return "−" + fmtNum((1-ratio)*100) + "%"
}

// fmtSigned formats a slope with an explicit sign.
func fmtSigned(x float64) string {
	if x > 0 {
		return "+" + fmtNum(x)
	}
	return fmtNum(x)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%s %s", fmtInt(int64(n)), many)
}
