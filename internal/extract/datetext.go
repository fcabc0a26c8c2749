package extract

import (
	_ "embed"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/model"
)

var (
	monthAlt = func() string {
		var names []string
		for k := range gregorianMonths {
			names = append(names, regexp.QuoteMeta(k))
		}
		for k := range hijriMonthNames {
			names = append(names, regexp.QuoteMeta(k))
		}
		sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
		return strings.Join(names, "|")
	}()
	// Full and partial dates; ParseDateWith does the reading.
	dateRE = regexp.MustCompile(`(?:^|[^\p{L}\p{N}])((?:` +
		`(?:1[2-4]\d\d|19\d\d|20\d\d)[-/.]\d{1,2}(?:[-/.]\d{1,2})?` + // 1402-10-13, 2024/01/03
		`|\d{1,2}[-/.]\d{1,2}[-/.](?:1[34]\d\d)` + // 13/10/1402: day first, Solar Hijri
		`|\d{1,2}[/.]\d{1,2}[/.](?:19\d\d|20\d\d)` + // 05/20/2012, 20.05.2012: read when a part above 12 tells day from month
		`|\d{1,2}(?:st|nd|rd|th)?\s+(?:` + monthAlt + `)(?:\s*ماه)?,?(?:\s+(?:سال\s+)?(?:1[2-4]\d\d|19\d\d|20\d\d))?` + // 13 دی 1402, 13 دیماه, 3 January 2024, 22 September
		`|(?:` + monthAlt + `)\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+(?:1[2-4]\d\d|19\d\d|20\d\d))?` + // June 7, 2017 / June 7 / Esfand 16, 1401
		`|(?:` + monthAlt + `)(?:\s*ماه)?(?:\s+(?:سال\s+)?(?:1[2-4]\d\d|19\d\d|20\d\d))` + // August 2016, دی ماه 1402
		`))(?:$|[^\p{L}\p{N}])`)
	bareYearRE = regexp.MustCompile(`(?:\bin|\bduring|سال)\s+(1[34]\d\d|19\d\d|20\d\d)(?:$|[^\p{L}\p{N}])`)
	weekdayRE  = regexp.MustCompile(`(?:^|[^\p{L}\p{N}])((?:late |early )?(?:on )?(sunday|monday|tuesday|wednesday|thursday|friday|saturday)(?:'s)?(?: morning| night| evening| afternoon)?|(?:روز |صبح |بامداد |عصر |شب )?(یکشنبه|دوشنبه|سه ?شنبه|چهارشنبه|پنج ?شنبه|جمعه|شنبه)(?: گذشته| شب| صبح)?)`)
	relativeRE = regexp.MustCompile(`(?:^|[^\p{L}\p{N}])(earlier today|earlier in the day|this morning|today|tonight|yesterday|last night|two days ago|three days ago|صبح امروز|بامداد امروز|امروز|امشب|دیروز|دیشب|شب گذشته|روز گذشته|پریروز|دو روز پیش|سه روز پیش)`)
)

type dateCand struct {
	from, to int
	date     string
	prec     string
	fromText bool
	weekday  time.Weekday
	isWeek   bool
	month    int // Gregorian month of a year-less date
	day      int
	note     string
	end      model.Date // last day of a month or year period
}

