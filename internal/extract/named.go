package extract

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/model"
)

// Named persons killed without a count. The labels code each person a
// text names as killed as one: "Commander X and Colonel Y were killed" is
// exactly 2, and a list that ends on the others who died with them ("X, Y
// and the other martyrs of the attack", "X، Y و سایر شهدای حمله") is at
// least as many as it names. Only the anchor sentence is read, and only
// when no figure was found: a figure always wins over names.

// namedDeathVerbsEn follow the persons they count (passive voice).
var namedDeathVerbsEn = []string{"were killed", "were martyred", "were assassinated", "were shot dead", "have been killed",
	"have been martyred", "was killed", "was martyred", "was shot dead"}

// namedDeathLeadsEn come before the persons they count.
var namedDeathLeadsEn = []string{"the assassination of", "the killing of", "the martyrdom of", "killed", "assassinated", "martyrs", "martyr"}

// namedOthersEn / namedOthersFa after a list say that more died than it names.
var (
	namedOthersEn = []string{"and other", "and the other", "and their companions", "and his companions", "along with other"}
	namedOthersFa = []string{"و سایر شهدا", "و دیگر شهدا", "و سایر شهیدان", "و دیگر شهیدان", "و سایر قربانیان", "و همراهان", "و همرزمان", "و یاران"}
)

// namedDeathVerbsFa follow the persons they count; the plural ones need
// two or more.
var namedDeathVerbsFa = []string{"به شهادت رسیدند", "شهید شدند", "کشته شدند", "ترور شدند", "جان باختند",
	"به شهادت رسید", "شهید شد", "کشته شد"}

// titlesFa open a person's name: ranks, honorifics, "martyr".
var titlesFa = map[string]bool{
	"شهید": true, "شهیدان": true, "سردار": true, "سرداران": true, "سرهنگ": true, "سرتیپ": true, "سرلشکر": true,
	"سپهبد": true, "سرگرد": true, "سروان": true, "ستوان": true, "حاج": true, "سید": true, "دکتر": true,
	"حجتالاسلام": true, "آیتالله": true, "امیر": true, "ژنرال": true,
}

// titlesEn are ranks and offices written before a name ("Colonel X",
// "Judge Y"): an item that opens with one is a person even when its words
// also name a place.
var titlesEn = map[string]bool{
	"commander": true, "general": true, "colonel": true, "major": true, "captain": true, "lieutenant": true,
	"brigadier": true, "sergeant": true, "judge": true, "sheikh": true, "cleric": true, "dr": true, "martyr": true,
}

// namedParticlesEn are the lower-case parts of Arabic and other names.
var namedParticlesEn = map[string]bool{"al": true, "bin": true, "ibn": true, "abu": true, "de": true, "van": true, "von": true}

// namedKilled sets killed from the persons the anchor sentence names as
// killed, when no figure was read.
func (d *doc) namedKilled(inc *Incident) {
	if inc.Killed != nil && inc.Killed.Qualifier != "none" {
		return
	}
	s := d.sents[d.anchor]
	var n, from, to int
	var others bool
	if d.lang == "fa" {
		n, others, from, to = d.namedFa(s)
	} else {
		n, others, from, to = d.namedEn(s)
	}
	if n == 0 {
		return
	}
	c := Count{Low: ptr(n), High: ptr(n), Qualifier: "exact"}
	if others {
		c = Count{Low: ptr(n), Qualifier: "at_least"}
	}
	inc.Killed = &c
	inc.Spans["killed"] = d.span(from, to)
	who := "named persons"
	if n == 1 {
		who = "named person"
	}
	inc.note(fmt.Sprintf("%d %s killed: killed %s", n, who, c.qualified()))
}

// qualified writes the count as the notes show it.
func (c Count) qualified() string {
	if c.Qualifier == "at_least" {
		return fmt.Sprintf("at least %d", *c.Low)
	}
	return fmt.Sprint(*c.Low)
}

