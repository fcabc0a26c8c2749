package analyze

// Tempo: are incidents coming closer together?
//
// Two views of the same question, each with its test:
//
//   - the intervals between consecutive incidents (in days), tested for a
//     monotonic trend against the date of the later incident with
//     Mann–Kendall, and Sen's slope in days of interval per year;
//   - the number of incidents per calendar month (or week), regressed on
//     time with a Poisson log-linear model whose exposure is the number of
//     days of each bin inside the observation window (so a short February
//     or a partial first month is not read as a drop), giving the change in
//     the rate per year; quasi-Poisson standard errors when the counts are
//     overdispersed (see PoissonTrendExposure).
//
// Large selections. Mann–Kendall is computed on every interval for any n
// (O(n log n)). Sen's slope is computed on every interval up to
// TempoOptions.MaxEvents intervals (10,000 by default); above that it is
// computed on the series of monthly mean intervals (each month's mean of
// the intervals ending in it, at the month's middle), which keeps the unit
// (days per year) and the meaning (typical change of the gap per year) but
// weighs each month equally; the result says which (SenBasis).

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

// TempoBin is the period over which incidents are counted for the rate regression.
type TempoBin string

// Bins for Tempo's rate regression.
const (
	BinMonth TempoBin = "month"
	BinWeek  TempoBin = "week"
)

// TempoDefaultMaxEvents is the default TempoOptions.MaxEvents.
const TempoDefaultMaxEvents = 10000

// Sen bases reported in TempoResult.SenBasis and HarmTrend.SenBasis.
const (
	SenBasisEvents       = "events"
	SenBasisMonthlyMeans = "monthly_means"
)

// TempoOptions tunes Tempo. The zero value is the documented default.
type TempoOptions struct {
	// Start and End bound the observation window. Zero means the date of
	// the first (last) incident. A window wider than the incidents counts
	// the quiet time before or after them, as it should when the selection
	// was for that period.
	Start, End model.Date
	// Bin is BinMonth (default) or BinWeek; weeks run from Start.
	Bin TempoBin
	// MaxEvents is the number of intervals above which Sen's slope is
	// computed on monthly mean intervals; 0 means TempoDefaultMaxEvents.
	MaxEvents int
}

// TempoResult is the tempo of a selection of incidents.
type TempoResult struct {
	N         int        `json:"n"`
	Start     model.Date `json:"start"`
	End       model.Date `json:"end"`
	Intervals int        `json:"intervals"`
	// IntervalMedian and IntervalMean summarise the days between
	// consecutive incidents.
	IntervalMedian float64 `json:"interval_median_days"`
	IntervalMean   float64 `json:"interval_mean_days"`

	// MannKendall tests the intervals for a trend against time: S < 0
	// means the gaps are shrinking. Absent (null) when it could not be
	// computed; TrendNote then says why.
	MannKendall *MKResult `json:"mann_kendall"`
	// Sen is Sen's slope of the intervals in days per year, computed on
	// the basis named by SenBasis (SenBasisEvents or SenBasisMonthlyMeans).
	Sen       *SenResult `json:"sen"`
	SenBasis  string     `json:"sen_basis"`
	TrendNote string     `json:"trend_note,omitempty"`

	// Poisson is the regression of counts per Bin on time in years, with
	// each bin's days in the window as exposure: RateRatio is the factor
	// by which the rate changes per year. RateStart and RateEnd are the
	// fitted rates per average month (30.44 days) or week at the start and
	// end of the window. Absent when it could not be computed; RateNote
	// then says why.
	Bin       TempoBin       `json:"bin"`
	Bins      int            `json:"bins"`
	Poisson   *PoissonResult `json:"poisson"`
	RateStart float64        `json:"rate_start"`
	RateEnd   float64        `json:"rate_end"`
	RateNote  string         `json:"rate_note,omitempty"`
}

