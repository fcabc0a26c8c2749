package extract

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/model"
)

type figureHit struct {
	c      Count
	stated int
	span   Span
	at     int    // offset of the figure in the normalised text
	end    int    // its end there
	site   string // the one site of a coordinated attack its sentence names, or ""
	// added marks a figure that adds to the toll given before it
	// ("another 7 died in hospital", "۷ نفر از مجروحان … جان باختند").
	added bool
	sent  int // index of its sentence
}

// readCasualties reads every figure tied to a killed, wounded or combined
// keyword and keeps, per kind, the largest: follow-up reports revise
// tolls upward, and the labels code the text's latest, highest figure.
func (d *doc) readCasualties(inc *Incident) {
	var killed, wounded, combined []figureHit
	mentionedK, mentionedW := false, false
	var noneK, noneW *hit // "no casualties": 0 unless a figure is given
	for si, s := range d.sents {
		if !d.about(si) {
			continue
		}
		if _, agg := d.first(s.start, s.end, aggregateCues); agg {
			continue
		}
		if _, series := d.first(s.start, s.end, seriesCues); series && si != d.anchor {
			continue
		}
		if d.otherPlace(s, inc) {
			continue
		}
		for _, h := range d.findAll(s.start, s.end, noCasualtyCues) {
			if h.val != "wounded" && noneK == nil {
				noneK = &h
			}
			if h.val != "killed" && noneW == nil {
				noneW = &h
			}
		}
		if _, ok := d.first(s.start, s.end, deathWords); ok {
			mentionedK = true
		}
		if kf, wf, ok := d.respectiveFigures(s); ok {
			// "killed and wounded 17 and 43 respectively": one verb, two figures
			mentionedK, mentionedW = true, true
			kf.site, kf.sent = d.siteAt(s, inc, kf.at), si
			wf.site, wf.sent = d.siteAt(s, inc, wf.at), si
			killed, wounded = append(killed, kf), append(wounded, wf)
			continue
		}
		comb := d.findAll(s.start, s.end, combinedWords)
		for _, h := range comb {
			if f, ok := d.figureNear(s, h); ok {
				combined = append(combined, f)
			}
		}
		inComb := func(h hit) bool {
			for _, c := range comb {
				if h.from >= c.from && h.from < c.to {
					return true
				}
			}
			return false
		}
		for _, h := range d.findAll(s.start, s.end, killedWords) {
			if inComb(h) {
				mentionedK = true
				continue
			}
			was := mentionedK
			mentionedK = true
			if f, ok := d.figureNear(s, h); ok {
				if d.attackersThemselves(s, f) {
					mentionedK = was // the attackers' deaths say nothing of the victims'
					continue
				}
				f.site, f.sent = d.siteAt(s, inc, f.at), si
				f.added = d.addsToToll(s, f)
				killed = append(killed, f)
			}
		}
		for _, h := range d.findAll(s.start, s.end, woundedWords) {
			if inComb(h) {
				mentionedW = true
				continue
			}
			mentionedW = true
			if f, ok := d.figureNear(s, h); ok {
				if d.woundedWhoDied(s, h, f) {
					// "7 of the wounded died": they count among the dead
					f.site, f.sent, f.added = d.siteAt(s, inc, f.at), si, true
					killed = append(killed, f)
					continue
				}
				f.site, f.sent = d.siteAt(s, inc, f.at), si
				wounded = append(wounded, f)
			}
		}
	}
	set := func(field string, fs []figureHit, mentioned bool) *Count {
		if len(fs) == 0 {
			if mentioned {
				return &Count{Qualifier: "none"}
			}
			return nil
		}
		fs = d.withAdditions(inc, field, fs)
		best, ok := bestFigure(fs, func(f figureHit) bool { return f.site == "" })
		if sum, parts, sok := d.siteTotal(fs); sok && (!ok || sum.stated > best.stated) {
			// a coordinated attack told site by site: the total is the sum of
			// each site's figure, unless the text states a larger total
			inc.note(fmt.Sprintf("%s = sum of the per-site figures (%s)", field, parts))
			d.addSiteFigures(inc, field, fs)
			return &sum.c
		}
		if !ok {
			best, _ = bestFigure(fs, func(figureHit) bool { return true })
		}
		inc.Spans[field] = best.span
		return &best.c
	}
	killed, wounded, combined = dedupe(killed), dedupe(wounded), dedupe(combined)
	for _, f := range killed {
		inc.KilledAllValues = append(inc.KilledAllValues, f.span.Text)
	}
	inc.Killed = set("killed", killed, mentionedK)
	inc.Wounded = set("wounded", wounded, mentionedW)
	zero := func(c **Count, field string, h *hit) {
		if h != nil && (*c == nil || (*c).Qualifier == "none") {
			*c = &Count{Low: ptr(0), High: ptr(0), Qualifier: "exact"}
			inc.Spans[field] = d.span(h.from, h.to)
		}
	}
	zero(&inc.Killed, "killed", noneK)
	zero(&inc.Wounded, "wounded", noneW)
	if len(combined) > 0 {
		inc.Combined = set("combined", combined, true)
	}
	// "X was assassinated": the labels code one named person killed as exact 1.
	if inc.AttackType == "assassination" && (inc.Killed == nil || inc.Killed.Qualifier == "none") {
		a := d.sents[d.anchor]
		if h, ok := d.firstOwn(a.start, a.end, assassinatedOne); ok && !(d.n[h.from:h.to] == Normalize("ترور شد") && exactWordAfter(d.n, h.to, "ند")) && !d.attemptNear(a, h) {
			inc.Killed = &Count{Low: ptr(1), High: ptr(1), Qualifier: "exact"}
			inc.Spans["killed"] = d.span(h.from, h.to)
			inc.note("one person assassinated: killed 1")
		}
	}
	d.namedKilled(inc)
}