// readDate takes the date nearest the anchor: a full date in the text;
// else a weekday, a relative day or a year-less date resolved against the
// publication date; else a known event the text identifies (its date
// then does not come from the text, as the labels mark it).
func (d *doc) readDate(inc *Incident, anchor int) {
	var cands []dateCand
	for _, si := range d.order(anchor) {
		s := d.sents[si]
		if !d.about(si) {
			continue
		}
		if si != anchor {
			if _, ok := d.first(s.start, s.end, attackNouns); !ok {
				continue
			}
		}
		cands = append(cands, d.datesIn(s.start, s.end)...)
		if len(cands) > 0 {
			break
		}
	}
	// "The United Nations on Monday condemned the attack … on Friday": a
	// date next to a reaction or statement verb dates the reaction.
	if len(cands) > 1 {
		var keep []dateCand
		for _, c := range cands {
			if !d.datesReaction(c) {
				keep = append(keep, c)
			}
		}
		if len(keep) > 0 {
			cands = keep
		}
	}
	// A day resolved against the publication date ("today", "on Monday")
	// dates the news. In a text that is no incident report the news is a
	// ceremony, a condemnation or a trial, not the attack: such a day dates
	// the attack only when it is tied to it ("were killed on Friday",
	// "Friday's bombing"). Nor does a lone day next to a reaction verb.
	// Otherwise an article recalling an older attack would date it today.
	var keep []dateCand
	for _, c := range cands {
		if c.fromText || c.date == "" || d.report && !d.datesReaction(c) || !d.report && d.tiedToEvent(c) {
			keep = append(keep, c)
		}
	}
	cands = keep
	var pick, rel *dateCand
	for i := range cands {
		c := &cands[i]
		if c.date != "" && c.fromText && (pick == nil || betterPrec(c.prec, pick.prec)) {
			pick = c
		}
		if c.date != "" && !c.fromText && rel == nil {
			rel = c
		}
	}
	asWritten := func(c *dateCand) {
		sp := d.span(c.from, c.to)
		inc.DateAsWritten = ptr(sp.Text)
		inc.Spans["date"] = sp
	}
	if pick != nil {
		inc.Date, inc.DatePrecision, inc.DateFromText = ptr(pick.date), pick.prec, true
		inc.dateEnd = pick.end
		asWritten(pick)
		if pick.note != "" {
			inc.note(pick.note)
		}
		return
	}
	// "three days after the attack in Tehran": a count of days from a known
	// event dates the news that the anchor sentence tells
	if day, from, to, k, ok := d.daysAfterEvent(); ok {
		inc.Date, inc.DatePrecision, inc.DateFromText = ptr(day), "day", false
		inc.Spans["date"] = d.span(from, to)
		inc.note("date counted from the known event: " + k.name)
		return
	}
	// A report of a new attack at a known event's place ("a suicide bomber
	// struck Kabul airport today") keeps its own day: only a day within
	// staleDays of the known event can be that event. Nor is a report
	// published long after the known event about it: its lead says the
	// news is violence, so it is a new attack whose day the text omits.
	pub := d.opt.Published
	known := d.knownEvent
	if d.state {
		// a state strike is dated by a strike of the table, never by the
		// attack it answers
		known = d.knownStrike
	}
	if k, ok := known(inc); ok && (rel == nil || !d.report || !newerThan(rel.date, k.date, staleDays)) &&
		(!d.report || pub.IsZero() || !newerThan(pub.String(), k.date, staleDays) || d.namesEvent(k)) {
		inc.Date, inc.DatePrecision, inc.DateFromText = ptr(k.date), "day", false
		inc.note("date from the known event: " + k.name)
		for i := range cands {
			if c := &cands[i]; c.isWeek && c.weekday == k.weekday() || c.month == k.month() && c.day == k.day() {
				asWritten(c)
				break
			}
		}
		return
	}
	if rel != nil {
		inc.Date, inc.DatePrecision, inc.DateFromText = ptr(rel.date), rel.prec, false
		asWritten(rel)
		inc.note("date resolved against the publication date " + d.opt.Published.String())
		return
	}
	if len(cands) > 0 {
		asWritten(&cands[0])
	}
}

// datesReaction reports whether a date candidate stands next to a
// reaction or statement verb ("said on Thursday", "on Monday condemned").
// A comma or colon between them parts the clauses: in "exploded … on
// Tuesday, police said" and "the governor said: last night …" the day is
// the attack's.
func (d *doc) datesReaction(c dateCand) bool {
	lo, hi := max(0, c.from-15), min(len(d.n), c.to+15)
	for _, h := range append(d.findAll(lo, hi, reactionCues), d.findAll(lo, hi, statementCues)...) {
		a, b := h.to, c.from
		if h.from >= c.to {
			a, b = c.to, h.from
		}
		if a >= b || !strings.ContainsAny(d.n[a:b], ",;:") {
			return true
		}
	}
	return false
}

