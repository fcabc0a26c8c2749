package extract

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/model"
)

// placeStop are capitalised English words that are also town names
// somewhere and must not be read as places.
var placeStop = map[string]bool{}

func init() {
	for _, w := range []string{"imam", "islamic", "iran", "said", "news", "police", "union", "university", "nation", "as",
		"of", "iranian", "mehr", "tasnim", "irna", "isna", "fars", "march", "may", "june", "july", "august", "date",
		"guard", "guards", "leader", "deputy", "president", "minister", "ministry", "general", "front", "resistance",
		"national", "martyrs", "martyr", "day", "saturday", "sunday", "monday", "tuesday", "wednesday", "thursday",
		"friday", "parliament", "majlis", "revolution", "victory", "independence", "liberty", "hope", "justice",
		"security", "intelligence", "reuters", "press", "the", "al", "bin", "abu", "amir", "ali", "hassan", "hussein",
		"khomeini", "khamenei", "rouhani", "zarif", "soleimani", "qassemi", "english", "persian", "arab", "gulf", "persian gulf"} {
		placeStop[gazetteer.Key(w)] = true
	}
}

// readPlace finds the place named nearest the anchor: a city (its region
// and country from the gazetteer), else a region, else a country. A
// country named before the first place and differing from it ("fired
// missiles into eastern Syria … for the attacks in Tehran") wins, and a
// city is then sought in that country only. A dateline ("TEHRAN –") is
// the last resort: it says where the story was filed.
func (d *doc) readPlace(inc *Incident, anchor int) {
	var country string
	var countrySpan Span
	set := func(p gazetteer.Place, sp Span) { setPlace(inc, p, sp) }
	for _, si := range d.order(anchor) {
		if !d.about(si) {
			continue
		}
		if si > anchor+3 && country != "" {
			break
		}
		s := d.sents[si]
		if d.state && si == anchor {
			// the strike's place is told after the force that struck, before the attack it answers
			s.start = max(s.start, d.stateAt)
			if bg, ok := d.first(s.start, s.end, backgroundCues); ok {
				s.end = bg.from
			}
		}
		p, sp, pat, ok := d.findPlace(s.start, s.end, si == 0, country)
		if ok && si == anchor {
			p, sp, pat = d.nearestPlace(s, d.anchorAt, country, p, sp, pat)
		}
		if country == "" {
			if c, csp, cat, cok := d.findCountry(s.start, s.end); cok && (!ok || cat < pat && c != p.Country && d.locativeBefore(s.start, cat)) {
				country, countrySpan = c, csp
				if ok && p.Country != c {
					p, sp, _, ok = d.findPlace(s.start, s.end, si == 0, country)
				}
			}
		}
		if ok {
			set(d.asRegion(p, pat), sp)
			if d.chainRegion[pat] && p.Kind == gazetteer.City && p.Admin1 != "" {
				inc.Admin1 = ptr(p.Admin1) // the text names the region: "Salem, Massachusetts"
			}
			return
		}
	}
	if p, sp, ok := d.dateline(); ok && (country == "" || country == p.Country) && !d.state {
		set(p, sp)
		return
	}
	if country != "" {
		inc.Country = ptr(country)
		inc.Spans["country"] = countrySpan
	}
}

// locativeWords put what follows in a place ("into eastern Syria", "در
// شرق سوریه"); a country named without one qualifies a name or an office
// ("Iran's Quds Force", "سپاه قدس ایران", "وزیر خارجه عراق") and says
// nothing of where the incident was.
var locativeWords = map[string]bool{
	"in": true, "into": true, "inside": true, "on": true, "at": true, "across": true, "over": true, "to": true, "against": true,
	"در": true, "به": true, "داخل": true, "درون": true, "خاک": true, "علیه": true,
}

// locativeBefore reports whether one of the two words before offset at
// (from sentence start a) is a locative word: "in Syria", "into eastern
// Syria", "در سوریه", "در شرق سوریه".
func (d *doc) locativeBefore(a, at int) bool {
	words := wordSpans(d.n, a, at)
	for i := len(words) - 1; i >= 0 && i >= len(words)-2; i-- {
		if locativeWords[strings.ToLower(d.n[words[i][0]:words[i][1]])] {
			return true
		}
	}
	return false
}