// addSiteFigures records each site's best figure of one kind on the
// incident, so that the parts of a summed total stay visible.
func (d *doc) addSiteFigures(inc *Incident, field string, fs []figureHit) {
	for _, f := range fs {
		if f.site == "" {
			continue
		}
		i := slices.IndexFunc(inc.SiteFigures, func(s SiteFigure) bool { return s.Site == f.site })
		if i < 0 {
			inc.SiteFigures = append(inc.SiteFigures, SiteFigure{Site: f.site, Spans: map[string]Span{}})
			i = len(inc.SiteFigures) - 1
		}
		sf := &inc.SiteFigures[i]
		cur := sf.Killed
		if field == "wounded" {
			cur = sf.Wounded
		}
		if cur != nil && stated(*cur) >= f.stated {
			continue
		}
		c := f.c
		if field == "wounded" {
			sf.Wounded = &c
		} else {
			sf.Killed = &c
		}
		sf.Spans[field] = f.span
		for _, st := range d.sents {
			if f.at >= st.start && f.at < st.end {
				sf.Spans["sentence"] = d.span(st.start, st.end)
			}
		}
	}
}

// stated is the figure a count was read as: its low, else its high.
func stated(c Count) int {
	switch {
	case c.Low != nil:
		return *c.Low
	case c.High != nil:
		return *c.High
	}
	return 0
}

// addsToToll reports whether a killed figure adds to a toll given before
// it: "another 7", "a further 7", "۷ نفر دیگر".
func (d *doc) addsToToll(s sent, f figureHit) bool {
	before := strings.TrimRight(d.n[max(s.start, f.at-12):f.at], " ")
	if strings.HasSuffix(before, "another") || strings.HasSuffix(before, "further") {
		return true
	}
	after := d.n[f.end:max(f.end, min(s.end, f.end+24))]
	return strings.HasPrefix(after, " نفر دیگر") || strings.HasPrefix(after, " تن دیگر") || strings.HasPrefix(after, " دیگر")
}

// woundedWhoDied reports whether a wounded word counts the wounded who
// then died: "7 of the wounded died", "۷ نفر از مجروحان … جان باختند".
func (d *doc) woundedWhoDied(s sent, h hit, f figureHit) bool {
	if f.at > h.from || f.end > h.from {
		return false
	}
	between := strings.TrimRight(d.n[f.end:h.from], " ")
	if !strings.HasSuffix(between, "of the") && !strings.HasSuffix(between, "از") {
		return false
	}
	_, died := d.first(h.to, min(s.end, h.to+60), killedWords)
	return died
}

