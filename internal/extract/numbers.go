package extract

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigil-project/vigil/internal/model"
)

// Figure is one count as a text states it.
type Figure struct {
	// Range is the count. Best is always the most conservative number the
	// words support (see the package doc).
	Range model.Range
	// Source is whom the text credits with the figure ("IRNA", "Fars via
	// CNN", "headline", "infobox"); "" when it credits no one.
	Source string
	// Note is what the text adds about the figure that is neither its size
	// nor its source: who ("IRGC", "guard", "civilians"), where ("at
	// shrine"), when ("initial assault", "latest").
	Note string
	// Earlier marks a figure the same text gives as superseded ("28
	// (earlier 24)", "deputy governor earlier: >=10", "(unconfirmed, early)").
	Earlier bool
	// Attackers is how many attackers the text says the figure includes
	// ("23 incl. 5 attackers"); 0 when it says nothing of them.
	Attackers int
	// Stated is the number as written before "more than"/"fewer than"
	// moved the bound by one; for a vague word, its best.
	Stated int
	// Vague is the vague word the figure was read from ("dozens", "ده‌ها"
	// normalised to "دهها"); "" for a number.
	Vague string
	// Text is the span of the input that states the figure, and Start and
	// End its byte offsets in the input.
	Text       string
	Start, End int
}

// Figures are the figures of one cell or fragment, in the order written,
// a nested figure ("(earlier 24)") right after the one it qualifies.
type Figures []Figure

// ErrNoFigure is returned for text that gives no count: empty, or words
// that say a count is not known ("unconfirmed", "unknown", "a number of",
// "تعدادی"). It is not a malformed figure: callers record "no figure".
var ErrNoFigure = errors.New("no figure given")

// ErrBadFigure is wrapped by the error for text that is neither a figure
// nor a known way of saying there is none.
var ErrBadFigure = errors.New("not a figure")

// ParseFigure reads the figures in the free text of a figure cell or a
// sentence fragment: "12", ">=12", "at least 12", "more than 100", "up to
// 7", "about 20", "20-25", "between 20 and 25", "dozens", "twenty-five",
// "دست‌کم ۱۲", "بیش از ۱۰۰", "ده‌ها", and cells that list several figures
// with their sources, "2 (IRNA); 7 (Fars via CNN)". The package doc lists
// the rules. It never panics.
func ParseFigure(s string) (Figures, error) {
	norm, idx := normalizeMap(s)
	toks := tokenize(norm)
	p := &figParser{orig: s, norm: norm, idx: idx}
	var out Figures
	noFigure := true
	for _, seg := range splitTop(toks, ";") {
		if len(seg) == 0 {
			continue
		}
		figs, err := p.segment(seg)
		if errors.Is(err, ErrNoFigure) {
			continue
		}
		if err != nil {
			return nil, err
		}
		noFigure = false
		out = append(out, figs...)
	}
	if noFigure {
		return nil, ErrNoFigure
	}
	return out, nil
}

type figParser struct {
	orig, norm string
	idx        []int
}

// span returns the input text and offsets of tokens ts[a:b].
func (p *figParser) span(ts []token, a, b int) (string, int, int) {
	if a >= b || a >= len(ts) {
		return "", 0, 0
	}
	from, to := p.idx[ts[a].from], p.idx[ts[b-1].to]
	return strings.TrimSpace(p.orig[from:to]), from, to
}

// splitTop splits tokens at a symbol outside parentheses.
func splitTop(ts []token, sep string) [][]token {
	var out [][]token
	depth, start := 0, 0
	for i, t := range ts {
		if t.kind != tokSym {
			continue
		}
		switch t.text {
		case "(", "[":
			depth++
		case ")", "]":
			if depth > 0 {
				depth--
			}
		case sep:
			if depth == 0 {
				out = append(out, ts[start:i])
				start = i + 1
			}
		}
	}
	return append(out, ts[start:])
}