// regionWords after a place name, or regionOf before it, make a city's
// name the name of its region: "the Deir al Zour region", "the province
// of Kandahar", "استان کرمان".
var (
	regionWords = []string{" region", " province", " governorate", " provinces"}
	regionOf    = []string{"province of", "region of", "governorate of", "استان", "منطقه", "ولایت"}
)

// asRegion turns a city found at offset at into its admin-1 region when
// the text calls the name a region; otherwise it returns the city.
func (d *doc) asRegion(p gazetteer.Place, at int) gazetteer.Place {
	if p.Kind != gazetteer.City || d.gaz == nil {
		return p
	}
	end := -1
	for _, h := range d.placeHits() {
		if h.from == at {
			end = h.to
			break
		}
	}
	if end < 0 {
		return p
	}
	region := false
	for _, w := range regionWords {
		region = region || strings.HasPrefix(d.n[end:], w) && (end+len(w) == len(d.n) || !isLetterAt(d.n, end+len(w)))
	}
	before := strings.TrimRight(d.n[:at], " ")
	for _, w := range regionOf {
		region = region || strings.HasSuffix(before, w)
	}
	if !region {
		return p
	}
	name := d.n[at:end]
	for _, q := range d.gaz.Lookup(name) {
		if q.Kind == gazetteer.Admin1 && q.Country == p.Country {
			return q
		}
	}
	if p.Admin1ID >= 0 && p.Admin1 != "" {
		for _, q := range d.gaz.Lookup(p.Admin1) {
			if q.Kind == gazetteer.Admin1 && q.Country == p.Country && q.Name == p.Admin1 {
				return q
			}
		}
	}
	return p
}

// nearestPlace picks, among the places of a sentence, the first after the
// attack word, else the nearest before it: "summoned … to Tehran after
// terrorists carried out attacks … in Ahvaz", "a brigade in Mosul, in
// clashes … in Kermanshah".
func (d *doc) nearestPlace(s sent, at int, country string, p gazetteer.Place, sp Span, pat int) (gazetteer.Place, Span, int) {
	dist := func(x int) int {
		if x < at {
			return len(d.n) + (at - x) // any place after the attack word comes first
		}
		return x - at
	}
	best := dist(pat)
	for from := pat + 1; from < s.end; {
		q, qsp, qat, ok := d.findPlace(from, s.end, false, country)
		if !ok {
			break
		}
		if dd := dist(qat); dd < best {
			p, sp, pat, best = q, qsp, qat, dd
		}
		from = qat + 1
		for from < s.end && isWordByte(d.n[from]) {
			from++
		}
	}
	return p, sp, pat
}

// setPlace fills city, admin1 and country from a gazetteer place.
func setPlace(inc *Incident, p gazetteer.Place, sp Span) {
	if p.Kind == gazetteer.City {
		inc.City = ptr(p.Name)
		inc.Spans["city"] = sp
	}
	// The labels give admin1 for Iranian cities; elsewhere only when the text names the region.
	if (p.Kind == gazetteer.Admin1 || p.Country == "IR") && p.Admin1 != "" {
		inc.Admin1 = ptr(p.Admin1)
		inc.Spans["admin1"] = sp
	}
	inc.Country = ptr(p.Country)
	inc.Spans["country"] = sp
	inc.lat, inc.lon = ptr(p.Lat), ptr(p.Lon)
}

// dateline reads "TEHRAN –" at the very start of the text.
func (d *doc) dateline() (gazetteer.Place, Span, bool) {
	words := wordSpans(d.n, 0, min(len(d.n), 40))
	if d.gaz == nil || len(words) < 2 || !strings.HasPrefix(strings.TrimSpace(d.n[words[0][1]:min(words[0][1]+3, len(d.n))]), "-") {
		return gazetteer.Place{}, Span{}, false
	}
	p, ok := d.pickPlace(d.gaz.LookupKey(gazetteer.Key(d.n[words[0][0]:words[0][1]])), words[0][0], "")
	return p, d.span(words[0][0], words[0][1]), ok
}