// withAdditions folds the figures that add to a toll into it: the
// largest figure given before them plus each addition, when the toll is
// exact or a lower bound and the additions come after it, in a sentence
// without a toll ("killing 18; another 7 died" = 25; but in
// "the toll rose to 25 after 7 of the wounded died" the 25 has them).
// An addition with nothing to add to is left out.
func (d *doc) withAdditions(inc *Incident, field string, fs []figureHit) []figureHit {
	var base []figureHit
	var adds []figureHit
	for _, f := range fs {
		if f.added {
			adds = append(adds, f)
		} else {
			base = append(base, f)
		}
	}
	if len(adds) == 0 {
		return fs
	}
	b, ok := bestFigure(base, func(f figureHit) bool { return f.site == "" })
	if !ok || b.c.Low == nil || b.c.Qualifier != "exact" && b.c.Qualifier != "at_least" {
		return base
	}
	sum := b
	var parts []string
	for _, a := range adds {
		_, toll := d.first(d.sents[a.sent].start, d.sents[a.sent].end, tollWords)
		if a.at <= b.at || toll || a.c.Low == nil || a.c.Qualifier != "exact" {
			continue
		}
		sum.stated += *a.c.Low
		parts = append(parts, a.span.Text)
	}
	if len(parts) == 0 {
		return base
	}
	if sum.c.Qualifier == "exact" {
		sum.c = Count{Low: ptr(sum.stated), High: ptr(sum.stated), Qualifier: "exact"}
	} else {
		sum.c = Count{Low: ptr(sum.stated), Qualifier: "at_least"}
	}
	inc.note(fmt.Sprintf("%s = %s + %s (added later in the text)", field, b.span.Text, strings.Join(parts, " + ")))
	return append(base, sum)
}

// tollWords name a running total.
var tollWords = terms("toll", false, "toll", "number of", "rose to", "risen to", "climbed to", "شمار", "تعداد", "آمار", "افزایش یافت", "رسید")

// bestFigure is the largest figure among those keep accepts, an exact
// one before a vague one of the same size: follow-up reports revise tolls
// upward.
func bestFigure(fs []figureHit, keep func(figureHit) bool) (figureHit, bool) {
	var best figureHit
	found := false
	for _, f := range fs {
		if !keep(f) {
			continue
		}
		if !found || f.stated > best.stated || f.stated == best.stated && f.c.Qualifier == "exact" && best.c.Qualifier != "exact" {
			best, found = f, true
		}
	}
	return best, found
}

// siteTotal sums the best figure of each site when at least two sites
// of a coordinated attack have one. The sum is exact when every part is,
// at least when a part is open above ("over 30" + "two" = at least 32),
// about when a part is approximate; parts of other kinds (ranges, up to,
// vague words) give no sum.
func (d *doc) siteTotal(fs []figureHit) (figureHit, string, bool) {
	var sites []string
	best := map[string]figureHit{}
	for _, f := range fs {
		if f.site == "" {
			continue
		}
		b, seen := best[f.site]
		if !seen {
			sites = append(sites, f.site)
		}
		if !seen || f.stated > b.stated {
			best[f.site] = f
		}
	}
	if len(sites) < 2 {
		return figureHit{}, "", false
	}
	sum, q := 0, "exact"
	var parts []string
	for _, site := range sites {
		c := best[site].c
		switch {
		case c.Qualifier == "exact" && c.Low != nil:
		case c.Qualifier == "at_least" && c.Low != nil:
			q = "at_least"
		case c.Qualifier == "about" && c.Low != nil && c.High != nil && *c.Low == *c.High:
			if q == "exact" {
				q = "about"
			}
		default:
			return figureHit{}, "", false
		}
		sum += *c.Low
		parts = append(parts, fmt.Sprintf("%s %q", site, best[site].span.Text))
	}
	out := figureHit{stated: sum, site: "", span: best[sites[0]].span}
	switch q {
	case "at_least":
		out.c = Count{Low: ptr(sum), Qualifier: q}
	default:
		out.c = Count{Low: ptr(sum), High: ptr(sum), Qualifier: q}
	}
	return out, strings.Join(parts, " + "), true
}

var assassinatedOne = terms("assassinated", false, "was assassinated", "was shot dead", "assassinated", "assassination of",
	"ترور شد", "ترور کرد", "را ترور", "به شهادت رسید")

// attemptWords make an assassination a failed one: no one killed.
var attemptWords = terms("attempt", false, "attempt", "tried to", "try to", "plot", "foiled", "survived", "سوء قصد", "سوءقصد", "تلاش", "ناکام", "خنثی")