// namedEn reads "X and Y were killed", "killed X and Y", "the
// assassination of X", "martyrs X, Y and other victims of …".
func (d *doc) namedEn(s sent) (n int, others bool, from, to int) {
	if d.titleCase(s) {
		return 0, false, 0, 0 // "Police Officers Killed In Attack": capitals say nothing of names
	}
	text := d.n[s.start:s.end]
	for _, v := range namedDeathVerbsEn {
		for off := 0; ; {
			i := strings.Index(text[off:], v)
			if i < 0 {
				break
			}
			at := s.start + off + i
			off += i + len(v)
			if at > s.start && isLetterBefore(d.n, at) || at+len(v) < len(d.n) && isLetterAt(d.n, at+len(v)) {
				continue
			}
			items, start := d.namesBefore(s.start, at)
			plural := strings.HasPrefix(v, "were") || strings.HasPrefix(v, "have")
			if len(items) == 0 || plural != (len(items) > 1) {
				continue
			}
			return len(items), false, start, at + len(v)
		}
	}
	for _, l := range namedDeathLeadsEn {
		for off := 0; ; {
			i := strings.Index(text[off:], l+" ")
			if i < 0 {
				break
			}
			at := s.start + off + i
			off += i + len(l)
			if at > s.start && isLetterBefore(d.n, at) {
				continue
			}
			items, end := d.namesAfter(at+len(l)+1, s.end)
			if len(items) == 0 {
				continue
			}
			rest := strings.TrimLeft(d.n[end:s.end], " ,")
			for _, o := range namedOthersEn {
				others = others || strings.HasPrefix(rest, o)
			}
			if strings.HasPrefix(l, "martyr") && !others {
				continue // "martyr X" alone may be a title of the dead long ago
			}
			return len(items), others, at, end
		}
	}
	if at, end, ok := d.roleKilledEn(s); ok {
		return 1, false, at, end
	}
	return 0, false, 0, 0
}

// rolesEn are persons a text names by their role; one of them killed
// counts one ("its forces killed the mastermind of the attacks").
var rolesEn = map[string]bool{"mastermind": true, "leader": true, "ringleader": true, "commander": true, "chief": true,
	"head": true, "founder": true, "emir": true, "deputy": true, "spokesman": true, "governor": true, "mayor": true,
	"judge": true, "imam": true, "cleric": true, "prosecutor": true}

// roleKilledEn reads "killed [on Saturday] the [main] mastermind" and "the
// [main] mastermind … was killed": one person named by a role, not a
// plural ("the leaders") and not one of a list ("the commander and").
func (d *doc) roleKilledEn(s sent) (int, int, bool) {
	words := wordSpans(d.n, s.start, s.end)
	tok := func(i int) string { return d.n[words[i][0]:words[i][1]] }
	role := func(i int) (int, bool) {
		// "the|a|an" + up to two words + a role; returns the role's index
		if i >= len(words) || (tok(i) != "the" && tok(i) != "a" && tok(i) != "an") {
			return 0, false
		}
		for j := i + 1; j <= i+3 && j < len(words); j++ {
			if rolesEn[tok(j)] {
				if j+1 < len(words) && tok(j+1) == "and" {
					return 0, false
				}
				return j, true
			}
		}
		return 0, false
	}
	for i := range words {
		switch tok(i) {
		case "killed", "assassinated":
			if i > 0 && (tok(i-1) == "was" || tok(i-1) == "were") {
				continue
			}
			j := i + 1
			for j < len(words) && j <= i+3 && (tok(j) == "on" || tok(j) == "today" || tok(j) == "yesterday" ||
				tok(j) == "last" || tok(j) == "night" || strings.HasSuffix(tok(j), "day")) {
				j++
			}
			if r, ok := role(j); ok {
				return words[i][0], words[r][1], true
			}
		case "was":
			if i+1 >= len(words) || tok(i+1) != "killed" && tok(i+1) != "assassinated" {
				continue
			}
			for k := max(0, i-8); k < i; k++ {
				if r, ok := role(k); ok && r < i {
					return words[k][0], words[i+1][1], true
				}
			}
		}
	}
	return 0, 0, false
}

