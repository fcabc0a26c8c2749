package analyze

// The region × period panel that forecasts and backtests work on.

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

// ForecastLevel is the unit of a forecast: where and over what period.
type ForecastLevel string

// Forecast levels.
const (
	// Admin1Week forecasts each admin-1 region (province, state) week by
	// week; weeks run Monday to Sunday (ISO 8601).
	Admin1Week ForecastLevel = "admin1-week"
	// CountryMonth forecasts each country month by month.
	CountryMonth ForecastLevel = "country-month"
)

// Valid reports whether l is a known level.
func (l ForecastLevel) Valid() bool { return l == Admin1Week || l == CountryMonth }

// epochMonday is the day number (days since 1970-01-01) of the first
// Monday, 1970-01-05, from which weeks are counted.
const epochMonday = 4

func dayNumber(d model.Date) int { return int(d.Time().Unix() / 86400) }

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// periodOf is the index of the period holding d: weeks since the week of
// 1970-01-05, or months since January of year 0.
func (l ForecastLevel) periodOf(d model.Date) int {
	if l == CountryMonth {
		return d.Year*12 + int(d.Month) - 1
	}
	return floorDiv(dayNumber(d)-epochMonday, 7)
}

// periodStart is the first day of period p.
func (l ForecastLevel) periodStart(p int) model.Date {
	if l == CountryMonth {
		return model.Date{Year: floorDiv(p, 12), Month: time.Month(p - 12*floorDiv(p, 12) + 1), Day: 1}
	}
	return model.Date{Year: 1970, Month: 1, Day: 1}.AddDays(epochMonday + 7*p)
}

// periodDays is the length of period p in days.
func (l ForecastLevel) periodDays(p int) float64 {
	if l == CountryMonth {
		s := l.periodStart(p)
		return float64(model.DaysIn(s.Year, s.Month))
	}
	return 7
}

// periodsPerYear is how many periods make about a year.
func (l ForecastLevel) periodsPerYear() int {
	if l == CountryMonth {
		return 12
	}
	return 52
}

// usable says whether an incident's date is precise enough for the level:
// a week needs the day, a month needs the month.
func (l ForecastLevel) usable(inc model.Incident) bool {
	if inc.Start.IsZero() {
		return false
	}
	switch inc.DatePrecision {
	case model.PrecisionDay:
		return true
	case model.PrecisionWeek:
		return true // a week-precise date names its week's first day
	case model.PrecisionMonth:
		return l == CountryMonth
	}
	return false
}

// regionOf is the region key of an incident at the level, "" when the
// incident has no such region (no admin-1 at Admin1Week).
func (l ForecastLevel) regionOf(inc model.Incident) string {
	if inc.Country == "" {
		return ""
	}
	if l == CountryMonth {
		return inc.Country
	}
	if inc.Admin1 == "" {
		return ""
	}
	return inc.Country + "/" + inc.Admin1
}

// panel holds, for each region and period, the attack count and the
// killed, and the prefix sums that make any window's total O(1).
type panel struct {
	level   ForecastLevel
	first   int // period index of column 0
	n       int // number of periods, through the one holding `now`
	regions []string
	// Per region: counts and killed per period (killed sums the incidents
	// whose killed is known), prefix sums of both (length n+1), the
	// per-period number and sum of squares of known killed (for the killed
	// per attack), the first period with an event, event times in days
	// (ties within a day spread evenly across it) and their periods.
	counts, killed     [][]float64
	cCount, cKilled    [][]float64
	cKnown, cKilledSq  [][]float64
	cActive, cPeriodSq [][]float64 // periods with an attack; killed² per period
	firstSeen          []int
	times              [][]float64
	timePeriod         [][]int
	// Prefix sums of the coordinates of located incidents, for centroids
	// as known before an origin.
	cLat, cLon, cLocated   [][]float64
	usedIncidents, dropped int
}

// PanelInfo says what went into a forecast's panel.
type PanelInfo struct {
	Level     ForecastLevel `json:"level"`
	Regions   int           `json:"regions"`
	Periods   int           `json:"periods"`
	First     model.Date    `json:"first_period"`
	Last      model.Date    `json:"last_period"`
	Incidents int           `json:"incidents"`
	// Dropped counts incidents left out: a date too coarse for the level
	// (a month at the weekly level, a year), no region at the level (no
	// admin-1), or dated after now.
	Dropped int `json:"dropped"`
}

// neighbourKm is how far apart two regions' centroids may be to count as
// neighbours: about adjacent provinces, and adjacent countries.
func (l ForecastLevel) neighbourKm() float64 {
	if l == CountryMonth {
		return 1500
	}
	return 400
}