// attemptNear reports whether an assassination word stands in a clause
// about an attempt ("an assassination attempt", "tried to assassinate").
func (d *doc) attemptNear(s sent, h hit) bool {
	_, ok := d.first(max(s.start, h.from-30), min(s.end, h.to+30), attemptWords)
	return ok
}

// exactWordAfter reports whether the word continues with suffix right
// after offset at ("ترور شد" + "ند" is the plural "ترور شدند").
func exactWordAfter(n string, at int, suffix string) bool {
	return strings.HasPrefix(n[at:], suffix)
}

// figureNear finds the figure that a casualty keyword counts: before it
// in the sentence ("25 people, including children, were killed", "۲
// لبنانی کشته شدند"), or after a verb form or a toll ("killing 18", "the
// death toll has reached 25", "کشته شدن دو نفر"). A figure before the
// keyword may not be separated from it by another casualty word (in "17
// dead and 56 injured", 56 is not the dead) or by words for the attackers.
func (d *doc) figureNear(s sent, h hit) (figureHit, bool) {
	if d.lang == "fa" && faNounOfDying(d.n, h) {
		return d.figureAfterFa(s, h)
	}
	if d.lang == "en" && strings.HasSuffix(d.n[h.from:h.to], "ing") {
		// "killing two people and wounding seven": the count follows the verb
		return d.figureAfter(s, h, 80)
	}
	lo := max(s.start, h.from-160)
	afterOther := false
	for _, o := range d.findAll(lo, h.from, casualtyAny) {
		if o.to <= h.from {
			lo, afterOther = max(lo, o.to), true
		}
	}
	if i := strings.LastIndexAny(d.n[lo:h.from], ";:()"); i >= 0 {
		lo += i + 1
	}
	elliptic := false
	if afterOther {
		cut := cutAtConjunction(d.n, lo, h.from)
		// "three of the attackers were killed and two were injured": a
		// figure without a noun of its own counts the previous clause's
		// subject, here the attackers
		if cut > lo && d.lang == "en" {
			_, attBefore := d.first(max(s.start, lo-120), cut, attackerTerms)
			rest := strings.Fields(d.n[cut:h.from])
			elliptic = attBefore && len(rest) >= 2 && numberish(rest[0]) && (rest[1] == "were" || rest[1] == "was" || rest[1] == "have" || rest[1] == "had")
		}
		lo = cut
	}
	if f, ok := d.figureIn(lo, d.n[lo:h.from], true); ok && !elliptic {
		a, att := d.first(f.at, h.from, attackerTerms)
		switch {
		case !att:
			return f, true
		case subsetBefore(d.n[f.at:a.from]) || subsetBefore(strings.TrimSuffix(strings.TrimRight(d.n[f.at:a.from], " "), d.numberBefore(f.at, a.from))):
			// "nine people, including two attackers, were killed": the
			// text counts them together, and so do the labels
			return f, true
		default:
			// "five civilians and three attackers were killed": the
			// victims' figure comes before the attackers'
			if f2, ok := d.figureIn(lo, d.n[lo:f.at], true); ok {
				if _, att2 := d.first(f2.at, f.at, attackerTerms); !att2 {
					return f2, true
				}
			}
		}
	}
	if d.lang == "en" && !strings.Contains(d.n[h.from:h.to], "toll") {
		// active voice: "killed 95 people", "wounded 284"
		if f, ok := d.figureAfter(s, h, 30); ok {
			return f, true
		}
	}
	kw := d.n[h.from:h.to]
	if !strings.Contains(kw, "toll") && !strings.Contains(kw, "number") && d.lang != "fa" {
		return figureHit{}, false
	}
	return d.figureAfter(s, h, 140)
}

// figureAfter reads the first figure in the clause after a keyword.
func (d *doc) figureAfter(s sent, h hit, reach int) (figureHit, bool) {
	hi := min(s.end, h.to+reach)
	if i := clauseEnd(d.n[h.to:hi]); i >= 0 {
		hi = h.to + i
	}
	for _, o := range d.findAll(h.to, hi, casualtyAny) {
		if o.from > h.to {
			hi = min(hi, o.from)
		}
	}
	if f, ok := d.figureIn(h.to, d.n[h.to:hi], false); ok {
		if _, att := d.first(h.to, f.at, attackerTerms); !att {
			if g, ok := d.revisedTo(f, hi); ok {
				return g, true
			}
			return f, true
		}
	}
	return figureHit{}, false
}

