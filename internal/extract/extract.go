package extract

import (
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/model"
)

// Options tell Extract what is known about a text besides its words.
type Options struct {
	// Lang is "en", "fa" or "" / "auto" (decided from the script).
	Lang string
	// Published is the publication date, against which "yesterday",
	// "on Saturday" and year-less dates are resolved; zero if unknown.
	Published model.Date
	// Gazetteer resolves place names; nil uses gazetteer.Default().
	Gazetteer *gazetteer.Gazetteer
}

// Span is where in the input text a value was read: byte offsets
// [Start, End) into the text as given, and the text itself.
type Span struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// Count is a casualty figure in the shape of the hand labels: Low and
// High (nil when open), and the qualifier (exact, at_least, about, up_to,
// range, none).
type Count struct {
	Low       *int   `json:"low"`
	High      *int   `json:"high"`
	Qualifier string `json:"qualifier"`
}

// Incident is one violent event a text reports or mentions, with the
// fields of the hand labels in shared/data/news. Nil pointers are JSON
// null: the text says nothing about the field.
type Incident struct {
	Main             bool    `json:"main"`
	Date             *string `json:"date"` // YYYY-MM-DD, YYYY-MM or YYYY
	DatePrecision    string  `json:"date_precision,omitempty"`
	DateFromText     bool    `json:"date_from_text"`
	DateAsWritten    *string `json:"date_as_written"`
	City             *string `json:"city"`
	Admin1           *string `json:"admin1"`
	Country          *string `json:"country"`
	AttackType       string  `json:"attack_type"`
	TargetType       *string `json:"target_type"`
	PerpetratorNamed *string `json:"perpetrator_named"`
	ClaimedBy        *string `json:"claimed_by"`
	Suicide          *bool   `json:"suicide"`
	Sites            *int    `json:"sites"`
	Killed           *Count  `json:"killed"`
	Wounded          *Count  `json:"wounded"`
	// SiteFigures are the figures of each site of a coordinated attack
	// that the text tells site by site; Killed and Wounded are then their
	// sum (or a larger total the text states).
	SiteFigures []SiteFigure `json:"site_figures,omitempty"`
	// Combined is a figure that counts killed and wounded together
	// ("70 killed or injured"): kept apart, never read as killed.
	Combined *Count `json:"combined,omitempty"`
	// Spans gives, for each field read from the text, the words it was read from.
	Spans map[string]Span `json:"spans,omitempty"`
	// KilledAllValues are the killed figures the text gives for the
	// incident, verbatim, as the labels list them ("Twenty-nine", "۲").
	KilledAllValues []string `json:"killed_all_values"`
	// Notes explains values not read from a span (a known event's date),
	// "; "-separated as in the labels.
	Notes string `json:"notes,omitempty"`

	dateEnd  model.Date // last day of the period Date starts (zero: Date's own day or period)
	lat, lon *float64   // the gazetteer's point for the place
}

// SiteFigure is what a text says of one site of a coordinated attack.
type SiteFigure struct {
	// Site is the site's target type ("government_building",
	// "religious_site"), or its order among twin blasts ("first blast").
	Site    string          `json:"site"`
	Killed  *Count          `json:"killed,omitempty"`
	Wounded *Count          `json:"wounded,omitempty"`
	Spans   map[string]Span `json:"spans,omitempty"`
}

// Claim turns an extracted incident into the claim fusion takes: what
// this text says about the event, with the anchor sentence as its text.
// The caller sets ID, ReportID and Source. An incident without a date is
// an error: a claim must be placed in time.
func (inc Incident) Claim() (model.Claim, error) {
	var c model.Claim
	if inc.Date == nil {
		return c, fmt.Errorf("claim: the text gives no date for the incident")
	}
	var err error
	switch len(*inc.Date) {
	case 4, 7:
		y, m := 0, 0
		fmt.Sscanf(*inc.Date, "%d", &y)
		if len(*inc.Date) == 7 {
			fmt.Sscanf((*inc.Date)[5:], "%d", &m)
		}
		c.Start, c.End, c.DatePrecision, err = model.Period(y, m, 0)
	default:
		c.Start, err = model.ParseDate(*inc.Date)
		c.End, c.DatePrecision = c.Start, model.DatePrecision(inc.DatePrecision)
		if !inc.dateEnd.IsZero() {
			c.End = inc.dateEnd
		}
		if !c.DatePrecision.Valid() {
			c.DatePrecision = model.PrecisionDay
		}
	}
	if err != nil {
		return model.Claim{}, fmt.Errorf("claim: date %q: %w", *inc.Date, err)
	}
	c.PlacePrecision = model.PlaceUnknown
	if inc.Country != nil {
		c.Country, c.PlacePrecision = *inc.Country, model.PlaceCountry
	}
	if inc.Admin1 != nil {
		c.Admin1, c.PlacePrecision = *inc.Admin1, model.PlaceAdmin1
	}
	if inc.City != nil {
		c.Place, c.PlacePrecision = *inc.City, model.PlaceCity
	}
	c.Lat, c.Lon = inc.lat, inc.lon
	c.AttackType = model.AttackType(inc.AttackType)
	c.Codes = map[string]string{"extract_attack_type": inc.AttackType}
	if inc.TargetType != nil {
		c.Codes["extract_target_type"] = *inc.TargetType
		first, _, _ := strings.Cut(*inc.TargetType, ",")
		c.TargetType, _ = TargetTypeGTD(strings.TrimSpace(first))
	}
	if inc.PerpetratorNamed != nil {
		c.Perpetrator = *inc.PerpetratorNamed
	}
	if inc.ClaimedBy != nil {
		c.ClaimedBy = []string{*inc.ClaimedBy}
	}
	c.Killed, c.Wounded = inc.Killed.Range(), inc.Wounded.Range()
	c.Suicide = inc.Suicide
	if inc.Sites != nil {
		c.Sites = *inc.Sites
	}
	c.Text = inc.Spans["sentence"].Text
	return c, nil
}