// titleCase reports whether most words of a sentence of five or more are
// capitalised, as in a headline.
func (d *doc) titleCase(s sent) bool {
	words := wordSpans(d.n, s.start, s.end)
	if len(words) < 5 {
		return false
	}
	caps := 0
	for _, w := range words {
		if d.capitalised(w[0]) {
			caps++
		}
	}
	return caps*10 >= len(words)*7
}

// namesBefore collects the list of names that ends just before offset
// at, walking back to the sentence start a: capitalised words, name
// particles, commas and "and". It returns the names and where they start.
func (d *doc) namesBefore(a, at int) ([]string, int) {
	words := wordSpans(d.n, a, at)
	i := len(words)
	for i > 0 {
		w := words[i-1]
		tok := d.n[w[0]:w[1]]
		if !(d.nameWord(w[0], tok) || tok == "and") {
			break
		}
		if i < len(words) && strings.ContainsAny(d.n[w[1]:words[i][0]], ";:.(") {
			break // a clause ends between them
		}
		i--
	}
	for i < len(words) && d.n[words[i][0]:words[i][1]] == "and" {
		i++
	}
	if i == len(words) {
		return nil, 0
	}
	// the list opens a clause: "Afghan soldiers and Police were killed" is
	// the tail of a longer noun phrase, not a list of names
	if i > 0 {
		gap := d.n[words[i-1][1]:words[i][0]]
		if !strings.ContainsAny(gap, ",;:(\"'") && !namesOpen[d.n[words[i-1][0]:words[i-1][1]]] {
			return nil, 0
		}
	}
	return d.splitNames(words[i:]), words[i][0]
}

// namesOpen / namesClose are the words that may stand before and after a
// list of names: the list is then the whole noun phrase.
var (
	namesOpen  = map[string]bool{"that": true, "when": true, "as": true, "after": true, "while": true, "said": true, "says": true, "where": true, "and": true}
	namesClose = map[string]bool{"in": true, "at": true, "on": true, "near": true, "and": true, "when": true, "while": true,
		"during": true, "as": true, "after": true, "before": true, "with": true, "by": true, "outside": true, "inside": true,
		"last": true, "this": true, "yesterday": true, "today": true, "along": true, "who": true}
)

// genericCapitalised are nouns written with a capital in headlines or at
// a sentence start that name groups of people, not persons.
var genericCapitalised = map[string]bool{"police": true, "army": true, "soldiers": true, "troops": true, "officials": true,
	"guards": true, "forces": true, "militants": true, "civilians": true, "people": true, "residents": true,
	"worshippers": true, "pilgrims": true, "children": true, "women": true, "men": true, "officers": true, "the": true}

// namesAfter collects the list of names that starts at offset a.
func (d *doc) namesAfter(a, b int) ([]string, int) {
	words := wordSpans(d.n, a, b)
	j := 0
	for j < len(words) {
		w := words[j]
		tok := d.n[w[0]:w[1]]
		if !(d.nameWord(w[0], tok) || tok == "and" && j > 0) {
			break
		}
		if j > 0 && strings.Contains(d.n[words[j-1][1]:w[0]], ".") {
			break
		}
		j++
	}
	for j > 0 && d.n[words[j-1][0]:words[j-1][1]] == "and" {
		j--
	}
	if j == 0 {
		return nil, a
	}
	// the list closes its noun phrase: "killed Afghan Police officers" is no list of names
	if j < len(words) {
		gap := d.n[words[j-1][1]:words[j][0]]
		if !strings.ContainsAny(gap, ",;:.)\"'") && !namesClose[d.n[words[j][0]:words[j][1]]] {
			return nil, a
		}
	}
	return d.splitNames(words[:j]), words[j-1][1]
}

// nameWord reports whether the word at offset at may be part of a
// person's name in English: capitalised, a name particle, or "al-…".
func (d *doc) nameWord(at int, tok string) bool {
	if namedParticlesEn[tok] {
		return true
	}
	if strings.HasPrefix(tok, "al-") || strings.HasPrefix(tok, "el-") {
		r, _ := utf8.DecodeRuneInString(d.orig[d.idx[at+3]:])
		return unicode.IsUpper(r)
	}
	r, _ := utf8.DecodeRuneInString(tok)
	return unicode.IsLetter(r) && d.capitalised(at)
}

