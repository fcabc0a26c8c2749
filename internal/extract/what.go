package extract

import (
	"slices"
	"sort"
	"strings"
)

// readWhat reads attack type, target, suicide and sites from the
// sentences about the main incident, the anchor first.
func (d *doc) readWhat(inc *Incident) {
	rs := d.aboutRanges()
	firstIn := func(ts []term) (hit, bool) {
		for _, r := range rs {
			if h, ok := d.firstOwn(r.start, r.end, ts); ok {
				return h, true
			}
		}
		return hit{}, false
	}
	// The anchor sentence says best how this attack was made; then the rest.
	a := d.sents[d.anchor]
	if len(rs) > 0 && rs[0].start == a.start {
		a = rs[0]
	}
	for _, c := range attackTypeCues {
		if h, ok := d.firstOwn(a.start, a.end, c.ts); ok {
			inc.AttackType = c.typ
			inc.Spans["attack_type"] = d.span(h.from, h.to)
			break
		}
	}
	for _, c := range attackTypeCues {
		if inc.AttackType != "unknown" {
			break
		}
		if h, ok := firstIn(c.ts); ok {
			inc.AttackType = c.typ
			inc.Spans["attack_type"] = d.span(h.from, h.to)
		}
	}
	// Targets come from the first sentence, the anchor first, that names
	// any as what was attacked ("an attack on a military parade", "the
	// parliament … have been targeted"); failing that, from the first that
	// names any at all: later sentences name parliaments and shrines for
	// other reasons, and so may the anchor ("MPs of the parliament's
	// committee will visit Ahvaz to examine the attack").
	// The broad types come last, when no specific one was found: the
	// women and children killed at a military parade are the parade's
	// crowd, not a second target.
	var targets []string
	broadFound := false
	for _, pass := range []struct{ broad, tiedOnly bool }{{false, true}, {false, false}, {true, true}} {
		tiedOnly := pass.tiedOnly
		for _, r := range d.anchorFirst(rs) {
			for _, c := range targetCues {
				if c.broad != pass.broad || broadFound {
					continue // one broad type: "the home of an opposition leader" is the leader's
				}
				if d.state && c.typ != "militants" {
					continue // a strike's target is the group it answers; parliaments and shrines are the earlier attack's
				}
				if slices.Contains(targets, c.typ) {
					continue // "police station" and "police department" are one target
				}
				for _, h := range d.findAll(r.start, r.end, c.ts) {
					if tiedOnly && !c.broad && !d.attacked(r, h) || c.broad && !d.attackedBroad(r, h) {
						continue
					}
					targets = append(targets, c.typ)
					if c.broad {
						broadFound = true
					}
					if _, seen := inc.Spans["target_type"]; !seen {
						inc.Spans["target_type"] = d.span(h.from, h.to)
					}
					break
				}
			}
			if len(targets) > 0 {
				break
			}
		}
		if len(targets) > 0 {
			break
		}
	}
	if len(targets) > 0 {
		inc.TargetType = ptr(strings.Join(targets, ", "))
	}
	if h, ok := firstIn(suicideCues); ok && !d.state {
		inc.Suicide = ptr(true)
		inc.Spans["suicide"] = d.span(h.from, h.to)
	} else if inc.AttackType != "unknown" || d.state {
		// The text says how the attack was made and no word of a suicide attack.
		inc.Suicide = ptr(false)
	}
	if d.state {
		return
	}
	for _, c := range siteCues {
		if h, ok := firstIn(c.ts); ok {
			inc.Sites = ptr(c.n)
			inc.Spans["sites"] = d.span(h.from, h.to)
			break
		}
	}
	// "The parliament and the mausoleum have been targeted in simultaneous
	// attacks": a word of coordination and as many sites as distinct targets.
	if inc.Sites == nil && len(targets) >= 2 {
		if h, ok := firstIn(coordinationCues); ok {
			inc.Sites = ptr(len(targets))
			inc.Spans["sites"] = d.span(h.from, h.to)
		}
	}
}

// ordinalSites name one blast of several by its order.
var ordinalSites = []struct {
	site string
	ts   []term
}{
	{"first blast", terms("", false, "first explosion", "first blast", "first bomb", "first suicide", "انفجار اول", "نخستین انفجار", "اولین انفجار", "بمب اول")},
	{"second blast", terms("", false, "second explosion", "second blast", "second bomb", "second suicide", "انفجار دوم", "دومین انفجار", "بمب دوم")},
	{"third blast", terms("", false, "third explosion", "third blast", "third bomb", "انفجار سوم", "سومین انفجار")},
}

// coordinationCues say several sites were struck together, without
// counting them.
var coordinationCues = terms("coordinated", false, "simultaneous attacks", "coordinated attacks", "simultaneous terror",
	"coordinated terror", "حملات همزمان", "حمله همزمان", "حملات هماهنگ", "به طور همزمان")

