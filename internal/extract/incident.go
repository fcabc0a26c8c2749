package extract

import "strings"

// lead is the opening of a text: its first sentence, and the second too
// when the first is a headline (short).
func (d *doc) lead() (int, int) {
	if len(d.sents) == 0 {
		return 0, 0
	}
	a, b := d.sents[0].start, d.sents[0].end
	if b-a < 120 && len(d.sents) > 1 {
		b = d.sents[1].end
	}
	return a, b
}

// classify decides whether the text's news is the violence itself: its
// lead has an event verb ("were targeted", "کشته شدند") and no reaction
// word ("condemning", "funeral", "arrested", "سالگرد") comes before it.
func (d *doc) classify() (bool, []Span) {
	a, b := d.lead()
	ev, ok := d.first(a, b, eventVerbs)
	if !ok {
		return false, nil
	}
	if re, ok := d.firstReaction(a, ev.from); ok {
		return false, []Span{d.span(re.from, re.to), d.span(ev.from, ev.to)}
	}
	if oc, ok := d.first(a, ev.from, occasionCues); ok {
		// "the anniversary of the attack" commemorates the attack; "a ceremony
		// marking … Soleimani's death, two bombs exploded" was attacked.
		_, ofAttack := d.first(oc.to, min(b, oc.to+40), attackNouns)
		if f, counted := d.leadFigure(a, b); counted && !ofAttack {
			return true, []Span{d.span(ev.from, ev.to), f.span}
		}
		return false, []Span{d.span(oc.from, oc.to), d.span(ev.from, ev.to)}
	}
	return true, []Span{d.span(ev.from, ev.to)}
}

// firstReaction is the first reaction word in n[a:b], leaving out a
// speaker who reports the event ("a police spokesman said gunmen
// attacked", "سخنگوی پلیس گفت … حمله کردند"): a speaker followed by a
// verb of saying and no other reaction word is the source of a report.
func (d *doc) firstReaction(a, b int) (hit, bool) {
	for _, h := range d.findAll(a, b, reactionCues) {
		if h.val == "speaker" {
			if _, says := d.first(a, b, reportedSpeech); says {
				continue
			}
		}
		return h, true
	}
	return hit{}, false
}

// leadFigure finds a casualty figure in the lead.
func (d *doc) leadFigure(a, b int) (figureHit, bool) {
	for _, s := range d.sents {
		if s.end <= a || s.start >= b {
			continue
		}
		for _, h := range d.findAll(s.start, s.end, casualtyAny) {
			if f, ok := d.figureNear(s, h); ok && f.c.Qualifier != "none" {
				return f, true
			}
		}
	}
	return figureHit{}, false
}

// mainIncident reads the incident that the first sentence naming an
// attack is about.
func (d *doc) mainIncident() (Incident, bool) {
	anchor := -1
	var anchorHit hit
	for i, s := range d.sents {
		h, ok := d.first(s.start, s.end, attackNouns)
		if !ok {
			continue
		}
		// "attacks on the press", "sexual assault": an attack word alone is no
		// violent incident; its sentence or the next must say violence happened.
		end := s.end
		if i+1 < len(d.sents) {
			end = d.sents[i+1].end
		}
		if _, ok := d.first(s.start, end, violenceCues); ok {
			anchor, anchorHit = i, h
			break
		}
	}
	if anchor < 0 {
		return Incident{}, false
	}
	inc := Incident{Main: true, AttackType: "unknown", DateFromText: true, Spans: map[string]Span{}}
	inc.Spans["incident"] = d.span(anchorHit.from, anchorHit.to)
	inc.Spans["sentence"] = d.span(d.sents[anchor].start, d.sents[anchor].end)
	d.anchor, d.anchorAt = anchor, anchorHit.from
	d.readStateAction(&inc)
	d.readPlace(&inc, anchor)
	d.readWhat(&inc)
	d.readGroups(&inc)
	d.readCasualties(&inc)
	d.monthFirst = d.lang != "fa" && inc.Country != nil && *inc.Country == "US"
	d.readDate(&inc, anchor)
	return inc, true
}