// placeHit is a gazetteer name found in the text: its words and the
// places it may mean.
type placeHit struct {
	from, to int
	cands    []gazetteer.Place
}

// placeHits finds, once per text, every word sequence that is a
// gazetteer name, longest first at each word.
func (d *doc) placeHits() []placeHit {
	if d.places != nil || d.gaz == nil {
		return d.places
	}
	d.places = []placeHit{}
	words := wordSpans(d.n, 0, len(d.n))
	var buf []byte
	for i, w := range words {
		if d.lang == "en" && !d.capitalised(w[0]) {
			continue // English names are written with a capital (pickPlace insists)
		}
		buf = gazetteer.AppendKey(buf[:0], d.n[w[0]:w[1]])
		most := d.gaz.NameWordsKey(buf)
		if most == 0 || agencyName(d.n, w[0], w[1]) {
			continue
		}
		stop := placeStop[string(buf)]
		for n := min(most, len(words)-i); n >= 1; n-- {
			if n == 1 && stop {
				break // "Fars" alone is the agency; "Fars province" is the province
			}
			from, to := w[0], words[i+n-1][1]
			buf = gazetteer.AppendKey(buf[:0], d.n[from:to])
			if cands := d.gaz.LookupKey(string(buf)); len(cands) > 0 {
				d.places = append(d.places, placeHit{from, to, cands})
			}
		}
	}
	return d.places
}

// findPlace returns the first acceptable place (in country, when given)
// named in n[a:b], and where it starts.
func (d *doc) findPlace(a, b int, firstSentence bool, country string) (gazetteer.Place, Span, int, bool) {
	skip := -1
	if firstSentence {
		if words := wordSpans(d.n, a, min(b, a+60)); len(words) > 1 &&
			strings.HasPrefix(strings.TrimSpace(d.n[words[0][1]:min(words[0][1]+3, len(d.n))]), "-") {
			skip = words[0][0] // the dateline
		}
	}
	hs := d.placeHits()
	i := sort.Search(len(hs), func(i int) bool { return hs[i].from >= a })
	for ; i < len(hs) && hs[i].from < b; i++ {
		h := hs[i]
		if h.to > b || h.from == skip {
			continue
		}
		if regions, chainCountry, chained := d.chainAfter(h.to, b); chained {
			p, named, ok := chainPick(h.cands, regions, chainCountry, country)
			if ok {
				if named {
					if d.chainRegion == nil {
						d.chainRegion = map[int]bool{}
					}
					d.chainRegion[h.from] = true
				}
				return p, d.span(h.from, h.to), h.from, true
			}
			if chainCountry != "" {
				continue // "طرابلس، لیبی": a namesake in another country
			}
		}
		// a region by its kind word before a city of the same name
		// ("Ghazni district"); by chain or country only when no city is read
		if p, ok := d.regionInContext(h, country, true); ok {
			return p, d.span(h.from, h.to), h.from, true
		}
		if p, ok := d.pickPlace(h.cands, h.from, country); ok {
			return p, d.span(h.from, h.to), h.from, true
		}
		if p, ok := d.regionInContext(h, country, false); ok {
			return p, d.span(h.from, h.to), h.from, true
		}
	}
	return gazetteer.Place{}, Span{}, 0, false
}

// regionKinds after a name say it is a region ("Helmand province",
// "Bolivar state", "Ghazni district" — a district named after its
// province is in it).
var regionKinds = []string{" province", " state", " region", " district", " governorate"}