// buildPanel makes the panel of incidents through the period holding now.
func buildPanel(incs []model.Incident, level ForecastLevel, now model.Date) (*panel, error) {
	if !level.Valid() {
		return nil, fmt.Errorf("forecast: unknown level %q: want %s or %s", level, Admin1Week, CountryMonth)
	}
	if now.IsZero() {
		return nil, fmt.Errorf("forecast: no current date given")
	}
	last := level.periodOf(now)
	type ev struct {
		region  string
		day     int
		width   int // days the date may fall on: 1, or the month at month precision
		period  int
		killed  float64
		lat     float64
		lon     float64
		located bool
	}
	var evs []ev
	p := &panel{level: level}
	first := math.MaxInt
	for _, inc := range incs {
		r := level.regionOf(inc)
		if r == "" || !level.usable(inc) || now.Before(inc.Start) {
			p.dropped++
			continue
		}
		e := ev{region: r, day: dayNumber(inc.Start), width: 1, period: level.periodOf(inc.Start), killed: math.NaN()}
		if inc.DatePrecision == model.PrecisionMonth {
			e.width = model.DaysIn(inc.Start.Year, inc.Start.Month)
		}
		if inc.Killed != nil {
			e.killed = float64(inc.Killed.Best)
		}
		if inc.Lat != nil && inc.Lon != nil {
			e.lat, e.lon, e.located = *inc.Lat, *inc.Lon, true
		}
		evs = append(evs, e)
		first = min(first, e.period)
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("forecast: no incidents with a region and a date precise enough for %s", level)
	}
	p.usedIncidents = len(evs)
	p.first, p.n = first, last-first+1
	byName := map[string]int{}
	for _, e := range evs {
		if _, ok := byName[e.region]; !ok {
			byName[e.region] = 0
			p.regions = append(p.regions, e.region)
		}
	}
	sort.Strings(p.regions)
	for i, r := range p.regions {
		byName[r] = i
	}
	k := len(p.regions)
	alloc := func() [][]float64 {
		m := make([][]float64, k)
		for i := range m {
			m[i] = make([]float64, p.n)
		}
		return m
	}
	p.counts, p.killed = alloc(), alloc()
	known, sq := alloc(), alloc()
	p.firstSeen = make([]int, k)
	for i := range p.firstSeen {
		p.firstSeen[i] = p.n
	}
	lat, lon, located := alloc(), alloc(), alloc()
	days := make([][][2]int, k) // day, width
	for _, e := range evs {
		r, c := byName[e.region], e.period-first
		p.counts[r][c]++
		if !math.IsNaN(e.killed) {
			p.killed[r][c] += e.killed
			known[r][c]++
			sq[r][c] += e.killed * e.killed
		}
		p.firstSeen[r] = min(p.firstSeen[r], c)
		days[r] = append(days[r], [2]int{e.day, e.width})
		if e.located {
			lat[r][c] += e.lat
			lon[r][c] += e.lon
			located[r][c]++
		}
	}
	prefix := func(m [][]float64) [][]float64 {
		out := make([][]float64, k)
		for i, row := range m {
			out[i] = make([]float64, p.n+1)
			for j, v := range row {
				out[i][j+1] = out[i][j] + v
			}
		}
		return out
	}
	p.cCount, p.cKilled, p.cKnown, p.cKilledSq = prefix(p.counts), prefix(p.killed), prefix(known), prefix(sq)
	active, periodSq := alloc(), alloc()
	for r := range k {
		for c, v := range p.counts[r] {
			active[r][c] = b2f(v > 0)
			periodSq[r][c] = p.killed[r][c] * p.killed[r][c]
		}
	}
	p.cActive, p.cPeriodSq = prefix(active), prefix(periodSq)
	p.cLat, p.cLon, p.cLocated = prefix(lat), prefix(lon), prefix(located)
	p.times, p.timePeriod = make([][]float64, k), make([][]int, k)
	for r := range k {
		slices.SortFunc(days[r], func(a, b [2]int) int {
			if a[0] != b[0] {
				return a[0] - b[0]
			}
			return a[1] - b[1]
		})
		// Incidents on the same day are spread evenly across it (those
		// known to the month only, across the month): the data cannot
		// order them, and a tie would read to the Hawkes fit as excitation
		// at lag zero (see FitHawkes).
		for i := 0; i < len(days[r]); {
			j := i
			for j < len(days[r]) && days[r][j] == days[r][i] {
				j++
			}
			d, w := days[r][i][0], days[r][i][1]
			for m := i; m < j; m++ {
				p.times[r] = append(p.times[r], float64(d)+float64(w)*(float64(m-i)+0.5)/float64(j-i))
				p.timePeriod[r] = append(p.timePeriod[r], level.periodOf(model.Date{Year: 1970, Month: 1, Day: 1}.AddDays(d))-first)
			}
			i = j
		}
		// Spread month dates may pass later day dates of the same month.
		idx := make([]int, len(p.times[r]))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return p.times[r][idx[a]] < p.times[r][idx[b]] })
		ts, tp := make([]float64, len(idx)), make([]int, len(idx))
		for i, j := range idx {
			ts[i], tp[i] = p.times[r][j], p.timePeriod[r][j]
		}
		p.times[r], p.timePeriod[r] = ts, tp
	}
	return p, nil
}

// neighboursAt gives each region the regions whose centroids, from the
// incidents before origin, lie within the level's neighbourKm of its own.
// Centroids come from the data rather than from boundaries, so they too
// are taken only from before the origin.
func (p *panel) neighboursAt(origin int) [][]int {
	k := len(p.regions)
	lat, lon := make([]float64, k), make([]float64, k)
	var located []int
	for r := range k {
		n := sum(p.cLocated[r], 0, origin)
		if n > 0 {
			lat[r], lon[r] = sum(p.cLat[r], 0, origin)/n, sum(p.cLon[r], 0, origin)/n
			located = append(located, r)
		}
	}
	out := make([][]int, k)
	for _, a := range located {
		for _, b := range located {
			if a != b && haversineKm(lat[a], lon[a], lat[b], lon[b]) <= p.level.neighbourKm() {
				out[a] = append(out[a], b)
			}
		}
	}
	return out
}

func (p *panel) info() PanelInfo {
	return PanelInfo{Level: p.level, Regions: len(p.regions), Periods: p.n,
		First: p.level.periodStart(p.first), Last: p.level.periodStart(p.first + p.n - 1),
		Incidents: p.usedIncidents, Dropped: p.dropped}
}

// sum returns the total of prefix-summed row c over periods [a, b),
// clamped to the panel.
func sum(c []float64, a, b int) float64 {
	a, b = max(a, 0), min(b, len(c)-1)
	if b <= a {
		return 0
	}
	return c[b] - c[a]
}

func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}