// tiedToEvent reports whether a relative day belongs to the violence: an
// attack or casualty word just before it ("were killed on Friday", "the
// blast last night") or an attack word just after a possessive
// ("Friday's bombing"); in Persian, the attack or casualty word may also
// follow ("دیروز … کشته شدند" reads the day first).
func (d *doc) tiedToEvent(c dateCand) bool {
	// the clause before the day: back to a comma, at most 80 bytes
	lo := max(0, c.from-80)
	if i := strings.LastIndexAny(d.n[lo:c.from], ",;:"); i >= 0 {
		lo += i + 1
	}
	if h, ok := d.lastOf(lo, c.from, eventWords); ok && !d.hasReactionBetween(h.to, c.from) && d.noVerbBetween(h.to, c.from) {
		return true
	}
	hi := min(len(d.n), c.to+30)
	if d.lang == "fa" {
		hi = min(len(d.n), c.to+60)
	} else if !strings.HasSuffix(d.n[c.from:c.to], "'s") && !strings.HasPrefix(d.n[c.to:min(len(d.n), c.to+2)], "'s") {
		return false
	}
	h, ok := d.first(c.to, hi, eventWords)
	return ok && !d.hasReactionBetween(c.to, h.from)
}

// noVerbBetween reports whether n[a:b], between an attack word and a
// day, is free of another verb, which would make the day that verb's:
// "the bombing … gathered today", "the bombing … was marked today". In
// Persian, where the verb comes last, the day must follow the attack
// word at once ("حمله دیروز"): "حمله … زاهدان امروز … برگزار شد"
// dates the ceremony.
func (d *doc) noVerbBetween(a, b int) bool {
	words := strings.Fields(d.n[a:b])
	if d.lang == "fa" {
		return len(words) <= 1
	}
	for _, w := range words {
		w = strings.Trim(w, ",.;:()\"'")
		switch w {
		case "was", "were", "is", "are", "has", "have", "had", "will", "be", "been":
			return false
		}
		if len(w) > 4 && strings.HasSuffix(w, "ed") {
			return false
		}
	}
	return true
}

// eventWords are the attack and casualty words a date may be tied to.
var eventWords = concat(attackNouns, killedWords, woundedWords)

func (d *doc) hasReactionBetween(a, b int) bool {
	if a >= b {
		return false
	}
	_, r := d.first(a, b, reactionCues)
	_, o := d.first(a, b, occasionCues)
	return r || o
}

// lastOf is the last match of a lexicon in n[from:to].
func (d *doc) lastOf(from, to int, ts []term) (hit, bool) {
	hs := d.findAll(from, to, ts)
	if len(hs) == 0 {
		return hit{}, false
	}
	return hs[len(hs)-1], true
}

// newerThan reports whether day a (YYYY-MM-DD) is more than n days after b.
func newerThan(a, b string, n int) bool {
	da, errA := model.ParseDate(a)
	db, errB := model.ParseDate(b)
	return errA == nil && errB == nil && db.AddDays(n).Before(da)
}

func betterPrec(a, b string) bool {
	rank := map[string]int{"day": 3, "month": 2, "year": 1}
	return rank[a] > rank[b]
}