// siteClaims turns the figures of each site into a claim of its own,
// otherwise the total's claim: what this text says of one site.
func (inc Incident) siteClaims(total model.Claim) []model.Claim {
	var out []model.Claim
	for _, sf := range inc.SiteFigures {
		c := total
		c.Codes = maps.Clone(total.Codes)
		c.Codes["part_of"] = "sites"
		c.Codes["site"] = sf.Site
		c.Codes["main"] = "false"
		c.TargetType, _ = TargetTypeGTD(sf.Site)
		c.Killed, c.Wounded = sf.Killed.Range(), sf.Wounded.Range()
		c.Text = sf.Spans["sentence"].Text
		out = append(out, c)
	}
	return out
}

// targetToGTD maps the extractor's target words to the GTD's target types.
var targetToGTD = map[string]model.TargetType{
	"government_building": "government_general", "religious_site": "religious_figures_institutions",
	"military_parade": "military", "military": "military", "police": "police",
	"militants": "terrorists_non_state_militia", "railway": "transportation",
}

// TargetTypeGTD maps one of the extractor's target words ("religious_site")
// to the GTD codebook's type, so that labels written in the codebook's
// terms can be scored against it; a word that is already a codebook type
// maps to itself.
func TargetTypeGTD(word string) (model.TargetType, bool) {
	if t, ok := targetToGTD[word]; ok {
		return t, true
	}
	if t := model.TargetType(word); t.Valid() {
		return t, true
	}
	return "", false
}

// Range is the count as vigil's model keeps figures: low, best (the
// conservative reading) and high; nil for no figure (absent or "none").
func (c *Count) Range() *model.Range {
	if c == nil || c.Qualifier == "none" {
		return nil
	}
	switch {
	case c.Low != nil && c.High != nil:
		q := model.Qualifier(c.Qualifier)
		if c.Qualifier == "range" {
			q = model.Exact
		}
		return &model.Range{Low: *c.Low, Best: *c.Low, High: *c.High, Qualifier: q}
	case c.Low != nil:
		return model.Point(*c.Low, model.AtLeast)
	case c.High != nil:
		return model.Point(*c.High, model.UpTo)
	}
	return nil
}

// Result is what Extract reads from one text.
type Result struct {
	Lang             string     `json:"lang"`
	IsIncidentReport bool       `json:"is_incident_report"`
	Incidents        []Incident `json:"incidents"`
	// Why holds the spans that decided IsIncidentReport.
	Why []Span `json:"why,omitempty"`
}

// doc is one text being read: the normalised text, the map back to the
// input, and its sentences.
type doc struct {
	orig  string
	n     string
	idx   []int
	sents []sent
	lang  string
	opt   Options
	gaz   *gazetteer.Gazetteer
	// anchor is the sentence the main incident is read from; state is set
	// when that incident is a state force's strike, whose news recalls
	// the attack it answers: sentences about that attack are then skipped.
	anchor   int
	anchorAt int // offset of the attack word in the anchor sentence
	// monthFirst: the main incident is in the US, so an ambiguous numeric
	// date ("07/04/2016") is read month first (DateOptions.MonthFirst).
	monthFirst bool
	state      bool
	stateAt    int // end of the state force's name in the anchor sentence
	// report is the lead's verdict (classify): a text that is no incident
	// report dates its own news (a ceremony, a condemnation) with "today".
	report bool
	cache  map[*term][]hit
	places []placeHit // gazetteer names in the text, found on first need
	// chainRegion marks the place hits (by start) whose region the text
	// writes after them ("Salem, Massachusetts"): their admin-1 is named.
	chainRegion map[int]bool
}