// segment reads one figure with its label, trailing words and bracketed
// remarks, which may hold nested figures.
func (p *figParser) segment(ts []token) (Figures, error) {
	// "body text: 17 civilians": a label before a colon names the source.
	label := ""
	if c := indexTop(ts, ":"); c > 0 {
		label, _, _ = p.span(ts, 0, c)
		ts = ts[c+1:]
	}
	// Find where the figure starts; words before it are a label too
	// ("earlier 24", "deputy governor earlier: >=10").
	start, fe := -1, figExpr{}
	for i := 0; i < len(ts); i++ {
		if ts[i].kind == tokSym && (ts[i].text == "(" || ts[i].text == "[") {
			break // remarks come after a figure, never before it
		}
		if e, ok := parseExpr(ts, i); ok {
			start, fe = i, e
			break
		}
	}
	if start < 0 {
		if allNoNumberWords(ts) {
			return nil, ErrNoFigure
		}
		text, _, _ := p.span(ts, 0, len(ts))
		return nil, fmt.Errorf("%q: %w", text, ErrBadFigure)
	}
	if start > 0 {
		pre, _, _ := p.span(ts, 0, start)
		label = strings.TrimSpace(label + " " + pre)
	}
	f := Figure{Range: fe.rng, Stated: fe.stated, Vague: fe.vague}
	f.Source, f.Earlier = cleanLabel(label)
	f.Text, f.Start, f.End = p.span(ts, start, fe.end)

	var nested Figures
	var notes []string
	i := fe.end
	for i < len(ts) {
		t := ts[i]
		if t.kind == tokSym && (t.text == "(" || t.text == "[") {
			j := matchClose(ts, i)
			inner := ts[i+1 : j]
			if hasFigure(inner) {
				figs, err := p.segment(inner)
				if err == nil {
					nested = append(nested, figs...)
				} else if !errors.Is(err, ErrNoFigure) {
					return nil, err
				}
			} else if txt, _, _ := p.span(inner, 0, len(inner)); txt != "" {
				if isSourceLabel(Normalize(txt)) && f.Source == "" {
					f.Source = txt
				} else {
					notes = append(notes, txt)
					if hasEarlierWord(inner) {
						f.Earlier = true
					}
				}
			}
			i = j + 1
			continue
		}
		if n, j, ok := attackersIncluded(ts, i); ok {
			f.Attackers = n
			txt, _, _ := p.span(ts, i, j)
			notes = append(notes, txt)
			i = j
			continue
		}
		// Plain trailing words up to the next bracket are a note.
		j := i
		for j < len(ts) && !(ts[j].kind == tokSym && (ts[j].text == "(" || ts[j].text == "[")) {
			j++
		}
		if txt, _, _ := p.span(ts, i, j); strings.Trim(txt, ",.:- ") != "" {
			notes = append(notes, strings.Trim(txt, ",: "))
		}
		i = j
	}
	f.Note = strings.Join(notes, "; ")
	return append(Figures{f}, nested...), nil
}