// datesIn finds date expressions in n[a:b] and resolves what it can.
func (d *doc) datesIn(a, b int) []dateCand {
	s := d.n[a:b]
	var out []dateCand
	pub := d.opt.Published
	// English text: the year rule of ParseDate (1200–1499 is Solar Hijri); Persian: Solar Hijri.
	cal := Calendar("")
	if d.lang == "fa" {
		cal = SolarHijri
	}
	hasDigit := strings.ContainsAny(s, "0123456789")
	var dm [][]int
	if hasDigit { // every date form has a number: skip the costly regexp without one
		dm = dateRE.FindAllStringSubmatchIndex(s, -1)
	}
	for _, m := range dm {
		m = m[2:4]
		txt := s[m[0]:m[1]]
		pd, err := ParseDateWith(txt, DateOptions{Calendar: cal, MonthFirst: d.monthFirst})
		c := dateCand{from: a + m[0], to: a + m[1], fromText: true}
		if err != nil {
			// a year-less day and month: "June 7", "22 September", "13 دی"
			mo, day, ok := monthDay(txt)
			if !ok {
				continue
			}
			c.month, c.day = mo, day
			if !pub.IsZero() {
				if dt, ok := resolveMonthDay(mo, day, pub, isHijriMonthText(txt, d.lang)); ok {
					c.date, c.prec, c.fromText = dt.String(), "day", false
				}
			}
			out = append(out, c)
			continue
		}
		if pd.Precision == model.PrecisionDay && !(pd.Calendar == SolarHijri && pd.Start != pd.End) {
			c.date, c.prec = pd.Start.String(), "day"
		} else if pd.Calendar == Gregorian && pd.Precision == model.PrecisionMonth {
			c.date, c.prec = pd.Start.String()[:7], "month"
		} else if pd.Calendar == Gregorian && pd.Precision == model.PrecisionYear {
			c.date, c.prec = pd.Start.String()[:4], "year"
		} else {
			// A Solar Hijri month or year straddles two Gregorian ones: give its start, at its precision.
			c.date, c.prec, c.end = pd.Start.String(), string(pd.Precision), pd.End
			c.note = fmt.Sprintf("Solar Hijri %s %d/%d: %s to %s", pd.Precision, pd.Year, pd.Month, pd.Start, pd.End)
		}
		out = append(out, c)
	}
	var ym [][]int
	if hasDigit {
		ym = bareYearRE.FindAllStringSubmatchIndex(s, -1)
	}
	for _, m := range ym {
		y, _ := strconv.Atoi(s[m[2]:m[3]])
		c := dateCand{from: a + m[2], to: a + m[3], fromText: true, prec: "year"}
		if y < 1500 {
			start, err := HijriToGregorian(y, 1, 1)
			if err != nil {
				continue
			}
			end, err := HijriToGregorian(y, 12, HijriMonthDays(y, 12))
			if err != nil {
				continue
			}
			c.date, c.end = start.String(), end
			c.note = fmt.Sprintf("Solar Hijri year %d: %s to %s", y, start, end)
		} else {
			c.date = strconv.Itoa(y)
		}
		out = append(out, c)
	}
	var wm [][]int
	if strings.Contains(s, "day") || strings.Contains(s, "شنبه") || strings.Contains(s, "جمعه") {
		wm = weekdayRE.FindAllStringSubmatchIndex(s, -1)
	}
	for _, m := range wm {
		name := ""
		if m[4] >= 0 {
			name = s[m[4]:m[5]]
		} else if m[6] >= 0 {
			name = s[m[6]:m[7]]
		}
		wd, ok := weekdayOf[name]
		if !ok {
			continue
		}
		c := dateCand{from: a + m[2], to: a + m[3], isWeek: true, weekday: wd}
		if !pub.IsZero() {
			back := (int(pub.Time().Weekday()) - int(wd) + 7) % 7
			c.date, c.prec, c.fromText = pub.AddDays(-back).String(), "day", false
		}
		out = append(out, c)
	}
	var rel []dateCand
	var rm [][]int
	if strings.Contains(s, "day") || strings.Contains(s, "night") || strings.Contains(s, "morning") || strings.Contains(s, "ago") ||
		strings.Contains(s, "امروز") || strings.Contains(s, "دیروز") || strings.Contains(s, "شب") || strings.Contains(s, "روز") {
		rm = relativeRE.FindAllStringSubmatchIndex(s, -1)
	}
	for _, m := range rm {
		off := relativeDays[s[m[2]:m[3]]]
		c := dateCand{from: a + m[2], to: a + m[3]}
		if !pub.IsZero() {
			c.date, c.prec, c.fromText = pub.AddDays(off).String(), "day", false
		}
		rel = append(rel, c)
	}
	// "دیشب و امروز" (last night and today): the labels take the later day.
	sort.SliceStable(rel, func(i, j int) bool { return rel[i].date > rel[j].date })
	out = append(out, rel...)
	return out
}