// splitNames splits the words of a list on "and" and on commas and keeps
// it only when every part is a plausible person's name: no number word, no
// place, group or nation, no plural ("Americans").
func (d *doc) splitNames(words [][2]int) []string {
	var items []string
	var cur []string
	flush := func() bool {
		if len(cur) == 0 {
			return false
		}
		items = append(items, strings.Join(cur, " "))
		cur = nil
		return true
	}
	for k, w := range words {
		tok := d.n[w[0]:w[1]]
		if tok == "and" {
			if !flush() {
				return nil
			}
			continue
		}
		if k > 0 && strings.Contains(d.n[words[k-1][1]:w[0]], ",") && !flush() {
			return nil
		}
		cur = append(cur, tok)
	}
	if !flush() {
		return nil
	}
	for _, it := range items {
		if !d.personName(it) {
			return nil
		}
	}
	return items
}

// personName rejects the capitalised words that name no person.
func (d *doc) personName(it string) bool {
	words := strings.Fields(it)
	if len(words) > 5 {
		return false
	}
	last := words[len(words)-1]
	if len(words) == 1 && strings.HasSuffix(last, "s") {
		return false // "Americans", "Iraqis"
	}
	for _, w := range words {
		if isNumberWord(w) || hasNumber(w) || genericCapitalised[w] || namesClose[w] && w != "and" {
			return false
		}
	}
	if _, ok := countryWordsEn[it]; ok {
		return false
	}
	if _, ok := model.CountryByName(it); ok {
		return false
	}
	if d.gaz != nil && len(d.gaz.Lookup(it)) > 0 && !titlesEn[words[0]] {
		return false
	}
	if len(findAll(it, 0, len(it), groupTerms)) > 0 {
		return false
	}
	return true
}

// namedFa reads "سردار X و سرهنگ Y … به شهادت رسیدند" (each person with a
// title) and "شهیدان X، Y و سایر شهدای حمله" (a list after a martyrs'
// title, ended by the others who died).
func (d *doc) namedFa(s sent) (n int, others bool, from, to int) {
	text := d.n[s.start:s.end]
	// a list after a title, ended by "و سایر شهدای …"
	for _, o := range namedOthersFa {
		i := strings.Index(text, o)
		if i < 0 {
			continue
		}
		end := s.start + i
		words := wordSpans(d.n, s.start, end)
		// the title that opens the list: the earliest within 16 words back
		// and after the last preposition ("در مراسم سرداران شهید …")
		k := -1
		for j := len(words) - 1; j >= 0 && j >= len(words)-16; j-- {
			tok := d.n[words[j][0]:words[j][1]]
			if stopFa[tok] {
				break
			}
			if titlesFa[tok] {
				k = j
			}
		}
		if k < 0 {
			continue
		}
		for k+1 < len(words) && titlesFa[d.n[words[k+1][0]:words[k+1][1]]] {
			k++ // "سرداران شهید حاج …": the name starts after the titles
		}
		if items := d.splitFa(words[k+1:], false); len(items) > 0 {
			return len(items), true, words[k][0], end + len(o)
		}
	}
	// titled persons before a death verb in the same clause
	for _, v := range namedDeathVerbsFa {
		i := strings.Index(text, v)
		if i < 0 {
			continue
		}
		at := s.start + i
		if at+len(v) < len(d.n) && isLetterAt(d.n, at+len(v)) {
			continue // "شهید شد" in "شهید شدند" is read by the plural
		}
		a := s.start
		if c := strings.LastIndexAny(d.n[s.start:at], ",;:"); c >= 0 {
			a = s.start + c + 1
		}
		words := wordSpans(d.n, a, at)
		if len(words) == 0 || !titlesFa[d.n[words[0][0]:words[0][1]]] {
			continue
		}
		items := d.splitFa(words, true)
		plural := strings.HasSuffix(v, "ند")
		if len(items) == 0 || plural != (len(items) > 1) {
			continue
		}
		return len(items), false, words[0][0], at + len(v)
	}
	if at, end, ok := d.roleKilledFa(s); ok {
		return 1, false, at, end
	}
	return 0, false, 0, 0
}