// revisedTo reads a toll's revision: in "the death toll rose from 18 to
// 25" or "شمار شهدا از ۱۸ به ۲۵ نفر رسید" the toll is the second figure,
// not a range from the first.
func (d *doc) revisedTo(f figureHit, hi int) (figureHit, bool) {
	before := strings.TrimRight(d.n[max(0, f.at-8):f.at], " ")
	if !strings.HasSuffix(before, "from") && !strings.HasSuffix(before, "از") {
		return figureHit{}, false
	}
	if f.c.Qualifier == "range" && f.c.High != nil {
		// ParseFigure read "18 to 25" as a range
		f.c, f.stated = Count{Low: ptr(*f.c.High), High: ptr(*f.c.High), Qualifier: "exact"}, *f.c.High
		return f, true
	}
	rest := d.n[min(hi, f.end):hi]
	for _, to := range []string{" to ", " به "} {
		if i := strings.Index(rest, to); i >= 0 && i <= 12 {
			from := f.end + i + len(to)
			if g, ok := d.figureIn(from, d.n[from:hi], false); ok {
				return g, true
			}
		}
	}
	return figureHit{}, false
}

var casualtyAny = concat(killedWords, woundedWords)

// selfDetonation says an attacker killed himself.
var selfDetonation = terms("self", false, "blew himself up", "blew herself up", "exploded himself", "detonated himself",
	"blew themselves up", "detonated his", "خود را منفجر", "خودش را منفجر", "خود را منفجر کردند")

// attackersThemselves reports whether a killed figure counts the attackers
// of a sentence that tells how they died: "one of them exploded himself
// and the other one was killed in clashes", "یکی از آنها خود را منفجر کرد
// و دیگری کشته شد". Such a figure has no noun of people of its own ("one
// of them", "the other one"); "blew himself up, killing 12 people" keeps
// the victims' 12.
func (d *doc) attackersThemselves(s sent, f figureHit) bool {
	after := strings.Fields(d.n[f.end:min(s.end, f.end+20)])
	ofThem := len(after) > 1 && (after[0] == "of" && after[1] == "them" || after[0] == "از" && (after[1] == "آنها" || after[1] == "آنان"))
	if _, ok := d.first(s.start, s.end, selfDetonation); !ok {
		// "one of them was killed in a suicide blast": the bomber himself
		_, suicide := d.first(s.start, s.end, suicideCues)
		return suicide && ofThem
	}
	before := strings.TrimRight(d.n[max(s.start, f.at-12):f.at], " ")
	return ofThem || len(after) > 0 && (after[0] == "was" || after[0] == "از") ||
		strings.HasSuffix(before, "the other") || strings.HasSuffix(before, "another")
}

// timeUnits after a number make it a duration.
var timeUnits = setOf("second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month",
	"months", "year", "years", "ثانیه", "دقیقه", "ساعت", "روز", "هفته", "ماه", "سال")

// clauseEnd is the offset of the first punctuation that ends a clause in
// s, or -1: a comma or point between digits is part of a number ("1,200").
func clauseEnd(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '.':
			if i > 0 && i+1 < len(s) && isDigit(s[i-1]) && isDigit(s[i+1]) {
				continue
			}
			return i
		case ';', ':', '(', ')', '"':
			return i
		}
	}
	return -1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// otherPlace reports whether a sentence is about somewhere else: it
// names places and none is the main incident's city (or, without a city,
// in its country). Its figures belong to another incident.
func (d *doc) otherPlace(s sent, inc *Incident) bool {
	if inc.Country == nil {
		return false
	}
	named := false
	for from := s.start; from < s.end; {
		p, _, at, ok := d.findPlace(from, s.end, false, "")
		if !ok {
			break
		}
		named = true
		if inc.City != nil && p.Name == *inc.City || inc.City == nil && p.Country == *inc.Country ||
			inc.Admin1 != nil && p.Kind == gazetteer.Admin1 && p.Name == *inc.Admin1 {
			return false
		}
		from = at + 1
		for from < s.end && isWordByte(d.n[from]) {
			from++
		}
	}
	return named
}