// regionInContext accepts an admin-1 region outside Iran — which
// pickPlace leaves to curated names, since running text uses many a
// region's name for other things — when the text itself places it: the
// last element of a place chain whose first is unknown ("in Kishindih
// district, Balkh", "Kakiri (Wakiso district)", "Viroqua, Wisconsin"), the
// name followed by its kind, or a region of the country already named.
// Only a name that is one region (in that country) is read; kindOnly
// reads it only by its kind word.
func (d *doc) regionInContext(h placeHit, country string, kindOnly bool) (gazetteer.Place, bool) {
	if d.lang != "en" || !d.capitalised(h.from) {
		return gazetteer.Place{}, false
	}
	before := strings.TrimRight(d.n[max(0, h.from-3):h.from], " ")
	after := d.n[h.to:min(len(d.n), h.to+12)]
	chained := strings.HasSuffix(before, ",") || strings.HasSuffix(before, "(")
	if chained {
		// a region after a known place is that place's (chainAfter reads it)
		for _, o := range d.placeHits() {
			if o.to <= h.from && o.to >= h.from-3 {
				return gazetteer.Place{}, false
			}
		}
	}
	placed := !kindOnly && (country != "" || chained)
	for _, k := range regionKinds {
		placed = placed || strings.HasPrefix(after, k)
	}
	if !placed {
		return gazetteer.Place{}, false
	}
	var found gazetteer.Place
	n := 0
	for _, p := range h.cands {
		if p.Kind == gazetteer.Admin1 && (country == "" || p.Country == country) {
			found, n = p, n+1
		}
	}
	return found, n == 1
}

// agencyName: "Fars" in "Fars news agency" / "خبرگزاری فارس" (every Fars
// article's sign-off) names the agency, and "خلیج فارس" the Persian Gulf,
// not the province.
func agencyName(n string, from, to int) bool {
	before := strings.TrimRight(n[:from], " ")
	after := n[to:]
	return strings.HasSuffix(before, "خبرگزاری") || strings.HasSuffix(before, "خلیج") || strings.HasPrefix(after, " news") ||
		strings.HasPrefix(after, " خبرگزاری")
}

// pickPlace accepts a candidate only when it is safe to read from running
// text: a curated place, an Iranian one, or a large city written with a
// capital letter (English).
func (d *doc) pickPlace(cands []gazetteer.Place, from int, country string) (gazetteer.Place, bool) {
	capital := true
	if d.lang == "en" {
		r, _ := utf8.DecodeRuneInString(d.orig[d.idx[from]:])
		capital = unicode.IsUpper(r)
	}
	for _, p := range cands {
		if country != "" && p.Country != country {
			continue
		}
		switch {
		case p.Curated && (capital || d.lang != "en"):
			return p, true
		case !capital:
		case p.Country == "IR" && d.lang == "en" && (p.Population > 0 || p.Kind == gazetteer.Admin1):
			return p, true
		case p.Kind == gazetteer.City && p.Population >= 500000 && d.lang == "en":
			return p, true
		}
	}
	return gazetteer.Place{}, false
}

func (d *doc) findCountry(a, b int) (string, Span, int, bool) {
	words := wordSpans(d.n, a, b)
	table := countryWordsEn
	if d.lang == "fa" {
		table = countryWordsFa
	}
	for i, w := range words {
		for n := 2; n >= 1; n-- {
			if i+n > len(words) {
				continue
			}
			t := d.n[w[0]:words[i+n-1][1]]
			t = strings.TrimSuffix(t, "'s")
			if c, ok := table[t]; ok {
				return c, d.span(w[0], words[i+n-1][1]), w[0], true
			}
			if d.lang == "en" && d.capitalised(w[0]) {
				// any country by its English name ("Kenya", "Burkina Faso")
				if c, ok := model.CountryByName(t); ok {
					return c.ISO2, d.span(w[0], words[i+n-1][1]), w[0], true
				}
			}
		}
	}
	return "", Span{}, 0, false
}

// capitalised reports whether the input's letter at normalised offset at
// is upper case ("Chad" the country, not "chad").
func (d *doc) capitalised(at int) bool {
	r, _ := utf8.DecodeRuneInString(d.orig[d.idx[at]:])
	return unicode.IsUpper(r)
}