// Tempo measures whether incidents are coming closer together. dates are
// the incidents' (start) dates, in any order; at least three are needed.
func Tempo(dates []model.Date, opts TempoOptions) (TempoResult, error) {
	if opts.Bin == "" {
		opts.Bin = BinMonth
	}
	if opts.Bin != BinMonth && opts.Bin != BinWeek {
		return TempoResult{}, fmt.Errorf("%w: tempo bin %q is not %q or %q", ErrTrendInput, opts.Bin, BinMonth, BinWeek)
	}
	maxEvents := opts.MaxEvents
	if maxEvents <= 0 {
		maxEvents = TempoDefaultMaxEvents
	}
	if len(dates) < TrendMinN {
		return TempoResult{}, fmt.Errorf("%w: %d incidents, need at least %d for a tempo", ErrTrendInput, len(dates), TrendMinN)
	}
	days := make([]int, len(dates))
	for i, d := range dates {
		n, err := tpDayNumber(d)
		if err != nil {
			return TempoResult{}, fmt.Errorf("%w: incident %d: %v", ErrTrendInput, i, err)
		}
		days[i] = n
	}
	tpSortInts(days)
	w0, w1, err := tpWindow(days, opts.Start, opts.End)
	if err != nil {
		return TempoResult{}, err
	}
	res := TempoResult{N: len(days), Start: tpDate(w0), End: tpDate(w1), Bin: opts.Bin}

	// Intervals, dated by the later incident of each pair.
	n := len(days)
	iv := make([]float64, n-1)
	for i := 1; i < n; i++ {
		iv[i-1] = float64(days[i] - days[i-1])
	}
	res.Intervals = len(iv)
	res.IntervalMean = tpMean(iv)
	res.IntervalMedian = tpMedian(iv)
	res.MannKendall, res.Sen, res.SenBasis, res.TrendNote = tpIntervalTrend(days, iv, w0, maxEvents)

	counts, t, exposure := tpBins(days, w0, w1, opts.Bin)
	res.Bins = len(counts)
	pr, err := PoissonTrendExposure(counts, t, exposure)
	if err != nil {
		res.RateNote = tpNote(err)
	} else {
		res.Poisson = &pr
		per := tpAverageMonth
		if opts.Bin == BinWeek {
			per = 7
		}
		// The model's rate is per day of exposure at t years from the start.
		span := float64(w1-w0+1) / tpYear
		res.RateStart = math.Exp(pr.Intercept) * per
		res.RateEnd = math.Exp(pr.Intercept+pr.Slope*span) * per
	}
	return res, nil
}

// tpAverageMonth is the mean length of a Gregorian month in days, and
// tpYear that of a year.
const (
	tpAverageMonth = 365.2425 / 12
	tpYear         = 365.2425
)

// tpIntervalTrend runs Mann–Kendall on all intervals and Sen's slope on
// them or, for many, on their monthly means.
func tpIntervalTrend(days []int, iv []float64, w0, maxEvents int) (*MKResult, *SenResult, string, string) {
	x := make([]float64, len(iv))
	for i := range iv {
		x[i] = float64(days[i+1]-w0) / tpYear
	}
	groups := trGroups(x)
	ranks, nr := trDenseRanks(iv)
	mk, err := trMK(groups, ranks, nr)
	if err != nil {
		return nil, nil, "", tpNote(err)
	}
	basis := SenBasisEvents
	sx, sy := x, iv
	if len(iv) > maxEvents {
		basis = SenBasisMonthlyMeans
		sx, sy = tpMonthlyMeans(days[1:], iv, w0)
	}
	p, err := trPrepare(sx, sy)
	if err != nil {
		return &mk, nil, basis, tpNote(err)
	}
	smk := mk
	if basis != SenBasisEvents {
		if smk, err = trMK(p.groups, p.ranks, p.nRanks); err != nil {
			return &mk, nil, basis, tpNote(err)
		}
	}
	sen := trSen(p, smk.VarS, trLevel)
	return &mk, &sen, basis, ""
}

// tpMonthlyMeans averages values by the calendar month of their day and
// dates each mean at the month's middle, in years from w0.
func tpMonthlyMeans(days []int, v []float64, w0 int) (x, y []float64) {
	// Days are sorted: a month ends where a day passes its last day.
	for i := 0; i < len(v); {
		m := tpMonthIndex(days[i])
		a, b := tpMonthBounds(m)
		j, sum := i, 0.0
		for j < len(v) && days[j] <= b {
			sum += v[j]
			j++
		}
		x = append(x, (float64(a+b)/2-float64(w0))/tpYear)
		y = append(y, sum/float64(j-i))
		i = j
	}
	return x, y
}

