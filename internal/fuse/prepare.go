package fuse

import (
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/vigil-project/vigil/internal/model"
)

// prepared is a claim with everything comparison needs computed once:
// day numbers, the blocking window, normalised keys and hashed tokens.
type prepared struct {
	c    *model.Claim
	rank int32 // position in claim-id order

	start, end int // days since 1970-01-01 of Start and End; end ≥ start
	winLo      int // start widened by the date precision
	winHi      int // end widened by the date precision
	hasLL      bool
	lat, lon   float64 // degrees
	radius     float64 // km the place precision allows; +Inf for country or unknown

	placeKey  string
	admin1Key string
	perp      *Perpetrator // shared through the memo
	killed    *model.Range
	tokens    []uint64 // sorted distinct hashed word tokens of Text
	script    byte     // the text's main script: 'L' Latin, 'A' Arabic, 'O' other; 0 without text
	dataset   bool     // the source is a dataset: its rows are distinct events
}

// epochDay returns the days since 1970-01-01 of a civil date; 0 for the zero date.
func epochDay(d model.Date) int {
	if d.IsZero() {
		return 0
	}
	return int(d.Time().Unix() / 86400)
}

// dateSlack is how far the blocking window reaches beyond a claim's own
// period, by date precision: a day-precise date may be off by a few days
// between sources (time zones, "yesterday", late reports); coarser dates
// already span their period and get a little slack beyond it.
func dateSlack(p model.DatePrecision) int {
	switch p {
	case model.PrecisionDay:
		return 3
	case model.PrecisionWeek:
		return 7
	case model.PrecisionMonth:
		return 3
	case model.PrecisionYear:
		return 0
	}
	return 3
}

// placeRadius is the distance in km a place precision allows.
func placeRadius(p model.PlacePrecision) float64 {
	switch p {
	case model.PlaceExact:
		return 10
	case model.PlaceCity:
		return 25
	case model.PlaceAdmin2:
		return 75
	case model.PlaceAdmin1:
		return 300
	}
	return math.Inf(1)
}

// memo remembers normalised names within one run: a run sees the same
// few thousand place and group names again and again.
type memo struct {
	place map[string]string
	perp  map[string]*Perpetrator
}

func newMemo() *memo { return &memo{place: map[string]string{}, perp: map[string]*Perpetrator{}} }

func (m *memo) placeKey(s string) string {
	if m == nil {
		return PlaceKey(s)
	}
	k, ok := m.place[s]
	if !ok {
		k = PlaceKey(s)
		m.place[s] = k
	}
	return k
}

func (m *memo) perpetrator(s string) *Perpetrator {
	if m == nil {
		p := ResolvePerpetrator(s)
		return &p
	}
	p, ok := m.perp[s]
	if !ok {
		r := ResolvePerpetrator(s)
		p = &r
		m.perp[s] = p
	}
	return p
}

// period returns the first and last day (days since 1970-01-01) of the
// period a claim allows: a month- or year-precise claim whose End was not
// filled covers its whole month or year.
func period(c *model.Claim) (start, end int) {
	start, end = epochDay(c.Start), epochDay(c.End)
	if c.End.IsZero() || end < start {
		end = start
	}
	if end == start && !c.Start.IsZero() {
		switch c.DatePrecision {
		case model.PrecisionMonth:
			start = epochDay(model.Date{Year: c.Start.Year, Month: c.Start.Month, Day: 1})
			end = epochDay(model.Date{Year: c.Start.Year, Month: c.Start.Month, Day: model.DaysIn(c.Start.Year, c.Start.Month)})
		case model.PrecisionYear:
			start = epochDay(model.Date{Year: c.Start.Year, Month: 1, Day: 1})
			end = epochDay(model.Date{Year: c.Start.Year, Month: 12, Day: 31})
		}
	}
	return start, end
}

// windowStart returns the day a claim's blocking window starts, exactly
// as prepare computes it (the sweep relies on the two agreeing).
func windowStart(c *model.Claim) int {
	start, _ := period(c)
	return start - dateSlack(c.DatePrecision)
}