// siteAt returns the site of a coordinated attack that the figure at
// offset at in sentence s belongs to: the one site the sentence names
// (a target of the incident, or a blast by its order: "the first
// explosion", "انفجار دوم"), or, when it names several, the last one
// named before the figure ("the first explosion killed 60 and the
// second blast killed 24"); "" when none.
func (d *doc) siteAt(s sent, inc *Incident, at int) string {
	if inc.Sites == nil || *inc.Sites < 2 {
		return ""
	}
	type mention struct {
		at   int
		site string
	}
	var ms []mention
	for _, o := range ordinalSites {
		for _, h := range d.findAll(s.start, s.end, o.ts) {
			ms = append(ms, mention{h.from, o.site})
		}
	}
	if inc.TargetType != nil {
		for _, c := range targetCues {
			if !strings.Contains(*inc.TargetType, c.typ) {
				continue
			}
			for _, h := range d.findAll(s.start, s.end, c.ts) {
				ms = append(ms, mention{h.from, c.typ})
			}
		}
	}
	distinct := map[string]bool{}
	for _, m := range ms {
		distinct[m.site] = true
	}
	switch len(distinct) {
	case 0:
		return ""
	case 1:
		return ms[0].site
	}
	// Several sites: figures belong to them only when the sentence
	// alternates site and figure ("the first explosion killed 60 and the
	// second blast killed 24"); "attacks on the parliament and the
	// mausoleum left 17 dead" gives the total.
	sort.Slice(ms, func(i, j int) bool { return ms[i].at < ms[j].at })
	for i := 1; i < len(ms); i++ {
		if ms[i].site != ms[i-1].site && !hasNumber(d.n[ms[i-1].at:ms[i].at]) {
			return ""
		}
	}
	best := mention{at: -1}
	for _, m := range ms {
		if m.at < at && m.at > best.at {
			best = m
		}
	}
	return best.site
}

// anchorFirst orders ranges with the anchor's first.
func (d *doc) anchorFirst(rs []sent) []sent {
	a := d.sents[d.anchor]
	out := make([]sent, 0, len(rs))
	for _, r := range rs {
		if r.start >= a.start && r.start < a.end {
			out = append(out, r)
		}
	}
	for _, r := range rs {
		if !(r.start >= a.start && r.start < a.end) {
			out = append(out, r)
		}
	}
	return out
}

// aboutRanges are the sentences that name an attack and may speak of the
// main incident (see about); for a state action the anchor sentence is cut
// where it turns to the attack being answered.
func (d *doc) aboutRanges() []sent {
	var out []sent
	for si, s := range d.sents {
		if !d.about(si) {
			continue
		}
		if _, ok := d.first(s.start, s.end, attackNouns); !ok && si != d.anchor {
			continue
		}
		if d.state && si == d.anchor {
			if bg, ok := d.first(s.start, s.end, backgroundCues); ok {
				s.end = bg.from
			}
		}
		out = append(out, s)
	}
	return out
}

// readGroups sets claimed_by from a group named in a sentence that reports
// a claim, and perpetrator_named from a group tied to the attack by the
// sentence ("carried out by", "ISIS militants stormed").
func (d *doc) readGroups(inc *Incident) {
	if d.state {
		return // the perpetrator is the state force; claims in the text are for the attack it answers
	}
	for _, s := range d.sents {
		gs := d.findAll(s.start, s.end, groupTerms)
		if len(gs) == 0 {
			continue
		}
		if inc.ClaimedBy == nil {
			if c, ok := d.first(s.start, s.end, claimCues); ok {
				// the group nearest the claim words claims ("Hamas praised the attack, which ISIS claimed")
				best, bestDist := -1, 0
				for i, gh := range gs {
					dist := max(gh.from-c.to, c.from-gh.to, 0)
					if !groupByKey[gh.val].state && (best < 0 || dist < bestDist) {
						best, bestDist = i, dist
					}
				}
				if best >= 0 {
					inc.ClaimedBy = ptr(groupByKey[gs[best].val].name)
					inc.Spans["claimed_by"] = d.span(gs[best].from, gs[best].to)
				}
			}
		}
		if inc.PerpetratorNamed == nil {
			_, claim := d.first(s.start, s.end, claimCues)
			for _, gh := range gs {
				if !claim && d.attributed(s, gh) || d.ownMembers(s, gh) {
					inc.PerpetratorNamed = ptr(groupByKey[gh.val].name)
					inc.Spans["perpetrator_named"] = d.span(gh.from, gh.to)
					break
				}
			}
		}
	}
}

// attributed reports whether the sentence ties the group to the attack:
// an attribution word right after it ("ISIS militants stormed") or right
// before it ("carried out by Daesh", "linked to Daesh"), and no reaction
// verb after it ("Hezbollah condemned the attack").
func (d *doc) attributed(s sent, g hit) bool {
	if _, reacts := d.first(g.to, min(s.end, g.to+40), reactionCues); reacts {
		return false
	}
	if _, ok := d.first(g.to, min(s.end, g.to+40), attributionCues); ok {
		return true
	}
	_, ok := d.first(max(s.start, g.from-40), g.from, attributionCues)
	return ok
}