// tpBins counts incidents per bin over [w0, w1] and gives each bin's
// middle (years from w0) and exposure (its days inside the window).
func tpBins(days []int, w0, w1 int, bin TempoBin) (counts, t, exposure []float64) {
	add := func(a, b int) { // a bin covering days [a, b] of the window
		counts = append(counts, 0)
		t = append(t, (float64(a+b)/2-float64(w0))/tpYear)
		exposure = append(exposure, float64(b-a+1))
	}
	var index func(day int) int
	switch bin {
	case BinWeek:
		for a := w0; a <= w1; a += 7 {
			add(a, min(a+6, w1))
		}
		index = func(day int) int { return (day - w0) / 7 }
	default:
		first := tpMonthIndex(w0)
		for m := first; m <= tpMonthIndex(w1); m++ {
			a, b := tpMonthBounds(m)
			add(max(a, w0), min(b, w1))
		}
		index = func(day int) int { return tpMonthIndex(day) - first }
	}
	for _, d := range days {
		counts[index(d)]++
	}
	return counts, t, exposure
}

// tpWindow returns the observation window in day numbers.
func tpWindow(sorted []int, start, end model.Date) (int, int, error) {
	w0, w1 := sorted[0], sorted[len(sorted)-1]
	if !start.IsZero() {
		d, err := tpDayNumber(start)
		if err != nil {
			return 0, 0, fmt.Errorf("%w: window start: %v", ErrTrendInput, err)
		}
		if d > w0 {
			return 0, 0, fmt.Errorf("%w: an incident on %s is before the window start %s", ErrTrendInput, tpDate(w0), start)
		}
		w0 = d
	}
	if !end.IsZero() {
		d, err := tpDayNumber(end)
		if err != nil {
			return 0, 0, fmt.Errorf("%w: window end: %v", ErrTrendInput, err)
		}
		if d < w1 {
			return 0, 0, fmt.Errorf("%w: an incident on %s is after the window end %s", ErrTrendInput, tpDate(w1), end)
		}
		w1 = d
	}
	if w1 <= w0 {
		return 0, 0, fmt.Errorf("%w: all incidents are on one day (%s), so there is no tempo to measure", ErrTrendInput, tpDate(w0))
	}
	return w0, w1, nil
}

// Calendar arithmetic on day numbers (days since 1970-01-01), which is
// much cheaper than time.Time for a million dates.

// tpDayNumber validates a date and returns its day number (Hinnant's
// days_from_civil).
func tpDayNumber(d model.Date) (int, error) {
	if d.IsZero() {
		return 0, fmt.Errorf("date unknown")
	}
	y, m, day := d.Year, int(d.Month), d.Day
	if y < 1 || y > 9999 || m < 1 || m > 12 || day < 1 || day > tpDaysIn(y, m) {
		return 0, fmt.Errorf("invalid date %04d-%02d-%02d", y, m, day)
	}
	return tpCivilDays(y, m, day), nil
}