// cutAtConjunction moves lo past the last "and"/"و" before the keyword
// at to, when another casualty word came before: in "killed 84 people
// and wounded 284" the 84 is not the wounded. An "و" inside a number
// ("بیست و نه") does not cut.
func cutAtConjunction(n string, lo, to int) int {
	seg := n[lo:to]
	for _, c := range []string{" and ", " و "} {
		for i := strings.LastIndex(seg, c); i >= 0; i = strings.LastIndex(seg[:i], c) {
			prev := seg[:i]
			if j := strings.LastIndexByte(prev, ' '); j >= 0 {
				prev = prev[j+1:]
			}
			if inNumberPhrase(c, prev, seg[i+len(c):]) {
				continue
			}
			return lo + i + len(c)
		}
	}
	return lo
}

// inNumberPhrase reports whether a conjunction joins the words of one
// number: "one hundred and five", "بیست و نه" (twenty-nine). In "killed
// nine and wounded sixty" it does not: English writes "and" inside a
// number only after hundred or thousand, Persian "و" between number words.
func inNumberPhrase(conj, prev, rest string) bool {
	if conj == " and " {
		switch prev {
		case "hundred", "thousand", "million":
			return true
		}
		return false
	}
	next, _, _ := strings.Cut(rest, " ")
	return prev != "" && numberish(prev) && !isDigit(prev[0]) && next != "" && numberish(next) && !isDigit(next[0])
}

// faNounOfDying: "شهادت" not in "به شهادت رسیدند", or a word followed
// by the verbal noun "شدن" (not the verb "شدند").
func faNounOfDying(n string, h hit) bool {
	if n[h.from:h.to] == "شهادت" {
		return !strings.HasSuffix(strings.TrimRight(n[:h.from], " "), "به")
	}
	rest := n[h.to:]
	if !strings.HasPrefix(rest, " شدن") {
		return false
	}
	rest = rest[len(" شدن"):]
	r, _ := utf8.DecodeRuneInString(rest)
	return !unicode.IsLetter(r)
}

// figureAfterFa reads the count after a Persian noun of dying or being
// hurt: "شهادت دو نفر", "کشته شدن دو نفر و زخمی شدن چند تن".
func (d *doc) figureAfterFa(s sent, h hit) (figureHit, bool) {
	hi := min(s.end, h.to+80)
	if i := clauseEnd(d.n[h.to:hi]); i >= 0 {
		hi = h.to + i
	}
	for _, o := range d.findAll(h.to, hi, casualtyAny) {
		if o.from > h.to+8 {
			hi = min(hi, o.from)
		}
	}
	return d.figureIn(h.to, d.n[h.to:hi], false)
}

// figureIn finds a figure in a clause: the last one (fromEnd) or the
// first. It aims at a number or number word and lets ParseFigure, which
// knows qualifiers and number words, read the words around it; the
// figure read must cover the word aimed at.
func (d *doc) figureIn(base int, clause string, fromEnd bool) (figureHit, bool) {
	words := wordSpans(clause, 0, len(clause))
	var idx []int
	for i, w := range words {
		t := clause[w[0]:w[1]]
		if !numberish(t) || d.inDate(base+w[0]) {
			continue
		}
		if i+1 < len(words) && timeUnits[clause[words[i+1][0]:words[i+1][1]]] {
			continue // "three days after the attack", "۳ روز پس از": a duration, not a count
		}
		// "یک" is also the indefinite article ("به یک مسجد"): a count only before نفر/تن
		if t == "یک" && (i+1 >= len(words) || !counterFa[clause[words[i+1][0]:words[i+1][1]]]) {
			continue
		}
		idx = append(idx, i)
	}
	if len(idx) == 0 {
		return figureHit{}, false
	}
	k := 0
	if fromEnd {
		phraseStart := func(k int) int {
			// a number phrase spans words ("twenty nine", "بیست و نه"): aim at its first word
			for k > 0 && idx[k-1] >= idx[k]-2 && !isDigitWord(clause, words[idx[k]]) && !isDigitWord(clause, words[idx[k-1]]) {
				k--
			}
			return k
		}
		k = phraseStart(len(idx) - 1)
		// "12 people, including 4 children, were killed": the part is not the whole
		for k > 0 && subsetBefore(clause[:words[idx[k]][0]]) {
			k = phraseStart(k - 1)
		}
	}
	pick := idx[k]
	aim := words[pick][0]
	for st := max(pick-4, 0); st <= pick; st++ {
		end := len(clause)
		if !fromEnd {
			end = words[min(len(words)-1, pick+6)][1]
		}
		frag := clause[words[st][0]:end]
		figs, err := ParseFigure(frag)
		if err != nil || len(figs) == 0 {
			continue
		}
		f := figs[0]
		fs := words[st][0] + f.Start
		if f.Text == "" || fs > aim || fs+(f.End-f.Start) <= aim || looksLikeYear(f) {
			continue
		}
		abs := base + fs
		return figureHit{c: countOf(f), stated: f.Stated, span: d.span(abs, abs+(f.End-f.Start)), at: abs, end: abs + (f.End - f.Start)}, true
	}
	return figureHit{}, false
}