type sent struct{ start, end int }

func (d *doc) span(from, to int) Span {
	from, to = max(from, 0), min(to, len(d.n))
	s, e := d.idx[from], d.idx[to]
	if e < s {
		e = s
	}
	return Span{Start: s, End: e, Text: strings.TrimSpace(d.orig[s:e])}
}

// Extract reads a text in English or Persian and returns whether it
// reports a violent incident and what it says about the incident: the
// main one first. It never fails: text it cannot read gives no incidents.
func Extract(text string, opt Options) Result {
	d := &doc{orig: text, opt: opt, gaz: opt.Gazetteer}
	if d.gaz == nil {
		d.gaz, _ = gazetteer.Default() // embedded data; a load error leaves places empty
	}
	d.n, d.idx = normalizeMap(text)
	d.lang = opt.Lang
	if d.lang == "" || d.lang == "auto" {
		d.lang = detectLang(d.n)
	}
	d.sents = splitSentences(d.n)
	res := Result{Lang: d.lang, Incidents: []Incident{}}
	res.IsIncidentReport, res.Why = d.classify()
	d.report = res.IsIncidentReport
	inc, found := d.mainIncident()
	if !found && res.IsIncidentReport {
		// a train hitting a truck, a car crash: violence verbs, no attack
		res.IsIncidentReport = false
	}
	if found {
		if inc.KilledAllValues == nil {
			inc.KilledAllValues = []string{}
		}
		res.Incidents = append(res.Incidents, inc)
		res.Incidents = append(res.Incidents, d.secondaryIncidents(inc)...)
		if res.IsIncidentReport && inc.dateEndsBefore(opt.Published.AddDays(-staleDays)) && !opt.Published.IsZero() {
			// "سردار … در سال ۱۳۶۵ شهید شد": an event verb in the lead, but the
			// news is not the violence itself when it happened long before.
			res.IsIncidentReport = false
			res.Why = append(res.Why, inc.Spans["date"])
		}
	}
	return res
}

// staleDays: an incident that ended more than this before publication is
// history, not the news (the labels' incident reports are same-day
// coverage and updates within days).
const staleDays = 14

// dateEndsBefore reports whether the incident's date (its whole period)
// lies before day.
func (inc Incident) dateEndsBefore(day model.Date) bool {
	if inc.Date == nil {
		return false
	}
	end := inc.dateEnd
	if end.IsZero() {
		switch len(*inc.Date) {
		case 4, 7:
			y, m := 0, 0
			fmt.Sscanf(*inc.Date, "%d", &y)
			if len(*inc.Date) == 7 {
				fmt.Sscanf((*inc.Date)[5:], "%d", &m)
			}
			_, e, _, err := model.Period(y, m, 0)
			if err != nil {
				return false
			}
			end = e
		default:
			d, err := model.ParseDate(*inc.Date)
			if err != nil {
				return false
			}
			end = d
		}
	}
	return end.Before(day)
}

// detectLang counts Arabic-script letters against Latin ones.
func detectLang(s string) string {
	ar, la := 0, 0
	for _, r := range s {
		switch {
		case r >= 0x0600 && r <= 0x06FF:
			ar++
		case r < 0x80 && unicode.IsLetter(r):
			la++
		}
	}
	if ar > la {
		return "fa"
	}
	return "en"
}

// splitSentences cuts at sentence-final punctuation followed by a space
// or the end, and at line breaks. Abbreviations ("U.S.") cut too early
// now and then; a sentence is only the unit of nearness, so that costs little.
func splitSentences(n string) []sent {
	var out []sent
	start := 0
	for i := 0; i < len(n); i++ {
		c := n[i]
		cut := c == '\n'
		if c == '.' || c == '!' || c == '?' {
			cut = i+1 == len(n) || n[i+1] == ' ' || n[i+1] == '\n' || n[i+1] == '"'
			if cut && c == '.' && i >= 1 && i+2 < len(n) && n[i-1] >= 'a' && n[i-1] <= 'z' && (i < 2 || n[i-2] == '.' || n[i-2] == ' ') {
				cut = false // "u.s. " and initials
			}
		}
		if cut {
			if strings.TrimSpace(n[start:i]) != "" {
				out = append(out, sent{start, i + 1})
			}
			start = i + 1
		}
	}
	if strings.TrimSpace(n[start:]) != "" {
		out = append(out, sent{start, len(n)})
	}
	return out
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}

// hit is a match of a lexicon entry in the normalised text.
type hit struct {
	from, to int
	val      string
}

// term is a lexicon entry: a normalised phrase matched at a word start;
// whole words only when exact, else as a stem ("attack" matches "attacks").
type term struct {
	text  string
	exact bool
	val   string
}

