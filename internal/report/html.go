package report

// The page: a view of the built report (plain strings, and the charts as
// ready-made SVG) rendered by html/template, which escapes every string
// from the data. Each section says what its numbers mean in words.

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/vigil-project/vigil/internal/analyze"
	"github.com/vigil-project/vigil/internal/model"
)

//go:embed page.html
var pageHTML string

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

type page struct {
	Title, Selection string
	Version          string
	Generated        string
	Facts            []fact
	Caveats          []string
	Sections         []section
	Incidents        table
	IncidentsNote    string
	// Backtest marks a backtest page: its own methods, no incident list.
	Backtest bool
}

type fact struct{ Label, Value string }

type section struct {
	ID, Title, Question string
	// Failed says plainly why the analysis could not run.
	Failed string
	// Findings are the analysis's own sentences, with test, p and n.
	Findings   []string
	Figures    []figure
	Charts     []chartView
	Paragraphs []string
	Tables     []table
	Notes      []string
}

// figure is one number with what it means.
type figure struct{ Value, Label, Meaning string }

type chartView struct {
	SVG     template.HTML // built by chart.svg, which escapes its text
	Caption string
}

type table struct {
	Caption string
	Head    []string
	Class   []string // per column: "num" (right-aligned), "nowrap" or ""
	Rows    [][]string
}

// WriteHTML writes the report as one self-contained HTML page.
func (r *Report) WriteHTML(w io.Writer) error {
	if err := pageTmpl.Execute(w, r.page()); err != nil {
		return fmt.Errorf("report: write html: %w", err)
	}
	return nil
}

func (r *Report) page() page {
	o := r.opts
	p := page{
		Title:     "Incident analysis",
		Selection: o.Selection.Describe(),
		Version:   o.Version,
		Generated: "an unrecorded date",
	}
	if p.Version == "" {
		p.Version = "dev"
	}
	if !o.Generated.IsZero() {
		p.Generated = o.Generated.UTC().Format("2006-01-02 15:04 UTC")
	}
	n := len(r.incs)
	inc := plural(n, "incident", "incidents")
	if r.undated > 0 {
		inc += fmt.Sprintf(" (and %s without a usable date, left out)", plural(r.undated, "incident", "incidents"))
	}
	p.Facts = append(p.Facts, fact{"Incidents", inc})
	if n > 0 {
		first, last := r.incs[0].Start, r.incs[n-1].Start
		span := (dayOfDate(last) - dayOfDate(first)) / 365.2425
		period := fmt.Sprintf("%s to %s", first, last)
		if span >= 1 {
			period += fmt.Sprintf(" (%s years)", fmtNum(span))
		}
		p.Facts = append(p.Facts, fact{"Period of the incidents", period})
	}
	p.Facts = append(p.Facts, fact{"Data sources", r.sourcesText()})
	p.Facts = append(p.Facts, fact{"Generated", p.Generated})
	p.Caveats = r.caveats()
	p.Sections = []section{r.tempoSection(), r.severitySection(), r.tailSection(), r.changeSection(), r.hawkesSection()}
	p.Incidents, p.IncidentsNote = r.incidentTable()
	return p
}

func (r *Report) sourcesText() string {
	reports := 0
	for _, inc := range r.incs {
		reports += inc.Sources
	}
	var names []string
	for _, s := range r.opts.Sources {
		name := s.Name
		if s.Title != "" {
			name += ", " + s.Title
		}
		names = append(names, fmt.Sprintf("%s (%s)", name, plural(s.Reports, "report", "reports")))
	}
	t := fmt.Sprintf("The incidents fuse %s.", plural(reports, "source report", "source reports"))
	if len(names) > 0 {
		t += " Sources in the store: " + strings.Join(names, "; ") + " (counts for the whole store: counts per source for this selection are not available yet)."
	}
	return t
}