func tpCivilDays(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400 // y ≥ 0 here
	yoe := y - era*400
	doy := (153*((m+9)%12)+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func tpDaysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// tpCivil is the inverse of tpCivilDays (Hinnant's civil_from_days).
func tpCivil(z int) (y, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func tpDate(day int) model.Date {
	y, m, d := tpCivil(day)
	return model.Date{Year: y, Month: time.Month(m), Day: d}
}

// tpMonthIndex is 12·year + month − 1 of a day number.
func tpMonthIndex(day int) int {
	y, m, _ := tpCivil(day)
	return 12*y + m - 1
}

// tpMonthBounds returns the first and last day numbers of a month index.
func tpMonthBounds(mi int) (int, int) {
	y, m := mi/12, mi%12+1
	a := tpCivilDays(y, m, 1)
	return a, a + tpDaysIn(y, m) - 1
}

// tpMonthLabel formats a month index as "2006-01".
func tpMonthLabel(mi int) string {
	return fmt.Sprintf("%04d-%02d", mi/12, mi%12+1)
}

// tpSortInts sorts day numbers, by counting when their range is small.
func tpSortInts(v []int) {
	if len(v) < 2 {
		return
	}
	lo, hi := slices.Min(v), slices.Max(v)
	if hi-lo > 4*len(v)+1<<16 {
		slices.Sort(v)
		return
	}
	counts := make([]int32, hi-lo+1)
	for _, x := range v {
		counts[x-lo]++
	}
	k := 0
	for i, c := range counts {
		for range c {
			v[k] = lo + i
			k++
		}
	}
}

func tpMean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func tpMedian(v []float64) float64 {
	c := slices.Clone(v)
	k := len(c) / 2
	m := trSelect(c, k)
	if len(c)%2 == 1 {
		return m
	}
	return (m + slices.Max(c[:k])) / 2
}

// tpNote turns an error from a test into a short note for the result.
func tpNote(err error) string {
	return strings.TrimPrefix(err.Error(), ErrTrendInput.Error()+": ")
}

// Sentence says in one sentence, for a reader who is not a statistician,
// whether incidents are coming closer together, by how much, with the
// p-values and the number of incidents, and its caveats.
func (r TempoResult) Sentence() string {
	period := fmt.Sprintf("%s to %s", r.Start, r.End)
	rateWord := "monthly"
	if r.Bin == BinWeek {
		rateWord = "weekly"
	}
	var gaps string // the Mann–Kendall clause
	mkSig := 0
	if mk := r.MannKendall; mk != nil {
		switch {
		case mk.P < 0.05 && mk.S < 0:
			mkSig = -1
			gaps = fmt.Sprintf("the gaps between incidents shrank (Mann–Kendall %s)", trFormatP(mk.P))
		case mk.P < 0.05 && mk.S > 0:
			mkSig = 1
			gaps = fmt.Sprintf("the gaps between incidents lengthened (Mann–Kendall %s)", trFormatP(mk.P))
		default:
			gaps = fmt.Sprintf("the gaps between incidents show no clear trend (Mann–Kendall %s)", trFormatP(mk.P))
		}
		if r.Sen != nil && mkSig != 0 && !math.IsNaN(r.Sen.Slope) && r.Sen.Slope != 0 {
			gaps = strings.TrimSuffix(gaps, ")") + fmt.Sprintf(", by about %s days a year)", trFormatNum(math.Abs(r.Sen.Slope)))
		}
	}
	caveat := ""
	if r.N < 20 {
		caveat = fmt.Sprintf(" — with only %d incidents, treat this with caution", r.N)
	}
	n := fmt.Sprintf("n = %d incidents, %s", r.N, period)
	pr := r.Poisson
	if pr == nil {
		if gaps == "" {
			return fmt.Sprintf("The tempo of these %d incidents could not be tested (%s)%s.", r.N, strings.TrimSpace(r.RateNote+" "+r.TrendNote), caveat)
		}
		return fmt.Sprintf("The rate of incidents could not be modelled (%s), but %s (%s)%s.", r.RateNote, gaps, n, caveat)
	}
	adj := ""
	if pr.Overdispersed {
		adj = ", allowing for clustering of incidents"
	}
	change := fmt.Sprintf("%s a year (95%% CI %s to %s; %s%s)", trPercent(pr.RateRatio),
		tpSignedPercent(pr.RateRatioLower), tpSignedPercent(pr.RateRatioUpper), trFormatP(pr.P), adj)
	levels := fmt.Sprintf("from about %s to %s a %s", trFormatNum(r.RateStart), trFormatNum(r.RateEnd), string(r.Bin))
	switch {
	case pr.P < 0.05 && pr.Slope > 0:
		s := fmt.Sprintf("Incidents are becoming more frequent: the %s rate rose about %s, %s (%s)", rateWord, change, levels, n)
		return s + tpJoinGaps(gaps, mkSig, 1) + caveat + "."
	case pr.P < 0.05 && pr.Slope < 0:
		s := fmt.Sprintf("Incidents are becoming less frequent: the %s rate fell about %s, %s (%s)", rateWord, change, levels, n)
		return s + tpJoinGaps(gaps, mkSig, -1) + caveat + "."
	default:
		s := fmt.Sprintf("No clear trend in tempo: the %s rate changed by %s a year (95%% CI %s to %s; %s%s; %s)", rateWord,
			tpSignedPercent(pr.RateRatio), tpSignedPercent(pr.RateRatioLower), tpSignedPercent(pr.RateRatioUpper), trFormatP(pr.P), adj, n)
		switch {
		case gaps == "":
		case mkSig == 0:
			s += ", and " + strings.Replace(gaps, "no clear trend", "no clear trend either", 1)
		default:
			s += ", although " + gaps
		}
		return s + caveat + "."
	}
}

// tpJoinGaps attaches the Mann–Kendall clause to a rate statement of
// direction dir (+1 rising rate, −1 falling).
func tpJoinGaps(gaps string, mkSig, dir int) string {
	switch {
	case gaps == "":
		return ""
	case mkSig == -dir:
		return ", and " + gaps
	case mkSig == 0:
		return ", though " + gaps
	default:
		return ", although " + gaps + ", so the two tests disagree"
	}
}

// tpSignedPercent formats a rate ratio as a signed change ("+12%", "−5%").
func tpSignedPercent(ratio float64) string {
	if math.IsNaN(ratio) || math.IsInf(ratio, 0) {
		return "n/a"
	}
	sign := "+"
	if ratio < 1 {
		sign = "−"
	}
	return sign + trPercent(ratio)
}