func terms(val string, exact bool, words ...string) []term {
	out := make([]term, 0, len(words))
	for _, w := range words {
		out = append(out, term{text: Normalize(w), exact: exact, val: val})
	}
	return out
}

// findAll returns every match of the terms in n[from:to], in text order
// (overlaps allowed).
func findAll(n string, from, to int, ts []term) []hit {
	var out []hit
	s := n[from:to]
	for _, t := range ts {
		for off := 0; ; {
			i := strings.Index(s[off:], t.text)
			if i < 0 {
				break
			}
			a := off + i
			b := a + len(t.text)
			off = a + 1
			if a > 0 && isLetterBefore(s, a) {
				continue
			}
			if t.exact && b < len(s) && isLetterAt(s, b) {
				continue
			}
			out = append(out, hit{from + a, from + b, t.val})
		}
	}
	sortHits(out)
	return out
}

func isLetterBefore(s string, a int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:a])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isLetterAt(s string, b int) bool {
	r, _ := utf8.DecodeRuneInString(s[b:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func sortHits(h []hit) {
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && (h[j].from < h[j-1].from || h[j].from == h[j-1].from && h[j].to > h[j-1].to); j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
}

func ptr[T any](v T) *T { return &v }

// weekdayOf maps normalised weekday names to time.Weekday.
var weekdayOf = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
	"یکشنبه": time.Sunday, "دوشنبه": time.Monday, "سهشنبه": time.Tuesday, "سه شنبه": time.Tuesday,
	"چهارشنبه": time.Wednesday, "پنجشنبه": time.Thursday, "پنج شنبه": time.Thursday, "جمعه": time.Friday, "شنبه": time.Saturday,
}

// findAll returns the matches of a lexicon in n[from:to], from the
// matches of all lexicons found in one pass over the text on first need
// (scanAll); a lexicon not registered in allLexicons is matched on its own.
func (d *doc) findAll(from, to int, ts []term) []hit {
	if len(ts) == 0 || from >= to {
		return nil
	}
	if d.cache == nil {
		d.scanAll()
	}
	all, ok := d.cache[&ts[0]]
	if !ok {
		all = findAll(d.n, 0, len(d.n), ts)
		d.cache[&ts[0]] = all
	}
	i := sort.Search(len(all), func(i int) bool { return all[i].from >= from })
	j := i
	for j < len(all) && all[j].from < to {
		j++
	}
	var out []hit
	for _, h := range all[i:j] {
		if h.to <= to {
			out = append(out, h)
		}
	}
	return out
}

// lexTerm is a term with the lexicon it belongs to.
type lexTerm struct {
	t   term
	lex *term // &lexicon[0], the cache key
}

// lexIndex finds terms by their first two runes, so that one pass over
// the word starts of a text matches every lexicon: searching each term
// through the whole text was most of the time spent on Persian text,
// where every word starts with one of a few lead bytes.
type lexIndex struct {
	byPrefix map[string][]lexTerm
	lexes    []*term
}

var lexicons = sync.OnceValue(func() *lexIndex {
	ix := &lexIndex{byPrefix: map[string][]lexTerm{}}
	for _, l := range allLexicons() {
		if len(l) == 0 {
			continue
		}
		ix.lexes = append(ix.lexes, &l[0])
		for _, t := range l {
			ix.byPrefix[prefix2(t.text)] = append(ix.byPrefix[prefix2(t.text)], lexTerm{t, &l[0]})
		}
	}
	return ix
})

// prefix2 is the first two runes of s (fewer if s is shorter).
func prefix2(s string) string {
	_, a := utf8.DecodeRuneInString(s)
	_, b := utf8.DecodeRuneInString(s[a:])
	return s[:a+b]
}

// scanAll matches every registered lexicon at every word start.
func (d *doc) scanAll() {
	ix := lexicons()
	d.cache = make(map[*term][]hit, len(ix.lexes))
	for _, l := range ix.lexes {
		d.cache[l] = nil
	}
	n := d.n
	prevWord := false
	for i := 0; i < len(n); {
		r, size := utf8.DecodeRuneInString(n[i:])
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		if word && !prevWord {
			cands := ix.byPrefix[prefix2(n[i:])]
			for _, c := range cands {
				if !strings.HasPrefix(n[i:], c.t.text) {
					continue
				}
				end := i + len(c.t.text)
				if c.t.exact && end < len(n) && isLetterAt(n, end) {
					continue
				}
				d.cache[c.lex] = append(d.cache[c.lex], hit{i, end, c.t.val})
			}
		}
		prevWord = word || (prevWord && unicode.IsMark(r))
		i += size
	}
	for _, l := range ix.lexes {
		sortHits(d.cache[l])
	}
}

func (d *doc) first(from, to int, ts []term) (hit, bool) {
	hs := d.findAll(from, to, ts)
	if len(hs) == 0 {
		return hit{}, false
	}
	return hs[0], true
}