// readStateAction: a state force as the subject of an event verb in the
// anchor sentence ("the IRGC fired six missiles", "its security forces
// killed … the mastermind") makes the main incident a state action, with
// that force as perpetrator.
func (d *doc) readStateAction(inc *Incident) {
	s := d.sents[d.anchor]
	for _, g := range d.findAll(s.start, s.end, groupTerms) {
		if !groupByKey[g.val].state {
			continue
		}
		reach := min(s.end, g.to+60)
		if d.lang == "fa" {
			// the verb ends a Persian clause: "نیروهای امنیتی سرکرده این گروه را … به هلاکت رساندند"
			reach = min(s.end, g.to+240)
			if i := strings.IndexAny(d.n[g.to:reach], ".,;:"); i >= 0 {
				reach = g.to + i
			}
		}
		if _, ok := d.first(g.to, reach, stateVerbs); ok {
			d.state, d.stateAt = true, g.to
			inc.PerpetratorNamed = ptr(groupByKey[g.val].name)
			inc.Spans["perpetrator_named"] = d.span(g.from, g.to)
			inc.note("state action: the anchor sentence has a state force acting")
			return
		}
	}
}

var stateVerbs = terms("state", false, "fired", "launched", "rained", "killed", "struck", "targeted", "shot", "شلیک", "هدف قرار", "به هلاکت")

// about reports whether sentence si may speak of the main incident: any
// sentence, except that for a state action the sentences recalling the
// attack it answers are skipped.
func (d *doc) about(si int) bool {
	if !d.state || si == d.anchor {
		return true
	}
	s := d.sents[si]
	for _, h := range d.findAll(s.start, s.end, backgroundCues) {
		// "terror" alone also names the strike's targets ("elements of the
		// terrorists were killed in the operation"): with a word of the
		// strike, and no other background cue, the sentence is the strike's
		if h.val == "terror" && d.strikeSentence(s) {
			continue
		}
		return false
	}
	return !d.recallsAttack(s)
}

// strikeSentence reports whether sentence s tells of the strike itself:
// a word of the strike ("the operation", "missiles") and no attack noun of
// the kind a strike answers.
func (d *doc) strikeSentence(s sent) bool {
	_, strike := d.first(s.start, s.end, strikeWords)
	_, recalled := d.first(s.start, s.end, recalledAttackNouns)
	return strike && !recalled
}

// recalledAttackNouns name an attack of the kind a state strike answers;
// strikeWords name the strike itself.
var (
	recalledAttackNouns = terms("recalled", false, "the attack", "the attacks", "the bombing", "the bombings", "the assault",
		"the shooting", "حمله", "حملات", "انفجار", "بمبگذاری", "تیراندازی")
	strikeWords = terms("strike", false, "missile", "strike", "struck", "drone", "raid", "operation", "forces", "موشک",
		"پهپاد", "عملیات", "نیروهای", "هدف قرار")
)

// recallsAttack reports whether, in a text whose news is a state strike,
// sentence s tells of an attack with no word of the strike in it ("The
// attacks on the parliament … left 17 people dead"): it is the attack the
// strike answers, and its figures are not the strike's.
func (d *doc) recallsAttack(s sent) bool {
	if _, ok := d.first(s.start, s.end, recalledAttackNouns); !ok {
		return false
	}
	if _, ok := d.first(s.start, s.end, strikeWords); ok {
		return false
	}
	for _, g := range d.findAll(s.start, s.end, groupTerms) {
		if groupByKey[g.val].state {
			return false
		}
	}
	return true
}

// order returns the sentence indexes with the anchor first, then the
// others in text order: the anchor is the likeliest to speak of the
// main incident, and text order keeps the lead before the background.
func (d *doc) order(anchor int) []int {
	out := []int{anchor}
	for i := range d.sents {
		if i != anchor {
			out = append(out, i)
		}
	}
	return out
}

// note adds an explanation to the incident's notes.
func (inc *Incident) note(s string) {
	if inc.Notes != "" {
		inc.Notes += "; "
	}
	inc.Notes += s
}