// wordSpans returns [from, to) of each word (letters, digits, inner ' and -).
func wordSpans(n string, a, b int) [][2]int {
	var out [][2]int
	i := a
	for i < b {
		r, sz := utf8.DecodeRuneInString(n[i:])
		if !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			i += sz
			continue
		}
		j := i
		for j < b {
			r2, sz2 := utf8.DecodeRuneInString(n[j:])
			if unicode.IsLetter(r2) || unicode.IsDigit(r2) || unicode.IsMark(r2) {
				j += sz2
				continue
			}
			if (r2 == '-' || r2 == '\'') && j+1 < b {
				if r3, _ := utf8.DecodeRuneInString(n[j+1:]); unicode.IsLetter(r3) {
					j += sz2
					continue
				}
			}
			break
		}
		out = append(out, [2]int{i, j})
		i = j
	}
	return out
}

// chainAfter reads the names written after a place and a comma, as news
// and summaries write a place from small to large ("Salem,
// Massachusetts, United States", "Nurabad, Fars", "طرابلس، لیبی"): the
// admin-1 regions the first name may be and the country the chain names
// ("" if none). chained is false when no comma follows or nothing after
// it is a region or a country.
func (d *doc) chainAfter(to, b int) (regions []gazetteer.Place, country string, chained bool) {
	pos := to
	for item := 0; item < 2 && pos < b; item++ {
		rest := d.n[pos:b]
		trimmed := strings.TrimLeft(rest, " ")
		sep := ""
		for _, c := range []string{",", "،"} {
			if strings.HasPrefix(trimmed, c) {
				sep = c
			}
		}
		if sep == "" {
			break
		}
		start := pos + len(rest) - len(trimmed) + len(sep)
		words := wordSpans(d.n, start, min(b, start+60))
		end := -1
		for i := 0; i < len(words) && i < 3; i++ {
			if i > 0 && strings.ContainsAny(d.n[words[i-1][1]:words[i][0]], ",،.;:()") {
				break
			}
			if d.lang == "en" && !d.capitalised(words[i][0]) {
				break
			}
			end = i
		}
		if end < 0 {
			break
		}
		// the longest run of the words that is a country or a region
		found := false
		for n := end; n >= 0 && !found; n-- {
			t := d.n[words[0][0]:words[n][1]]
			if c, ok := d.countryName(t, words[0][0]); ok {
				return regions, c, true
			}
			if item == 0 && d.gaz != nil {
				for _, p := range d.gaz.Lookup(t) {
					if p.Kind == gazetteer.Admin1 {
						regions = append(regions, p)
						found = true
					}
				}
				if found {
					pos = words[n][1]
				}
			}
		}
		if !found {
			break
		}
	}
	return regions, "", len(regions) > 0
}

// countryName reads t (normalised, starting at offset at) as a country's
// name: the lexicon's words, or any English name written with a capital.
func (d *doc) countryName(t string, at int) (string, bool) {
	table := countryWordsEn
	if d.lang == "fa" {
		table = countryWordsFa
	}
	if c, ok := table[t]; ok {
		return c, true
	}
	if d.lang == "en" && d.capitalised(at) {
		if c, ok := model.CountryByName(t); ok {
			return c.ISO2, true
		}
	}
	return "", false
}

// chainPick chooses among a name's places by the chain written after it:
// a city in a named region (named reports that the region was written),
// else any place in the named country, else the region itself (a town
// the gazetteer lacks: "Lilburn, Georgia" is at least Georgia). want, when
// set, is the country the caller requires.
func chainPick(cands, regions []gazetteer.Place, country, want string) (p gazetteer.Place, named, ok bool) {
	fits := func(c string) bool { return (country == "" || c == country) && (want == "" || c == want) }
	for _, c := range cands {
		for _, r := range regions {
			if c.Kind == gazetteer.City && c.Country == r.Country && c.Admin1 == r.Admin1 && fits(c.Country) {
				return c, true, true
			}
		}
	}
	if country != "" {
		for _, c := range cands {
			if fits(c.Country) {
				return c, false, true
			}
		}
	}
	for _, r := range regions {
		if fits(r.Country) {
			return r, false, true
		}
	}
	return gazetteer.Place{}, false, false
}