func (r *Report) caveats() []string {
	n := len(r.incs)
	var c []string
	switch {
	case n == 0:
		c = append(c, "No incident matches this selection, so nothing below can be computed.")
	case n < 30:
		c = append(c, fmt.Sprintf("Small numbers: the selection has %s. Tests on so few have little power, so “no clear trend” often only means there is too little data to tell, and one incident more or less can change an answer.", plural(n, "incident", "incidents")))
	}
	c = append(c, "Reporting bias: datasets and media under-report some regions and periods (remote provinces, internet shutdowns, years before a source began), so a change in the numbers can be a change in reporting rather than in violence.")
	contested := "the killed figures are ranges; see low/high."
	if n > 0 {
		contested += fmt.Sprintf(" %d of the %s here have a range rather than a single figure", r.killedRanges, plural(n, "incident", "incidents"))
		if r.contested > 0 {
			contested += fmt.Sprintf(", and sources dispute the killed figure of %d", r.contested)
		}
		contested += "."
	}
	c = append(c, "Contested figures: "+contested)
	c = append(c, "Patterns, not causes: the tests describe what happened in this selection; they do not explain it and are not a forecast.")
	if r.undated > 0 {
		c = append(c, fmt.Sprintf("%s without a usable date %s left out of every analysis.", plural(r.undated, "incident", "incidents"), isAre(r.undated)))
	}
	return c
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// tooFew is the plain note for a selection below the trend tests' minimum.
func (r *Report) tooFew(what string) string {
	return fmt.Sprintf("%s cannot be measured: the selection has %s with a date, and at least %d are needed.", what, plural(len(r.incs), "incident", "incidents"), analyze.TrendMinN)
}

func (r *Report) tempoSection() section {
	s := section{ID: "tempo", Title: "Tempo", Question: "Are incidents coming closer together?"}
	t := r.tempo
	if t == nil {
		if len(r.incs) < analyze.TrendMinN {
			s.Failed = r.tooFew("The tempo")
		} else {
			s.Failed = "The tempo cannot be measured for this selection: " + reason(r.tempoErr) + "."
		}
	} else {
		s.Findings = []string{t.Sentence()}
		few := ""
		if t.N < 20 {
			few = " With fewer than 20, a real change is hard to tell from chance."
		}
		s.Figures = append(s.Figures, figure{fmtInt(int64(t.N)), "incidents",
			fmt.Sprintf("The tempo is measured on these, over the period from %s to %s.%s", t.Start, t.End, few)})
		s.Figures = append(s.Figures, figure{fmtNum(t.IntervalMedian) + " days", "median gap between incidents",
			fmt.Sprintf("Half of the gaps between one incident and the next were shorter than this and half longer; the mean gap, %s days, is pulled up by long quiet spells.", fmtNum(t.IntervalMean))})
		if pr := t.Poisson; pr != nil {
			includes := pr.RateRatioLower <= 1 && pr.RateRatioUpper >= 1
			ci := fmt.Sprintf("its 95%% interval, %s to %s,", fmtChange(pr.RateRatioLower), fmtChange(pr.RateRatioUpper))
			verdict := "includes 0%, so no change at all is also consistent with the data"
			if !includes {
				verdict = "excludes 0%, so the change is unlikely to be chance alone"
			}
			adj := ""
			if pr.Overdispersed {
				adj = ", widened because incidents bunch together in some months (quasi-Poisson)"
			}
			s.Figures = append(s.Figures, figure{fmtChange(pr.RateRatio) + " a year", fmt.Sprintf("change in the monthly rate (%s)", pText(pr.P)),
				fmt.Sprintf("Fitted from the number of incidents in each month, from about %s to %s incidents a month over the period; %s %s%s.",
					fmtNum(t.RateStart), fmtNum(t.RateEnd), ci, verdict, adj)})
		} else if t.RateNote != "" {
			s.Figures = append(s.Figures, figure{"n/a", "change in the monthly rate", "Not computed: " + t.RateNote + "."})
		}
		if mk := t.MannKendall; mk != nil {
			s.Figures = append(s.Figures, figure{pText(mk.P), "trend test of the gaps (Mann–Kendall)",
				"The chance of a trend in the gaps at least this clear if the gaps were not changing at all: below 0.05 is read as a real trend."})
		}
		if sen := t.Sen; sen != nil && !math.IsNaN(sen.Slope) {
			s.Figures = append(s.Figures, figure{fmtSigned(sen.Slope) + " days a year", "typical change of the gap (Sen’s slope)",
				fmt.Sprintf("How much the gap between incidents changes per year, with a 95%% interval of %s to %s; a negative value would mean incidents are coming closer together.", fmtSigned(sen.Lower), fmtSigned(sen.Upper))})
		} else if t.TrendNote != "" {
			s.Notes = append(s.Notes, "The gaps could not be tested for a trend: "+t.TrendNote+".")
		}
	}
	if len(r.months) > 0 {
		s.Charts = append(s.Charts, chartView{template.HTML(r.chartMonthly("chart-monthly", false, nil)),
			"Incidents in each calendar month. A month without a bar had no incident in this selection, which can also mean none was reported."})
	}
	if t != nil && t.Intervals > 0 {
		s.Charts = append(s.Charts, chartView{template.HTML(r.chartIntervals()),
			"Each dot is the gap before an incident, placed at that incident’s date; the orange line is Sen’s slope, the typical trend of the gaps. A dot at 0 is an incident on the same day as the one before, such as the second site of a coordinated attack."})
	}
	return s
}

func (r *Report) severitySection() section {
	s := section{ID: "severity", Title: "Severity and sophistication", Question: "Are incidents getting deadlier, and are suicide and coordinated attacks becoming more common?"}
	v := r.sev
	if v == nil {
		if len(r.incs) < analyze.TrendMinN {
			s.Failed = r.tooFew("The trend in severity")
		} else {
			s.Failed = "The trend in severity cannot be measured for this selection: " + reason(r.sevErr) + "."
		}
		if r.hasKilled() {
			s.Charts = append(s.Charts, chartView{template.HTML(r.chartKilled()), killedCaption})
		}
		return s
	}
	s.Findings = []string{v.Killed.Sentence(), v.Wounded.Sentence()}
	k := v.Killed
	if k.N > 0 {
		lo, hi := r.sums(func(inc model.Incident) *model.Range { return inc.Killed })
		s.Figures = append(s.Figures, figure{fmtInt(int64(math.Round(k.Total))), "killed in all (best estimates)",
			fmt.Sprintf("The sum over the %s with a known toll; taking every lowest reported figure gives %s and every highest %s, which shows how far sources disagree.",
				plural(k.N, "incident", "incidents"), fmtInt(int64(lo)), fmtInt(int64(hi)))})
		s.Figures = append(s.Figures, figure{fmtNum(k.Median), "killed in the median incident",
			fmt.Sprintf("Half of the incidents killed fewer people than this; the mean, %s, is higher because a few attacks kill far more than most.", fmtNum(k.Mean))})
		if b := k.Best; b != nil && b.MannKendall != nil {
			s.Figures = append(s.Figures, figure{pText(b.MannKendall.P), "trend test of killed per incident (Mann–Kendall)",
				fmt.Sprintf("Below 0.05 would mean the number killed per incident has a real upward or downward trend; on the lowest figures %s and on the highest %s.",
					mkP(k.Low), mkP(k.High))})
			if b.Sen != nil && !math.IsNaN(b.Sen.Slope) {
				s.Figures = append(s.Figures, figure{fmtSigned(b.Sen.Slope) + " a year", "typical change in killed per incident (Sen’s slope)",
					"The median of the yearly changes between all pairs of incidents, which a single mass-casualty attack cannot pull far; 0 is common when many incidents have similar tolls."})
			}
			if pr := b.Poisson; pr != nil {
				s.Figures = append(s.Figures, figure{fmtChange(pr.RateRatio) + " a year", fmt.Sprintf("change in the average killed per incident (%s)", pText(pr.P)),
					fmt.Sprintf("From a regression of the tolls on time with a 95%% interval of %s to %s, corrected for very uneven tolls (quasi-Poisson); unlike the median it is moved by the deadliest attacks.",
						fmtChange(pr.RateRatioLower), fmtChange(pr.RateRatioUpper))})
			}
		}
		s.Figures = append(s.Figures, figure{sensitivityWord(k.Sensitivity), "answer on the low and high figures",
			"Whether the trend test gives the same answer when every incident’s lowest or highest reported toll is used instead of the best estimate; if not, the answer depends on which figures one believes."})
	}
	if w := v.Wounded; w.N > 0 {
		s.Figures = append(s.Figures, figure{fmtInt(int64(math.Round(w.Total))), "wounded in all (best estimates)",
			fmt.Sprintf("Over the %s with a known figure; the median incident wounded %s, and wounded figures are revised more often and less completely than deaths.", plural(w.N, "incident", "incidents"), fmtNum(w.Median))})
	}
	for _, sh := range []struct {
		st           analyze.ShareTrend
		label, known string
	}{
		{v.Suicide, "suicide attacks", "Among incidents where sources say whether an attacker meant to die"},
		{v.MultiSite, "attacks on two or more sites", "Among incidents where the number of sites is known"},
		{v.Coordinated, "coordinated attacks", "Counted as attacks on two or more sites, with an unknown number of sites taken as not coordinated, until sources record coordination on its own"},
	} {
		if sh.st.N == 0 {
			continue
		}
		trend := "too few or too uniform to test for a change over time"
		if sh.st.Tested {
			trend = fmt.Sprintf("the test of a change over time gives %s", pText(sh.st.P))
		}
		s.Figures = append(s.Figures, figure{fmtNum(100*sh.st.Share) + "%", fmt.Sprintf("%s (%d of %d)", sh.label, sh.st.Count, sh.st.N),
			fmt.Sprintf("%s; %s.", sh.known, trend)})
	}
	if r.hasKilled() {
		s.Charts = append(s.Charts, chartView{template.HTML(r.chartKilled()), killedCaption})
	}
	if v.Suicide.N+v.MultiSite.N+v.Coordinated.N > 0 {
		s.Charts = append(s.Charts, chartView{template.HTML(r.chartShares()),
			"The share of each year’s incidents that were suicide, multi-site or coordinated attacks, among those where it is known (n under a year is its number of incidents; hover over a bar for its counts). A thin line is a share of 0%; a year with few incidents swings easily between 0% and 100%."})
		s.Notes = append(s.Notes, v.Suicide.Sentence(), v.MultiSite.Sentence(), v.Coordinated.Sentence())
	}
	s.Tables = append(s.Tables, sensitivityTable(v))
	return s
}

const killedCaption = "Each dot is an incident’s best estimate of the number killed; the vertical line runs from the lowest to the highest figure that sources gave. Hover over a dot for the incident."

func (r *Report) hasKilled() bool {
	for _, inc := range r.incs {
		if inc.Killed != nil && inc.Killed.Best >= 0 {
			return true
		}
	}
	return false
}

// sums adds up the low and high figures of the incidents with a figure.
func (r *Report) sums(get func(model.Incident) *model.Range) (lo, hi float64) {
	for _, inc := range r.incs {
		if g := get(inc); g != nil && g.Best >= 0 {
			lo += float64(max(0, min(g.Low, g.Best)))
			hi += float64(max(g.High, g.Best))
		}
	}
	return lo, hi
}

// pText writes a p-value as "p = 0.32" or "p < 0.001".
func pText(p float64) string {
	f := fmtP(p)
	if strings.HasPrefix(f, "<") {
		return "p " + f
	}
	return "p = " + f
}

func mkP(st *analyze.SeriesTrend) string {
	if st == nil || st.MannKendall == nil {
		return "p not available"
	}
	return pText(st.MannKendall.P)
}

func sensitivityWord(s string) string {
	switch s {
	case analyze.SensitivityHolds:
		return "holds"
	case analyze.SensitivityDiffers:
		return "does not hold"
	}
	return "unknown"
}

// sensitivityTable lists the trend tests on the best, low and high figures.
func sensitivityTable(v *analyze.SeverityResult) table {
	t := table{Caption: "Trend tests on the best, low and high figures",
		Head:  []string{"Figures", "n", "Mann–Kendall p", "Sen’s slope a year", "Change in the mean a year", "p"},
		Class: []string{"", "num", "num", "num", "num", "num"}}
	for _, h := range []analyze.HarmTrend{v.Killed, v.Wounded} {
		for _, st := range []struct {
			name string
			s    *analyze.SeriesTrend
		}{{"best", h.Best}, {"low", h.Low}, {"high", h.High}} {
			row := []string{h.Measure + ", " + st.name, "–", "–", "–", "–", "–"}
			if st.s != nil {
				row[1] = fmtInt(int64(st.s.N))
				if st.s.MannKendall != nil {
					row[2] = fmtP(st.s.MannKendall.P)
				}
				if st.s.Sen != nil && !math.IsNaN(st.s.Sen.Slope) {
					row[3] = fmtSigned(st.s.Sen.Slope)
				}
				if st.s.Poisson != nil {
					row[4] = fmtChange(st.s.Poisson.RateRatio)
					row[5] = fmtP(st.s.Poisson.P)
				}
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

func (r *Report) tailSection() section {
	s := section{ID: "tail", Title: "Heavy tail", Question: "How likely are very deadly attacks?"}
	f := r.tail
	if f == nil {
		why := reason(r.tailErr)
		s.Failed = "No power law was fitted: " + why + "."
	} else {
		s.Findings = []string{f.Sentence()}
		haveSE := f.Bootstrap > 1
		alpha := fmtNum(f.Alpha)
		if haveSE {
			alpha = fmtEstimate(f.Alpha, f.AlphaSE)
		}
		s.Figures = append(s.Figures, figure{alpha, "power-law exponent α",
			fmt.Sprintf("How fast the chance of an attack falls as its toll grows: at this exponent an attack killing ten times as many people is about %s times rarer, and the smaller α, the more common very deadly attacks are.", fmtNum(math.Pow(10, f.Alpha-1)))})
		se := ""
		if haveSE && f.XminSE > 0 {
			se = fmt.Sprintf(" (bootstrap standard error %s)", fmtNum(f.XminSE))
		}
		s.Figures = append(s.Figures, figure{fmtNum(f.Xmin) + " killed", fmt.Sprintf("threshold x_min (%s at or above it)", plural(f.NTail, "incident", "incidents")),
			"The power law describes only incidents with at least this many killed, because smaller attacks follow another pattern; it is chosen where the fit matches the data best" + se + "."})
		if f.GoFBootstrap > 0 {
			s.Figures = append(s.Figures, figure{pText(f.GoFP), fmt.Sprintf("goodness of fit (%s bootstrap data sets)", fmtInt(int64(f.GoFBootstrap))),
				"Above 0.1, a power law is a plausible description of the deadliest attacks; below it, the power law is ruled out (the rule of Clauset, Shalizi and Newman)."})
		}
		if len(f.Comparisons) > 0 {
			s.Figures = append(s.Figures, figure{tailVerdict(f), "best-fitting shape",
				"Likelihood-ratio tests against other shapes of tail; with few values they often cannot tell them apart, and then the power law is one plausible description among several."})
			s.Tables = append(s.Tables, comparisonTable(f))
		}
		if p := r.tailProb; p != nil {
			s.Figures = append(s.Figures, figure{fmtNum(100*p.P) + "%", fmt.Sprintf("chance of another attack killing %s or more within the next %s with deaths (90%% interval %s%%–%s%%)",
				fmtNum(r.tailProbX), plural(len(r.tailValues), "incident", "incidents"), fmtNum(100*p.Lo), fmtNum(100*p.Hi)),
				"If future attacks keep the fitted pattern (Clauset and Woodard 2013), this is the chance that as many incidents again as in this selection include one at least as deadly as the worst so far; it says nothing about when."})
		}
	}
	if r.tailZeros > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("%s with no one killed %s left out: a power law describes sizes above zero.", plural(r.tailZeros, "incident", "incidents"), isAre(r.tailZeros)))
	}
	if distinct(r.tailValues) >= 2 {
		caption := "Each circle is the share of incidents (with at least one death) that killed at least x people. On log–log axes a power law is a straight line; the orange line is the fit from x_min upwards."
		if f == nil {
			caption = "Each circle is the share of incidents (with at least one death) that killed at least x people, on log–log axes. No power law is drawn because none was fitted."
		}
		s.Charts = append(s.Charts, chartView{template.HTML(r.chartCCDF()), caption})
	}
	return s
}

func distinct(v []float64) int {
	c := slices.Clone(v)
	slices.Sort(c)
	return len(slices.Compact(c))
}

// fmtEstimate writes "2.4 ± 0.2": the error to one significant digit, the
// estimate to the same decimal place.
func fmtEstimate(x, se float64) string {
	if !(se > 0) || math.IsInf(se, 0) {
		return fmtNum(x)
	}
	dec := max(0, int(-math.Floor(math.Log10(se))))
	return signed(fmt.Sprintf("%.*f ± %.*f", dec, x, dec, se))
}

// tailVerdict names the shape the likelihood-ratio tests favour.
func tailVerdict(f *analyze.TailFit) string {
	var better []string
	worse := 0
	for _, c := range f.Comparisons {
		switch c.Favoured {
		case analyze.TailPowerLaw:
			worse++
		case analyze.TailNeitherFavoured:
		default:
			better = append(better, altName(c.Alternative))
		}
	}
	switch {
	case len(better) > 0:
		return strings.Join(better, ", ")
	case worse == len(f.Comparisons):
		return "power law"
	}
	return "undecided"
}

func altName(a string) string {
	switch a {
	case analyze.TailLogNormal:
		return "log-normal"
	case analyze.TailExponential:
		return "exponential"
	case analyze.TailStretchedExp:
		return "stretched exponential"
	case analyze.TailPowerLawCutoff:
		return "power law with cut-off"
	case analyze.TailPowerLaw:
		return "power law"
	case analyze.TailNeitherFavoured:
		return "neither"
	}
	return a
}

func comparisonTable(f *analyze.TailFit) table {
	t := table{Caption: "The power law against other shapes (likelihood ratio > 0 favours the power law; trusted when p < 0.1)",
		Head:  []string{"Alternative", "Log-likelihood ratio", "p", "Favoured"},
		Class: []string{"", "num", "num", ""}}
	for _, c := range f.Comparisons {
		t.Rows = append(t.Rows, []string{altName(c.Alternative), fmtNum(c.LR), fmtP(c.P), altName(c.Favoured)})
	}
	return t
}

func (r *Report) changeSection() section {
	s := section{ID: "changepoints", Title: "Change points", Question: "When did the level of violence change?"}
	c := r.cp
	if c == nil {
		s.Failed = "Change points cannot be looked for in this selection: " + reason(r.cpErr) + "."
		if len(r.months) > 0 {
			s.Charts = append(s.Charts, chartView{template.HTML(r.chartMonthly("chart-cp-counts", false, nil)), "Incidents in each calendar month."})
		}
		return s
	}
	s.Findings = c.Sentences()
	for _, se := range []*analyze.ChangeSeries{&c.Counts, &c.Fatalities} {
		what := "monthly number of incidents"
		if se.Measure == "killed" {
			what = "monthly number killed"
		}
		pelt := fmt.Sprintf("PELT, a second method, finds %s", plural(len(se.PELT), "change", "changes"))
		s.Figures = append(s.Figures, figure{fmt.Sprintf("%d", len(se.Bayes)), "changes in the " + what,
			fmt.Sprintf("Months where the Bayesian method is at least 50%% sure a new period began; %s, and a change both find is the more credible.", pelt)})
	}
	s.Figures = append(s.Figures, r.lastMonthFigure(c))
	s.Charts = append(s.Charts, chartView{template.HTML(r.chartMonthly("chart-cp-counts", false, &c.Counts)),
		"Incidents per month. " + marksCaption(&c.Counts)})
	if c.Fatalities.Measure != "" && r.hasKilled() {
		s.Charts = append(s.Charts, chartView{template.HTML(r.chartMonthly("chart-cp-killed", true, &c.Fatalities)),
			"People killed per month (sum of the best estimates). " + marksCaption(&c.Fatalities) + " The model works on log(1 + deaths), so a change from 0 to a few deaths a month counts as much as one from 100 to several hundred."})
	}
	if t := changeTable(c); len(t.Rows) > 0 {
		s.Tables = append(s.Tables, t)
	}
	if c.UnknownFatalities > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("%s without a killed figure add nothing to the monthly deaths.", plural(c.UnknownFatalities, "incident", "incidents")))
	}
	s.Notes = append(s.Notes, "Months are whole calendar months from the first to the last month of the period; a month with no incident counts as zero, which can also mean nothing was reported.")
	return s
}

// marksCaption says what the change marks on a monthly chart are.
func marksCaption(s *analyze.ChangeSeries) string {
	var parts []string
	if len(s.Bayes) > 0 {
		parts = append(parts, "red dashed lines mark the months where the Bayesian method finds a change, and the orange line the level of each period between changes")
	}
	for _, p := range s.PELT {
		if !nearAny(p.Month, s.Bayes) {
			parts = append(parts, "grey dashed lines mark changes that only PELT finds")
			break
		}
	}
	if len(parts) == 0 {
		return "Neither method finds a change."
	}
	return capitalise(strings.Join(parts, "; ")) + "."
}

// lastMonthFigure states the early-warning flags of the last month.
func (r *Report) lastMonthFigure(c *analyze.ChangeResult) figure {
	l := c.Counts.Last
	var flags []string
	for _, se := range []analyze.ChangeSeries{c.Counts, c.Fatalities} {
		unit := "incidents"
		if se.Measure == "killed" {
			unit = "deaths"
		}
		if se.Last.Surge {
			flags = append(flags, fmt.Sprintf("a surge in %s (at least twice the average of %s a month over the previous 12 months)", unit, fmtNum(se.Last.Baseline)))
		}
		switch {
		case se.Last.HighestIn3Years:
			flags = append(flags, "the highest "+unit+" in 3 years")
		case se.Last.HighestIn1Year:
			flags = append(flags, "the highest "+unit+" in a year")
		}
	}
	value := "no flag"
	meaning := "The last month is neither a surge (ACLED’s rule: at least twice the average of the previous 12 months) nor the highest in one or three years (HDX Signals’ rule)."
	if len(flags) > 0 {
		value = "flagged"
		meaning = "The last month shows " + strings.Join(flags, " and ") + "; such flags are early warnings, not findings."
	}
	if l.Partial {
		meaning += " The month was not over, so its figures are partial."
	}
	label := "early-warning flags of the last month"
	if l.Month != "" {
		label += " (" + l.Month + ")"
	}
	return figure{value, label, meaning}
}

func changeTable(c *analyze.ChangeResult) table {
	t := table{Caption: "Changes found", Head: []string{"Series", "Month", "Method", "Level before", "Level after", "Probability or cost saved"},
		Class: []string{"", "nowrap", "", "num", "num", "num"}}
	for _, se := range []analyze.ChangeSeries{c.Counts, c.Fatalities} {
		name := "incidents a month"
		if se.Measure == "killed" {
			name = "killed a month"
		}
		for _, cp := range se.Bayes {
			t.Rows = append(t.Rows, []string{name, cp.Month, "Bayesian", fmtNum(cp.Before), fmtNum(cp.After), "probability " + fmtProb(cp.WindowProbability)})
		}
		for _, cp := range se.PELT {
			t.Rows = append(t.Rows, []string{name, cp.Month, "PELT", fmtNum(cp.Before), fmtNum(cp.After), fmt.Sprintf("cost saved %s (penalty %s)", fmtNum(cp.CostReduction), fmtNum(se.PELTPenalty))})
		}
	}
	return t
}

func (r *Report) hawkesSection() section {
	s := section{ID: "hawkes", Title: "Self-excitation", Question: "Does one attack raise the short-term risk of the next?"}
	left := ""
	if r.hawkesLeft > 0 {
		left = fmt.Sprintf("%s dated only to the week, month or year %s left out, because the model needs exact days.", plural(r.hawkesLeft, "incident", "incidents"), isAre(r.hawkesLeft))
	}
	h := r.hawkes
	if h == nil {
		s.Failed = "The self-exciting model cannot be fitted to this selection: " + reason(r.hawkesErr) + "."
		if left != "" {
			s.Notes = append(s.Notes, left)
		}
		return s
	}
	if left == "" {
		left = "All incidents are dated to the day."
	}
	nFig := figure{fmtInt(int64(h.N)), "incidents dated to the day", left}
	span := h.T1 - h.T0
	if h.Converged && (!h.Stationary || h.HalfLife > span) {
		// The excitation outlasts the window: the model has turned a rate
		// that rose over the period into "triggering" whose effect never
		// fades, and its numbers (branching ratios in the millions,
		// half-lives of centuries) mean nothing to a reader.
		s.Findings = []string{fmt.Sprintf("The self-exciting model cannot tell triggering from a rate that changed over the period here: its fitted extra risk after an incident lasts longer than the whole period (%s days), so it describes a trend rather than attacks setting off attacks (n = %d; likelihood-ratio test against a constant rate %s). See the tempo section for the trend.",
			fmtInt(int64(math.Round(span))), h.N, pText(h.LRP))}
		s.Figures = append(s.Figures, nFig, figure{"not meaningful", "incidents set off by each incident (branching ratio)",
			"The fitted extra risk never fades within the period, so the model cannot say how many incidents each one sets off."})
		s.Charts = append(s.Charts, chartView{template.HTML(r.chartHawkes()),
			"The fitted model’s expected number of incidents per month, with the incidents as red ticks: the extra risk barely decays, so the curve follows the change of the rate over the period rather than spikes after incidents."})
	} else {
		s.Findings = []string{h.Sentence()}
		s.Figures = append(s.Figures, nFig)
	}
	if h.Converged && len(s.Charts) == 0 {
		br := fmtNum(h.BranchingRatio)
		if h.BranchingRatioSE > 0 && !math.IsNaN(h.BranchingRatioSE) {
			br = fmtEstimate(h.BranchingRatio, h.BranchingRatioSE)
		}
		s.Figures = append(s.Figures, figure{br, "incidents set off by each incident (branching ratio)",
			"0 means incidents happen independently of one another; near 1, the fit usually reflects a rate that rose over the period rather than attacks triggering attacks."})
		s.Figures = append(s.Figures, figure{fmtNum(h.HalfLife) + " days", "half-life of the extra risk",
			"After an incident, the extra risk it adds halves every this many days."})
		s.Figures = append(s.Figures, figure{fmtNum(h.Mu*365.2425) + " a year", "background rate",
			"The rate of incidents that the model does not attribute to earlier incidents."})
		s.Figures = append(s.Figures, figure{pText(h.LRP), "test against no self-excitation",
			"Below 0.05, a model in which incidents trigger one another fits clearly better than one in which they occur at random at a constant rate."})
		s.Figures = append(s.Figures, figure{pText(h.KSP), "fit of the timing (time-rescaling test)",
			"Below 0.05, the model misses some pattern in when incidents happen, so read its other numbers with care."})
		s.Charts = append(s.Charts, chartView{template.HTML(r.chartHawkes()),
			"The fitted model’s expected number of incidents per month: it jumps at each incident (red ticks) and decays back to the background rate."})
	}
	if r.hawkesTies > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("%s on the same day as another (such as the sites of a coordinated attack); the model reads them as instant triggering, which raises the excitation and shortens the half-life.", plural(r.hawkesTies, "incident falls", "incidents fall")))
	}
	if h.N < 30 {
		s.Notes = append(s.Notes, fmt.Sprintf("Three parameters from %d incidents: the estimates are very uncertain; a few dozen incidents are needed before they are worth reading.", h.N))
	}
	return s
}