// rolesFa are persons a Persian text names by their role.
var rolesFa = map[string]bool{"سرکرده": true, "فرمانده": true, "رهبر": true, "طراح": true, "بنیانگذار": true,
	"سخنگوی": true, "فرماندار": true, "امام": true, "قاضی": true, "دادستان": true}

// roleKilledFa reads "سرکرده این گروه … به هلاکت رسید": one person named
// by a role as the subject of a singular death verb in the same clause.
func (d *doc) roleKilledFa(s sent) (int, int, bool) {
	text := d.n[s.start:s.end]
	for _, v := range []string{"به هلاکت رسید", "هلاک شد", "کشته شد", "ترور شد", "به شهادت رسید"} {
		i := strings.Index(text, v)
		if i < 0 {
			continue
		}
		at := s.start + i
		if at+len(v) < len(d.n) && isLetterAt(d.n, at+len(v)) {
			continue // the plural "… رسیدند" is no single person
		}
		a := s.start
		if c := strings.LastIndexAny(d.n[s.start:at], ",;:"); c >= 0 {
			a = s.start + c + 1
		}
		words := wordSpans(d.n, a, at)
		for k, w := range words {
			if k > 2 {
				break // the role opens the clause: its subject
			}
			if rolesFa[d.n[w[0]:w[1]]] && !hasNumber(d.n[a:at]) {
				return w[0], at + len(v), true
			}
		}
	}
	// the role as the object: "نیروهای امنیتی سرکرده این گروه را … به هلاکت رساندند"
	for _, v := range []string{"به هلاکت رساندند", "به هلاکت رساند", "را کشتند", "را کشت", "ترور کردند", "ترور کرد"} {
		i := strings.Index(text, v)
		if i < 0 {
			continue
		}
		at := s.start + i
		if at+len(v) < len(d.n) && isLetterAt(d.n, at+len(v)) {
			continue
		}
		a := s.start
		if c := strings.LastIndexAny(d.n[s.start:at], ",;:"); c >= 0 {
			a = s.start + c + 1
		}
		words := wordSpans(d.n, a, at)
		for k, w := range words {
			if !rolesFa[d.n[w[0]:w[1]]] {
				continue
			}
			// its object marker within five words, and no figure: one person
			for j := k + 1; j < len(words) && j <= k+5; j++ {
				if d.n[words[j][0]:words[j][1]] == "را" && !hasNumber(d.n[a:at]) {
					return w[0], at + len(v), true
				}
			}
		}
	}
	return 0, 0, false
}

// stopFa end a Persian name: prepositions and the object marker.
var stopFa = map[string]bool{"در": true, "به": true, "که": true, "را": true, "از": true, "با": true, "توسط": true, "هنگام": true, "طی": true, "ضمن": true, "پس": true, "بر": true}

// splitFa splits Persian list words on "و" and commas. With titled set,
// the list is the run of items that each open with a title and ends at the
// first stop word; otherwise every part up to the end is an item.
func (d *doc) splitFa(words [][2]int, titled bool) []string {
	var items []string
	var cur []string
	for k, w := range words {
		tok := d.n[w[0]:w[1]]
		sep := tok == "و" || k > 0 && strings.Contains(d.n[words[k-1][1]:w[0]], ",")
		if titled && (stopFa[tok] || hasNumber(tok)) {
			break
		}
		if sep && len(cur) > 0 {
			if titled && tok != "و" && !titlesFa[tok] {
				break
			}
			items = append(items, strings.Join(cur, " "))
			cur = nil
		}
		if tok == "و" {
			if titled && (k+1 >= len(words) || !titlesFa[d.n[words[k+1][0]:words[k+1][1]]]) {
				break
			}
			continue
		}
		if hasNumber(tok) {
			return nil
		}
		cur = append(cur, tok)
		if len(cur) > 8 {
			return nil
		}
	}
	if len(cur) > 0 {
		items = append(items, strings.Join(cur, " "))
	}
	if len(items) > 6 {
		return nil
	}
	return items
}