// prepare computes a claim's comparison data.
func prepare(c *model.Claim, src model.Source) prepared { return prepareWith(c, src, nil) }

func prepareWith(c *model.Claim, src model.Source, mm *memo) prepared {
	p := prepared{c: c, dataset: src.Kind == model.KindDataset}
	p.start, p.end = period(c)
	s := dateSlack(c.DatePrecision)
	p.winLo, p.winHi = p.start-s, p.end+s
	if c.Lat != nil && c.Lon != nil && !math.IsNaN(*c.Lat) && !math.IsNaN(*c.Lon) &&
		math.Abs(*c.Lat) <= 90 && math.Abs(*c.Lon) <= 180 {
		p.hasLL, p.lat, p.lon = true, *c.Lat, *c.Lon
	}
	p.radius = placeRadius(c.PlacePrecision)
	if p.radius == math.Inf(1) && p.hasLL && c.PlacePrecision == "" {
		p.radius = placeRadius(model.PlaceCity)
	}
	p.placeKey = mm.placeKey(c.Place)
	p.admin1Key = mm.placeKey(c.Admin1)
	p.perp = mm.perpetrator(c.Perpetrator)
	p.killed = c.Killed
	p.tokens = tokens(c.Text)
	if len(p.tokens) > 0 {
		p.script = scriptOf(c.Text)
	}
	return p
}

// stopwords are dropped from text before similarity: they say nothing
// about which event a text is about.
var stopwords = map[string]bool{"the": true, "a": true, "an": true, "of": true, "in": true, "on": true,
	"and": true, "to": true, "at": true, "was": true, "were": true, "by": true, "for": true, "with": true,
	"is": true, "that": true, "this": true, "from": true, "as": true, "had": true, "has": true, "been": true,
	"be": true, "it": true, "its": true, "which": true, "there": true, "no": true, "not": true}

// tokens returns the sorted distinct FNV hashes of the folded words of a
// text (stop words and one-letter words dropped).
func tokens(text string) []uint64 {
	if text == "" {
		return nil
	}
	words := strings.FieldsFunc(fold(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	out := make([]uint64, 0, len(words))
	for _, w := range words {
		if len(w) < 2 || stopwords[w] {
			continue
		}
		h := fnv.New64a()
		h.Write([]byte(w))
		out = append(out, h.Sum64())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// jaccard is the Jaccard similarity of two sorted distinct token sets.
func jaccard(a, b []uint64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	i, j, inter := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// haversine returns the great-circle distance in km.
func haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dlat := (lat2 - lat1) * rad
	dlon := (lon2 - lon1) * rad
	s := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(s)))
}

// reach reports whether two claims are within each other's blocking
// window: periods overlapping once widened, and places within the distance
// the coarser of the two precisions allows (any distance when either lacks
// coordinates or is known only to the country).
func reach(a, b *prepared) bool {
	if a.winHi < b.winLo || b.winHi < a.winLo {
		return false
	}
	if a.c.Country != "" && b.c.Country != "" && a.c.Country != b.c.Country {
		return false
	}
	if !a.hasLL || !b.hasLL {
		return true
	}
	r := max(a.radius, b.radius)
	if math.IsInf(r, 1) {
		return true
	}
	// Cheap latitude test before the trigonometry: 1° of latitude ≈ 111 km.
	if math.Abs(a.lat-b.lat)*111 > r {
		return false
	}
	return haversine(a.lat, a.lon, b.lat, b.lon) <= r
}

// scriptOf returns the main script of a text: texts in different scripts
// share no words whatever they report, so text similarity is only
// compared within one script.
func scriptOf(s string) byte {
	var lat, ara, oth int
	for _, r := range s {
		switch {
		case r < 0x80 && unicode.IsLetter(r), unicode.In(r, unicode.Latin):
			lat++
		case unicode.In(r, unicode.Arabic):
			ara++
		case unicode.IsLetter(r):
			oth++
		}
	}
	switch {
	case lat >= ara && lat >= oth:
		return 'L'
	case ara >= oth:
		return 'A'
	}
	return 'O'
}