// incidentTable lists the incidents (all, or the deadliest of a large
// selection) by date.
func (r *Report) incidentTable() (table, string) {
	t := table{Head: []string{"Date", "Place", "Province", "Attack type", "Perpetrator / claimed by", "Killed", "Wounded", "Sources", "Status"},
		Class: []string{"nowrap", "", "", "", "", "num", "num", "num", ""}}
	list := r.incs
	note := fmt.Sprintf("All %s of the selection, by date. Killed and wounded show the best estimate, and the lowest and highest reported figures where sources differ (≥ marks “at least”, ~ “about”).", plural(len(list), "incident", "incidents"))
	if len(list) > maxTableRows {
		list = slices.Clone(list)
		slices.SortStableFunc(list, func(a, b model.Incident) int { return bestOf(b.Killed) - bestOf(a.Killed) })
		list = list[:tableTop]
		slices.SortStableFunc(list, func(a, b model.Incident) int { return a.Start.Compare(b.Start) })
		note = fmt.Sprintf("The %d deadliest of the %s, by date. Killed and wounded show the best estimate, and the lowest and highest reported figures where sources differ.", tableTop, plural(len(r.incs), "incident", "incidents"))
	}
	if r.undated > 0 {
		note += fmt.Sprintf(" %s without a usable date %s not listed.", plural(r.undated, "incident", "incidents"), isAre(r.undated))
	}
	for _, inc := range list {
		perp := inc.Perpetrator
		var others []string
		for _, c := range inc.ClaimedBy {
			if c != "" && c != inc.Perpetrator && !slices.Contains(others, c) {
				others = append(others, c)
			}
		}
		if len(others) > 0 {
			perp = strings.TrimPrefix(perp+"; claimed by "+strings.Join(others, ", "), "; ")
		}
		if perp == "" {
			perp = "unknown"
		}
		date := dateText(inc)
		killed := rangeText(inc.Killed)
		if slices.Contains(inc.Contested, "killed") {
			killed += " (disputed)"
		}
		wounded := rangeText(inc.Wounded)
		if slices.Contains(inc.Contested, "wounded") {
			wounded += " (disputed)"
		}
		province := inc.Admin1
		if r.opts.Selection.Country == "" && inc.Country != "" {
			province = strings.TrimPrefix(province+", "+countryName(inc.Country), ", ")
		}
		t.Rows = append(t.Rows, []string{date, inc.Place, province, strings.ReplaceAll(string(inc.AttackType), "_", " "), perp,
			killed, wounded, fmt.Sprintf("%d", inc.Sources), string(inc.Status)})
	}
	return t, note
}

// dateText writes an incident's date as precisely as it is known:
// "2024-01-03", "2018-05 (month)", "2018 (year)", "2024-04-03 to 04-04".
func dateText(inc model.Incident) string {
	s := inc.Start
	switch inc.DatePrecision {
	case model.PrecisionMonth:
		return fmt.Sprintf("%04d-%02d (month)", s.Year, int(s.Month))
	case model.PrecisionYear:
		return fmt.Sprintf("%04d (year)", s.Year)
	case model.PrecisionWeek:
		return s.String() + " (week)"
	}
	e := inc.End
	switch {
	case e.IsZero() || e == s:
		return s.String()
	case e.Year == s.Year:
		return fmt.Sprintf("%s to %02d-%02d", s, int(e.Month), e.Day)
	}
	return s.String() + " to " + e.String()
}

func bestOf(r *model.Range) int {
	if r == nil {
		return -1
	}
	return r.Best
}

func rangeText(r *model.Range) string {
	if r == nil {
		return "unknown"
	}
	return r.String()
}