// numberBefore is the number word or digits that end n[from:to], if any
// ("including two" → "two").
func (d *doc) numberBefore(from, to int) string {
	t := strings.TrimRight(d.n[from:to], " ")
	i := strings.LastIndexByte(t, ' ')
	if w := t[i+1:]; w != "" && numberish(w) {
		return w
	}
	return ""
}

// subsetCues introduce a part of a figure already given.
var subsetCues = []string{"including", "among them", "among whom", "of whom", "of them", "از جمله", "شامل", "که از این تعداد", "از این تعداد"}

// subsetBefore reports whether the text before a figure ends with a
// subset cue ("including 4", "از جمله ۴"), allowing a qualifier between.
func subsetBefore(before string) bool {
	t := strings.TrimRight(before, " ")
	for _, q := range []string{"at least", "about", "دست کم", "حداقل", "حدود"} {
		t = strings.TrimRight(strings.TrimSuffix(t, q), " ")
	}
	for _, c := range subsetCues {
		if strings.HasSuffix(t, c) {
			return true
		}
	}
	return false
}

func isDigitWord(s string, w [2]int) bool { return s[w[0]] >= '0' && s[w[0]] <= '9' }

// inDate reports whether the digits at offset at belong to a date
// expression ("the attack of 1402-10-13 … killed 95"): such numbers are no
// casualty figures. Only the text around the number is searched.
func (d *doc) inDate(at int) bool {
	if at >= len(d.n) || d.n[at] < '0' || d.n[at] > '9' {
		return false
	}
	lo, hi := max(0, at-40), min(len(d.n), at+40)
	for lo > 0 && !utf8.RuneStart(d.n[lo]) {
		lo--
	}
	for hi < len(d.n) && !utf8.RuneStart(d.n[hi]) {
		hi++
	}
	for _, m := range dateRE.FindAllStringSubmatchIndex(d.n[lo:hi], -1) {
		if at >= lo+m[2] && at < lo+m[3] {
			return true
		}
	}
	return false
}

var counterFa = map[string]bool{"نفر": true, "تن": true}

// numberish: digits, a number word, "twenty-nine", or a vague word.
func numberish(t string) bool {
	if t[0] >= '0' && t[0] <= '9' {
		return true
	}
	if isNumberWord(t) || vagueWord(t) {
		return true
	}
	a, b, ok := strings.Cut(t, "-")
	return ok && isNumberWord(a) && isNumberWord(b)
}

func looksLikeYear(f Figure) bool {
	return f.Range.Best >= 1300 && f.Range.Best <= 2100 && f.Vague == "" && f.Range.Low == f.Range.High
}

func vagueWord(t string) bool {
	switch t {
	case "dozens", "scores", "hundreds", "several", "tens", "thousands", "دهها", "صدها", "چند", "چندین", "هزاران":
		return true
	}
	return false
}

// countOf turns a parsed figure into the labels' shape.
func countOf(f Figure) Count {
	r := f.Range
	switch {
	case f.Vague != "":
		return Count{Qualifier: "none"}
	case r.Qualifier == model.AtLeast:
		return Count{Low: ptr(f.Stated), Qualifier: "at_least"}
	case r.Qualifier == model.UpTo:
		return Count{High: ptr(f.Stated), Qualifier: "up_to"}
	case r.Low != r.High:
		return Count{Low: ptr(r.Low), High: ptr(r.High), Qualifier: "range"}
	case r.Qualifier == model.About:
		return Count{Low: ptr(r.Low), High: ptr(r.High), Qualifier: "about"}
	}
	return Count{Low: ptr(r.Low), High: ptr(r.High), Qualifier: "exact"}
}

// dedupe drops figures read twice through two keywords ("the number of
// people martyred" and "martyred").
func dedupe(fs []figureHit) []figureHit {
	out := fs[:0]
	seen := map[int]bool{}
	for _, f := range fs {
		if !seen[f.span.Start] {
			seen[f.span.Start] = true
			out = append(out, f)
		}
	}
	return out
}