// membersCues speak of a group's own members after naming it.
var membersCues = terms("members", false, "its members", "its fighters", "its militants", "its suicide bombers",
	"of its", "اعضای این گروه", "اعضای خود", "عناصر این گروه", "نیروهای این گروه", "دو عضو", "اعضای آن")

// ownMembers reports whether the sentence says the group's own members
// did it: "the Islamic State said two of its members carried out the
// bombings" names the perpetrator even in a claim.
func (d *doc) ownMembers(s sent, g hit) bool {
	if groupByKey[g.val].state {
		return false
	}
	m, ok := d.first(g.to, s.end, membersCues)
	if !ok || m.from-g.to > 120 {
		return false
	}
	_, did := d.first(m.to, min(s.end, m.to+100), didCues)
	return did
}

// didCues say someone did the attack.
var didCues = concat(attributionCues, eventVerbs)

// attackedBefore and attackedAfter tie a target word to the attack: the
// words before it ("an attack on", "حمله به") or after it ("have been
// targeted", "مورد حمله قرار").
var (
	attackedBefore = terms("on", false, "attack on", "attacks on", "attacked", "stormed", "storming", "targeted", "targeting",
		"bombing of", "bombing at", "blast at", "blast near", "explosion at", "explosion near", "opened fire on", "raid on",
		"assault on", "gunmen at", "struck", "hit", "fire to", "firebomb at", "firebombs at", "device at", "devices at",
		"devices in", "ignited at", "arson of", "arson at", "airstrike on", "strike on", "shooting at", "attack at", "planted at",
		"planted outside", "firebombs outside", "exploded at", "exploded outside", "exploded in", "destroyed", "حمله به", "حمله تروریستی به", "حمله مسلحانه به", "انفجار در", "انفجار",
		"تیراندازی در", "به رگبار", "هجوم به")
	attackedAfter = terms("on", false, "have been targeted", "has been targeted", "were targeted", "was targeted",
		"were attacked", "was attacked", "came under attack", "have been attacked", "مورد حمله", "هدف حمله", "هدف قرار")
)

// victimBefore and victimAfter tie the people a broad target names to the
// attack through what befell them ("killed two women", "a man was
// killed", "... حمله کردند"): specific targets need an attack word, since
// "soldiers were killed" at a parade are the parade's.
var (
	victimBefore = terms("on", false, "killed", "killing", "injured", "injuring", "wounding")
	victimAfter  = terms("on", false, "was killed", "were killed", "was injured", "were injured", "was wounded", "were wounded",
		"حمله کردند", "حمله کرد", "کشته شد", "زخمی شد")
)

// attackedBroad is attacked, or the broad target's people suffered the attack.
func (d *doc) attackedBroad(r sent, h hit) bool {
	if d.attacked(r, h) {
		return true
	}
	if _, ok := d.first(max(r.start, h.from-30), h.from, victimBefore); ok {
		return true
	}
	_, ok := d.first(h.to, min(r.end, h.to+120), victimAfter)
	return ok
}

// attacked reports whether the target word h in sentence r is what was
// attacked: an attack word shortly before it, or a passive attack verb
// after it in the same clause.
func (d *doc) attacked(r sent, h hit) bool {
	if _, ok := d.first(max(r.start, h.from-50), h.from, attackedBefore); ok {
		return true
	}
	_, ok := d.first(h.to, min(r.end, h.to+120), attackedAfter)
	return ok
}

// hasNumber reports whether s has digits or a number word.
func hasNumber(s string) bool {
	for _, w := range strings.Fields(s) {
		w = strings.Trim(w, ",.;:()\"")
		if w != "" && numberish(w) {
			return true
		}
	}
	return false
}

// firstOwn is first, leaving out matches in a relative clause about a
// person ("…, who was assassinated by the U.S. military earlier this
// year", "سردار سلیمانی که سال گذشته ترور شد"): it tells that person's
// past, not how this incident was made.
func (d *doc) firstOwn(from, to int, ts []term) (hit, bool) {
	for _, h := range d.findAll(from, to, ts) {
		if !d.inRelativeClause(from, h.from) {
			return h, true
		}
	}
	return hit{}, false
}

// inRelativeClause reports whether offset at lies in a relative clause on
// a person: in English the clause (from the last comma, after from) opens
// with "who", "whom" or "whose"; in Persian a "که" in the same clause
// follows a title within four words ("سردار قاسم سلیمانی که …").
func (d *doc) inRelativeClause(from, at int) bool {
	a := from
	if c := strings.LastIndexAny(d.n[from:at], ",;:"); c >= 0 {
		a = from + c + 1
	}
	words := wordSpans(d.n, a, at)
	if len(words) == 0 {
		return false
	}
	if d.lang != "fa" {
		w := d.n[words[0][0]:words[0][1]]
		return w == "who" || w == "whom" || w == "whose"
	}
	for i, w := range words {
		if d.n[w[0]:w[1]] != "که" {
			continue
		}
		for j := max(0, i-4); j < i; j++ {
			if titlesFa[d.n[words[j][0]:words[j][1]]] {
				return true
			}
		}
	}
	return false
}