func indexTop(ts []token, sym string) int {
	depth := 0
	for i, t := range ts {
		if t.kind != tokSym {
			continue
		}
		switch t.text {
		case "(", "[":
			depth++
		case ")", "]":
			depth--
		case sym:
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// matchClose returns the index of the bracket closing ts[open], or
// len(ts) when it is never closed (the remark runs to the end).
func matchClose(ts []token, open int) int {
	depth := 0
	for i := open; i < len(ts); i++ {
		if ts[i].kind != tokSym {
			continue
		}
		switch ts[i].text {
		case "(", "[":
			depth++
		case ")", "]":
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return len(ts)
}

func hasFigure(ts []token) bool {
	for i := range ts {
		if _, ok := parseExpr(ts, i); ok {
			return true
		}
	}
	return false
}

// attackersIncluded reads "incl. 5 attackers", "including five gunmen".
func attackersIncluded(ts []token, i int) (int, int, bool) {
	if i >= len(ts) || ts[i].kind != tokWord {
		return 0, 0, false
	}
	switch ts[i].text {
	case "incl.", "incl", "including", "inc.":
	default:
		return 0, 0, false
	}
	e, ok := parseExpr(ts, i+1)
	if !ok || e.end >= len(ts) || !attackerWords[ts[e.end].text] {
		return 0, 0, false
	}
	return e.rng.Best, e.end + 1, true
}

var attackerWords = setOf("attackers", "attacker", "assailants", "assailant", "gunmen", "gunman",
	"terrorists", "terrorist", "militants", "bombers", "perpetrators", "تروریست", "مهاجم", "مهاجمان", "تروریستها")

// earlierWords mark a figure as superseded within the same text.
var earlierWords = setOf("earlier", "early", "initially", "previously", "previous", "before", "قبلا", "پیشتر", "ابتدا")

// latestWords are dropped from a label: they date the figure, they are not its source.
var latestWords = setOf("latest", "later", "updated", "now", "new", "final", "جدید", "آخرین")

func hasEarlierWord(ts []token) bool {
	for _, t := range ts {
		if t.kind == tokWord && earlierWords[t.text] {
			return true
		}
	}
	return false
}

// cleanLabel takes the dating words out of a label and reports whether
// one of them made the figure an earlier one.
func cleanLabel(label string) (string, bool) {
	words := strings.Fields(label)
	earlier := false
	kept := words[:0]
	for _, w := range words {
		k := Normalize(strings.Trim(w, ",:;"))
		switch {
		case earlierWords[k]:
			earlier = true
		case latestWords[k], labelStopWords[k]:
		default:
			kept = append(kept, w)
		}
	}
	return strings.Trim(strings.Join(kept, " "), ",:;-–— "), earlier
}

// labelStopWords are words before a figure that say what is counted, not who says so.
var labelStopWords = setOf("killed", "dead", "deaths", "death", "toll", "injured", "wounded", "injuries",
	"casualties", "died", "martyred", "killing", "injuring", "wounding", "and", "with", "of", "the",
	"کشته", "زخمی", "مجروح", "شهید", "و")

// sourceWords are the words that make a bracketed remark a source rather
// than a note: agencies and outlets that Iranian and wire reporting cite,
// officials, and the part of a page a figure was read from.
var sourceWords = setOf("irna", "isna", "ilna", "fars", "tasnim", "mehr", "irib", "presstv", "press", "tv",
	"bbc", "cnn", "reuters", "ap", "afp", "dpa", "jazeera", "sky", "sputnik", "tass", "nyt", "amaq", "media",
	"wikipedia", "kayhan", "yjc", "trend", "anadolu", "xinhua", "guardian", "times", "post", "news", "agency",
	"governor", "ministry", "minister", "official", "officials", "police", "authorities", "spokesman",
	"spokesperson", "coroner", "forensic", "legal", "medicine", "health", "hospital", "emergency",
	"headline", "body", "infobox", "lead", "summary", "title", "caption", "text", "via",
	"ایرنا", "ایسنا", "ایلنا", "فارس", "تسنیم", "مهر", "صداوسیما", "فرماندار", "استاندار", "وزارت", "پلیس")

func isSourceLabel(norm string) bool {
	for _, t := range tokenize(norm) {
		if t.kind == tokWord && sourceWords[strings.TrimSuffix(t.text, ".")] {
			return true
		}
	}
	return false
}

// noNumberWords say that a count is unknown or unstated.
var noNumberWords = setOf("unconfirmed", "unknown", "unclear", "n/a", "na", "not", "given", "reported",
	"stated", "yet", "a", "number", "of", "many", "numerous", "some", "unspecified", "n", "/", "-", "?",
	"تعدادی", "شماری", "عدهای", "عده", "ای", "بسیاری", "نامعلوم", "نامشخص", "people", "killed", "injured",
	"wounded", "dead", "casualties")

func allNoNumberWords(ts []token) bool {
	for _, t := range ts {
		if t.kind == tokWord && !noNumberWords[t.text] {
			return false
		}
		if t.kind == tokNum {
			return false
		}
	}
	return true
}

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// figExpr is one parsed count expression.
type figExpr struct {
	rng    model.Range
	stated int
	vague  string
	end    int // index after its last token
}

// bound is how a qualifier phrase bounds the number after it.
type bound int

const (
	bExact bound = iota
	bAtLeast
	bMoreThan
	bUpTo
	bLessThan
	bAbout
)

// qualifierPhrases map token sequences (normalised) to bounds; longer
// phrases are tried first.
var qualifierPhrases = []struct {
	words []string
	b     bound
}{
	{[]string{"no", "fewer", "than"}, bAtLeast}, {[]string{"not", "less", "than"}, bAtLeast},
	{[]string{"no", "less", "than"}, bAtLeast}, {[]string{"a", "minimum", "of"}, bAtLeast},
	{[]string{"in", "excess", "of"}, bMoreThan}, {[]string{"upwards", "of"}, bAtLeast},
	{[]string{"no", "more", "than"}, bUpTo}, {[]string{"not", "more", "than"}, bUpTo},
	{[]string{"a", "maximum", "of"}, bUpTo}, {[]string{"as", "many", "as"}, bUpTo},
	{[]string{"at", "least"}, bAtLeast}, {[]string{"more", "than"}, bMoreThan},
	{[]string{"at", "most"}, bUpTo}, {[]string{"up", "to"}, bUpTo},
	{[]string{"less", "than"}, bLessThan}, {[]string{"fewer", "than"}, bLessThan},
	{[]string{"close", "to"}, bAbout}, {[]string{"an", "estimated"}, bAbout},
	{[]string{"دست", "کم"}, bAtLeast}, {[]string{"بیش", "از"}, bMoreThan}, {[]string{"بیشتر", "از"}, bMoreThan},
	{[]string{"افزون", "بر"}, bMoreThan}, {[]string{"متجاوز", "از"}, bMoreThan}, {[]string{"بالغ", "بر"}, bAtLeast},
	{[]string{"کمتر", "از"}, bLessThan}, {[]string{"کم", "تر", "از"}, bLessThan},
	{[]string{"نزدیک", "به"}, bAbout}, {[]string{"قریب", "به"}, bAbout}, {[]string{"در", "حدود"}, bAbout},
	{[]string{"حدود"}, bAbout}, {[]string{"حدودا"}, bAbout}, {[]string{"تقریبا"}, bAbout},
	{[]string{"دستکم"}, bAtLeast}, {[]string{"حداقل"}, bAtLeast}, {[]string{"لااقل"}, bAtLeast},
	{[]string{"حداکثر"}, bUpTo}, {[]string{"تا"}, bUpTo},
	{[]string{">="}, bAtLeast}, {[]string{"=>"}, bAtLeast}, {[]string{">"}, bMoreThan},
	{[]string{"<="}, bUpTo}, {[]string{"=<"}, bUpTo}, {[]string{"<"}, bLessThan}, {[]string{"~"}, bAbout},
	{[]string{"over"}, bMoreThan}, {[]string{"above"}, bMoreThan}, {[]string{"minimum"}, bAtLeast},
	{[]string{"min"}, bAtLeast}, {[]string{"min."}, bAtLeast}, {[]string{"maximum"}, bUpTo},
	{[]string{"max"}, bUpTo}, {[]string{"max."}, bUpTo}, {[]string{"under"}, bLessThan}, {[]string{"below"}, bLessThan},
	{[]string{"about"}, bAbout}, {[]string{"around"}, bAbout}, {[]string{"approximately"}, bAbout},
	{[]string{"approx"}, bAbout}, {[]string{"approx."}, bAbout}, {[]string{"roughly"}, bAbout},
	{[]string{"some"}, bAbout}, {[]string{"nearly"}, bAbout}, {[]string{"almost"}, bAbout},
	{[]string{"estimated"}, bAbout}, {[]string{"circa"}, bAbout}, {[]string{"ca."}, bAbout}, {[]string{"c."}, bAbout},
}

// parseExpr reads a count expression starting at ts[i]: an optional
// qualifier, then a number, number words, a range or a vague word.
func parseExpr(ts []token, i int) (figExpr, bool) {
	b := bExact
	k := i
	for _, q := range qualifierPhrases {
		if matchWords(ts, i, q.words) {
			b, k = q.b, i+len(q.words)
			break
		}
	}
	// "between 20 and 25", "بین ۲۰ تا ۲۵"
	if k < len(ts) && (ts[k].text == "between" || ts[k].text == "بین") {
		lo, ok1 := parseCount(ts, k+1)
		if ok1 && lo.end < len(ts) && (ts[lo.end].text == "and" || ts[lo.end].text == "تا" || ts[lo.end].text == "و") {
			if hi, ok2 := parseCount(ts, lo.end+1); ok2 && lo.vague == "" && hi.vague == "" {
				q := model.Exact
				if b == bAbout {
					q = model.About
				}
				return figExpr{rng: model.Range{Low: lo.low, Best: lo.low, High: hi.low, Qualifier: q}, stated: lo.low, end: hi.end}, true
			}
		}
		return figExpr{}, false
	}
	c, ok := parseCount(ts, k)
	if !ok {
		return figExpr{}, false
	}
	end := c.end
	// "20-25", "20 to 25", "۲۰ تا ۲۵", "1 or 2"
	if c.vague == "" && end+1 < len(ts) {
		switch ts[end].text {
		case "-", "to", "تا", "or", "یا", "/":
			if hi, ok := parseCount(ts, end+1); ok && hi.vague == "" && (ts[end].text != "/" || hi.low >= c.low) {
				q := model.Exact
				if b == bAbout || c.approx {
					q = model.About
				}
				return figExpr{rng: model.Range{Low: c.low, Best: c.low, High: hi.low, Qualifier: q}, stated: c.low, end: hi.end}, true
			}
		}
	}
	// "12+"
	if b == bExact && end < len(ts) && ts[end].text == "+" {
		b = bAtLeast
		end++
	}
	e := figExpr{stated: c.best, vague: c.vague, end: end}
	if c.vague != "" {
		e.rng = model.Range{Low: c.low, Best: c.best, High: c.high, Qualifier: model.About}
		switch b {
		case bAtLeast, bMoreThan:
			e.rng.Qualifier = model.AtLeast
		case bUpTo, bLessThan:
			e.rng.Qualifier = model.UpTo
		}
		return e, true
	}
	n := c.low
	switch b {
	case bExact:
		q := model.Exact
		if c.approx {
			q = model.About
		}
		e.rng = *model.Point(n, q)
	case bAtLeast:
		e.rng = *model.Point(n, model.AtLeast)
	case bMoreThan:
		e.rng = *model.Point(n+1, model.AtLeast)
	case bUpTo:
		e.rng = *model.Point(n, model.UpTo)
	case bLessThan:
		e.rng = *model.Point(max(n-1, 0), model.UpTo)
	case bAbout:
		e.rng = *model.Point(n, model.About)
	}
	return e, true
}

func matchWords(ts []token, i int, words []string) bool {
	if i+len(words) > len(ts) {
		return false
	}
	for j, w := range words {
		if ts[i+j].text != w {
			return false
		}
	}
	return true
}

// count is a number or a vague word read from tokens.
type count struct {
	low, best, high int
	vague           string
	approx          bool // "a dozen": a number word that is itself approximate
	end             int
}

// parseCount reads digits (with a multiplier word: "2 هزار"), number words
// in English or Persian, or a vague word.
func parseCount(ts []token, i int) (count, bool) {
	if i >= len(ts) {
		return count{}, false
	}
	t := ts[i]
	if t.kind == tokNum {
		if t.val < 0 {
			return count{}, false
		}
		n, end := t.val, i+1
		if end < len(ts) {
			if m, ok := multipliers[ts[end].text]; ok && n*m <= maxCount {
				n, end = n*m, end+1
			}
		}
		return count{low: n, best: n, high: n, end: end}, true
	}
	if t.kind != tokWord {
		return count{}, false
	}
	if v, ok := parseVague(ts, i); ok {
		return v, true
	}
	// "no deaths", "no one", "nobody": zero. "no more than" never gets
	// here (qualifiers are matched first).
	if t.text == "nobody" || t.text == "no" && (i+1 == len(ts) || ts[i+1].kind == tokWord) {
		end := i + 1
		if t.text == "no" && end < len(ts) && ts[end].text == "one" {
			end++
		}
		return count{end: end}, true
	}
	if n, end, approx, ok := parseNumberWords(ts, i); ok {
		return count{low: n, best: n, high: n, approx: approx, end: end}, true
	}
	return count{}, false
}

var multipliers = map[string]int{"hundred": 100, "thousand": 1000, "million": 1_000_000,
	"صد": 100, "هزار": 1000, "میلیون": 1_000_000}

// vagueRange is a documented reading of a vague word (see the package doc).
type vagueRange struct{ low, best, high int }

// vagueWords are the plural and collective words read as ranges.
var vagueWords = map[string]vagueRange{
	"tens": {10, 10, 99}, "دهها": {10, 10, 99},
	"dozens":   {12, 12, 99},
	"scores":   {20, 20, 199},
	"hundreds": {100, 100, 999}, "صدها": {100, 100, 999},
	"thousands": {1000, 1000, 9999}, "هزاران": {1000, 1000, 9999}, "هزارها": {1000, 1000, 9999},
}

// vagueQuantifiers are the words for a small unknown number; followed by
// a unit ("several hundred", "چند صد") they multiply it.
var vagueQuantifiers = []struct {
	words []string
	r     vagueRange
}{
	{[]string{"a", "couple", "of"}, vagueRange{2, 2, 3}}, {[]string{"a", "couple"}, vagueRange{2, 2, 3}},
	{[]string{"a", "few"}, vagueRange{2, 2, 5}}, {[]string{"a", "handful", "of"}, vagueRange{2, 2, 5}},
	{[]string{"several"}, vagueRange{3, 3, 9}}, {[]string{"چندین"}, vagueRange{3, 3, 9}},
	{[]string{"چند"}, vagueRange{3, 3, 9}},
}

var vagueUnits = map[string]int{"dozen": 12, "hundred": 100, "thousand": 1000, "ده": 10, "صد": 100, "هزار": 1000}

func parseVague(ts []token, i int) (count, bool) {
	// "tens of thousands", "hundreds of thousands"
	if r, ok := vagueWords[ts[i].text]; ok {
		c := count{low: r.low, best: r.best, high: r.high, vague: ts[i].text, end: i + 1}
		if i+2 < len(ts) && ts[i+1].text == "of" && (ts[i+2].text == "thousands" || ts[i+2].text == "millions") {
			m := 1000
			if ts[i+2].text == "millions" {
				m = 1_000_000
			}
			c = count{low: r.low * m, best: r.best * m, high: (r.high+1)*m - 1, vague: ts[i].text + " of " + ts[i+2].text, end: i + 3}
		}
		return c, true
	}
	for _, q := range vagueQuantifiers {
		if !matchWords(ts, i, q.words) {
			continue
		}
		end := i + len(q.words)
		name := strings.Join(q.words, " ")
		if end < len(ts) {
			if u, ok := vagueUnits[ts[end].text]; ok {
				return count{low: q.r.low * u, best: q.r.best * u, high: q.r.high * u,
					vague: name + " " + ts[end].text, end: end + 1}, true
			}
			// "a few" followed by a number is not vague: "a few 100" is odd; leave it.
		}
		return count{low: q.r.low, best: q.r.best, high: q.r.high, vague: name, end: end}, true
	}
	return count{}, false
}

var enUnits = map[string]int{"zero": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
	"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
	"fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}

var enTens = map[string]int{"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
	"seventy": 70, "eighty": 80, "ninety": 90}

var faNumbers = map[string]int{"صفر": 0, "هیچ": 0, "یک": 1, "یه": 1, "دو": 2, "سه": 3, "چهار": 4, "پنج": 5,
	"شش": 6, "شیش": 6, "هفت": 7, "هشت": 8, "نه": 9, "ده": 10, "یازده": 11, "دوازده": 12, "سیزده": 13,
	"چهارده": 14, "پانزده": 15, "پونزده": 15, "شانزده": 16, "هفده": 17, "هیفده": 17, "هجده": 18,
	"هیجده": 18, "هژده": 18, "نوزده": 19, "بیست": 20, "سی": 30, "چهل": 40, "پنجاه": 50, "شصت": 60,
	"هفتاد": 70, "هشتاد": 80, "نود": 90, "یکصد": 100, "دویست": 200, "سیصد": 300, "چهارصد": 400,
	"پانصد": 500, "ششصد": 600, "هفتصد": 700, "هشتصد": 800, "نهصد": 900, "صد": 100, "هزار": 1000}

// parseNumberWords reads "seventeen", "twenty-five", "one hundred and
// twelve", "a dozen", "two dozen", "بیست و نه", "یک هزار و دویست".
func parseNumberWords(ts []token, i int) (n, end int, approx, ok bool) {
	total, cur := 0, 0
	seen := false
	j := i
	for j < len(ts) {
		w := ts[j].text
		switch {
		case enUnits[w] > 0 || w == "zero" || w == "none":
			if seen && cur%10 != 0 && cur%100 < 20 && cur != 0 {
				return finish(total, cur, j, approx, seen)
			}
			cur += enUnits[w]
		case enTens[w] > 0:
			if cur%100 != 0 {
				return finish(total, cur, j, approx, seen)
			}
			cur += enTens[w]
		case w == "a" && !seen && j+1 < len(ts) && (ts[j+1].text == "hundred" || ts[j+1].text == "thousand" || ts[j+1].text == "dozen"):
			cur = 1
			seen = true
			j++
			continue
		case w == "hundred" && seen:
			cur = max(cur, 1) * 100
		case w == "thousand" && seen:
			total += max(cur, 1) * 1000
			cur = 0
		case w == "dozen" && seen:
			cur = max(cur, 1) * 12
			approx = true
		case (w == "-" || w == "and") && seen && j+1 < len(ts) && isNumberWord(ts[j+1].text):
			j++
			continue
		case w == "هزار" && seen:
			total += max(cur, 1) * 1000
			cur = 0
		case w == "صد" && seen:
			cur = max(cur, 1) * 100
		case faNumbers[w] > 0 || w == "صفر" || w == "هیچ":
			if seen && cur != 0 && !(j > i && ts[j-1].text == "و") {
				return finish(total, cur, j, approx, seen)
			}
			cur += faNumbers[w]
		case w == "و" && seen && j+1 < len(ts) && isNumberWord(ts[j+1].text):
			j++
			continue
		default:
			return finish(total, cur, j, approx, seen)
		}
		if total+cur > maxCount {
			return 0, 0, false, false
		}
		seen = true
		j++
	}
	return finish(total, cur, j, approx, seen)
}

func finish(total, cur, j int, approx, seen bool) (int, int, bool, bool) {
	return total + cur, j, approx, seen
}

func isNumberWord(w string) bool {
	_, u := enUnits[w]
	_, t := enTens[w]
	_, f := faNumbers[w]
	return u || t || f || w == "hundred" || w == "thousand" || w == "dozen" || w == "هزار" || w == "صد"
}

// String formats a figure for logs and tests: range, source, note.
func (f Figure) String() string {
	var b strings.Builder
	b.WriteString(f.Range.String())
	if f.Earlier {
		b.WriteString(" earlier")
	}
	if f.Attackers > 0 && !strings.Contains(f.Note, strconv.Itoa(f.Attackers)) {
		b.WriteString(" incl. " + strconv.Itoa(f.Attackers) + " attackers")
	}
	if f.Source != "" {
		b.WriteString(" [" + f.Source + "]")
	}
	if f.Note != "" {
		b.WriteString(" (" + f.Note + ")")
	}
	return b.String()
}