// isHijriMonthText reports whether a year-less date names a Solar Hijri
// month: "13 دی", "Esfand 16". Month names both calendars share in
// Persian script (none in Latin) count as Solar Hijri in Persian text.
func isHijriMonthText(txt, lang string) bool {
	for _, w := range strings.Fields(txt) {
		if _, c, ok := monthName(strings.TrimSuffix(w, "ماه")); ok {
			return c == SolarHijri && (lang == "fa" || isASCII(w))
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// monthDay reads "June 7" / "7 June" / "13 دی" without a year.
func monthDay(txt string) (int, int, bool) {
	var mo, day int
	for _, w := range strings.Fields(strings.ReplaceAll(txt, ",", " ")) {
		if m, _, ok := monthName(w); ok {
			mo = m
			continue
		}
		// "7th", "22nd": the ordinal suffix off a number, never off a month ("march")
		if n, err := strconv.Atoi(strings.TrimRight(w, "stndrh")); err == nil && n >= 1 && n <= 31 {
			day = n
		}
	}
	return mo, day, mo != 0 && day != 0
}

// resolveMonthDay gives the latest date with that month and day on or
// before the publication date.
func resolveMonthDay(mo, day int, pub model.Date, hijri bool) (model.Date, bool) {
	if hijri {
		jy, _, _, err := GregorianToHijri(pub)
		if err != nil {
			return model.Date{}, false
		}
		for y := jy; y >= jy-1; y-- {
			if dt, err := HijriToGregorian(y, mo, day); err == nil && !pub.Before(dt) {
				return dt, true
			}
		}
		return model.Date{}, false
	}
	for y := pub.Year; y >= pub.Year-1; y-- {
		if dt, err := model.NewDate(y, time.Month(mo), day); err == nil && !pub.Before(dt) {
			return dt, true
		}
	}
	return model.Date{}, false
}

// knownEv is an attack a text may identify without giving its date (the
// table of events.tsv). The labels date such texts from knowledge of the
// event (date_from_text false), and so does this.
type knownEv struct {
	name, date, country, city string
	cues, need                []term
	// names are the cues that name the event itself ("Nevsky Express",
	// "Bataclan"), written with a leading "*" in events.tsv: they
	// identify it even in a report published long after.
	names []term
	// strike marks a state force's strike (the seventh field "strike"):
	// it dates only a text whose news is a state action, and an attack
	// only a text whose news is not, so that a report of a strike is never
	// dated by the attack it answers, nor the reverse.
	strike bool
}

func (k knownEv) weekday() time.Weekday {
	t, _ := time.Parse("2006-01-02", k.date)
	return t.Weekday()
}
func (k knownEv) month() int { m, _ := strconv.Atoi(k.date[5:7]); return m }
func (k knownEv) day() int   { v, _ := strconv.Atoi(k.date[8:10]); return v }

//go:embed events.tsv
var eventsTSV string

// knownEvents is the parsed events.tsv. The table is ours and tested
// (TestEventsTable); a malformed line is skipped, not fatal.
var knownEvents, _ = parseEvents(eventsTSV)

// eventCues are the cue words of every known event, to tell cheaply
// whether a sentence may name one.
var eventCues = func() []term {
	var out []term
	for _, k := range knownEvents {
		out = append(out, k.cues...)
	}
	return out
}()

// parseEvents reads the format described at the top of events.tsv.
func parseEvents(s string) ([]knownEv, error) {
	var out []knownEv
	line := 0
	var firstErr error
	fail := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	for l := range strings.SplitSeq(s, "\n") {
		line++
		l = strings.TrimRight(l, "\r")
		if strings.TrimSpace(l) == "" || l[0] == '#' {
			continue
		}
		f := strings.Split(l, "\t")
		if len(f) != 6 && (len(f) != 7 || f[6] != "strike") {
			fail(fmt.Errorf("events.tsv:%d: %d fields, want 6, or 7 with \"strike\" last", line, len(f)))
			continue
		}
		if _, err := time.Parse("2006-01-02", f[0]); err != nil {
			fail(fmt.Errorf("events.tsv:%d: date %q: %w", line, f[0], err))
			continue
		}
		cues, need := words(f[4]), words(f[5])
		if len(f[1]) != 2 || len(cues) == 0 || f[5] != "-" && len(need) == 0 {
			fail(fmt.Errorf("events.tsv:%d: want a two-letter country, cue words and needed words or \"-\"", line))
			continue
		}
		var plain, names []string
		for _, c := range cues {
			if n, ok := strings.CutPrefix(c, "*"); ok && Normalize(n) != "" {
				names = append(names, n)
				c = n
			}
			plain = append(plain, c)
		}
		k := knownEv{date: f[0], country: f[1], name: f[3], cues: terms("", false, plain...), strike: len(f) == 7}
		if names != nil {
			k.names = terms("", false, names...)
		}
		if f[2] != "-" {
			k.city = f[2]
		}
		if f[5] != "-" {
			k.need = terms("", false, need...)
		}
		out = append(out, k)
	}
	return out, firstErr
}

// words splits a "|"-separated list, dropping empty words.
func words(s string) []string {
	var out []string
	for w := range strings.SplitSeq(s, "|") {
		if w = strings.TrimSpace(w); w != "" && Normalize(w) != "" {
			out = append(out, w)
		}
	}
	return out
}

// namesEvent reports whether the text names the event itself.
func (d *doc) namesEvent(k knownEv) bool {
	if k.names == nil {
		return false
	}
	_, ok := d.first(0, len(d.n), k.names)
	return ok
}

// knownEvent finds the event of the table that the text identifies for
// the incident: placed in its city (or, where the event or the incident
// has none, in its country), with one of its cue words (and of its needed
// words) in the text, not after the publication date; of several, the
// latest.
func (d *doc) knownEvent(inc *Incident) (knownEv, bool) {
	return d.knownEventIn(inc, 0, len(d.n), false)
}

// knownStrike is knownEvent for a state force's strike: the table's
// strikes only.
func (d *doc) knownStrike(inc *Incident) (knownEv, bool) {
	return d.knownEventIn(inc, 0, len(d.n), true)
}

// knownEventIn is knownEvent with the cue words sought in n[from:to]
// only, among the table's strikes or among its attacks.
func (d *doc) knownEventIn(inc *Incident, from, to int, strike bool) (knownEv, bool) {
	if inc.City == nil && inc.Country == nil {
		return knownEv{}, false
	}
	var best knownEv
	found := false
	pub := d.opt.Published
	for _, k := range knownEvents {
		if k.strike != strike {
			continue
		}
		switch {
		case k.city != "" && inc.City != nil:
			if gazetteer.Key(k.city) != gazetteer.Key(*inc.City) {
				continue
			}
		case inc.Country == nil || *inc.Country != k.country:
			continue
		}
		if !pub.IsZero() && k.date > pub.String() {
			continue
		}
		if _, ok := d.first(from, to, k.cues); !ok {
			continue
		}
		if k.need != nil {
			if _, ok := d.first(from, to, k.need); !ok {
				continue
			}
		}
		if !found || k.date > best.date {
			best, found = k, true
		}
	}
	return best, found
}
