package fuse

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-project/vigil/internal/model"
)

// attackersIn returns the number of attackers a claim's killed figure
// counts: known reports whether the claim's killed figure includes them,
// n (≥ 0) their number, or -1 when it includes them without saying how many.
func attackersIn(c *model.Claim) (known bool, n int) {
	code, bySource := killedInclAttackers[c.Source]
	if !bySource && !truthy(c.Codes[CodeKilledInclAttackers]) && !slices.Contains(c.Flags, flagIncludesAttackers) {
		return false, 0
	}
	for _, k := range []string{CodeAttackersKilled, codeAttackersIncluded, code} {
		if k == "" {
			continue
		}
		if v, err := strconv.Atoi(strings.TrimSpace(c.Codes[k])); err == nil && v >= 0 {
			return true, v
		}
	}
	if bySource && c.Killed != nil && c.Killed.Best == 0 {
		return true, 0 // no one died, attackers included
	}
	return true, -1
}

// victims returns the victims' range of a killed figure that counts
// attackers: minus their number when known; else the figure only bounds
// the victims from above.
func victims(r model.Range, n int) model.Range {
	if n < 0 {
		return model.Range{Low: 0, Best: r.Best, High: r.High, Qualifier: model.UpTo}
	}
	sub := func(x int) int { return max(0, x-n) }
	return model.Range{Low: sub(r.Low), Best: sub(r.Best), High: sub(r.High), Qualifier: r.Qualifier}
}

// partScopes begin a figure's note that scopes it to one site or part of
// an incident ("2 (at shrine)", "5 in hospital", "در حرم"): such a figure
// counts part of the victims, not all of them.
var partScopes = []string{"at ", "in ", "inside ", "near ", "outside ", "on ", "only ", "one site", "first ", "second ", "در ", "فقط "}

// partial reports whether a claim's figure (killed, or wounded when
// !killed) is scoped by its note to one site or part of the incident.
func partial(c *model.Claim, killed bool) bool {
	code := codeInjuredNote
	if killed {
		code = codeKilledNote
	}
	note := strings.ToLower(strings.TrimSpace(c.Codes[code]))
	if note == "" {
		return false
	}
	for _, p := range partScopes {
		if strings.HasPrefix(note+" ", p) {
			return true
		}
	}
	return false
}

// reconcileFigure reconciles one figure (killed or wounded) and records
// its rule, timeline and contest. The rule, in order:
//
//  1. Every figure goes on the timeline, in time order (published, else
//     fetched), marked superseded, claimant or retracted as it is.
//  2. Killed figures that count the attackers become victims' figures:
//     minus the attackers when their number is given, else "up to".
//  3. A voice's later figure supersedes its earlier ones (corrections).
//  4. Current figures of credible voices count (not the perpetrator's own,
//     not retracted, not marked unconfirmed, not machine-coded — unless
//     machine-coded figures are all there is).
//  5. best = the most recent current figure of the most reliable class
//     present (authority > wire > dataset of record > media > machine);
//     within the class, figures are preferred to bounds ("at least 8"
//     from the same class as "24" does not make 8 the best).
//  6. low = the lowest lower bound of current credible figures ("up to"
//     and "at least" give none; only "at least" bounds when nothing else does), raised to the highest "at least" bound of the best's
//     class or above, never above best; high = the highest upper bound
//     ("at least" gives its number), never below best.
//  7. Contested when credible current bests differ by a factor above 1.5
//     and by more than 3.
//
// A figure scoped to one site or part ("2 (at shrine)", see partial) is a
// lower bound of the whole: it never becomes best while any current
// credible figure counts the whole incident, and it takes no part in the
// contest; it can raise low like "at least".
func reconcileFigure(f *Fused, name string, items []item, get func(*model.Claim) *model.Range, killed bool) *model.Range {
	type fig struct {
		it    *item
		r     model.Range // victims' figure
		given model.Range
		part  bool // scoped to one site or part: a bound of the whole
	}
	var figs []fig
	for i := range items {
		it := &items[i]
		r := get(&it.e.Claim)
		if r == nil {
			continue
		}
		v := *r
		if killed {
			if incl, n := attackersIn(&it.e.Claim); incl {
				v = victims(v, n)
			}
		}
		part := partial(&it.e.Claim, killed)
		if part && v.Qualifier != model.UpTo {
			v = model.Range{Low: v.Low, Best: v.Best, High: v.Best, Qualifier: model.AtLeast}
		}
		figs = append(figs, fig{it: it, r: v, given: *r, part: part})
	}
	if len(figs) == 0 {
		f.Rules[name] = "no claim gives a figure"
		return nil
	}
	// Supersession: the last live figure of each voice is current.
	// The last live figure of each voice is current; a figure flagged as
	// earlier only when its voice has no other.
	last := map[string]int{}
	for _, earlier := range []bool{true, false} {
		for k, g := range figs {
			if !g.it.retracted && slices.Contains(g.it.e.Claim.Flags, flagEarlierFigure) == earlier {
				last[g.it.voice] = k
			}
		}
	}
	// A figure the page itself gives as earlier (flagEarlierFigure) is
	// superseded by the page's own later figure, whatever the times say.
	laterOnPage := map[string]bool{}
	for _, g := range figs {
		if u := g.it.e.Claim.Codes[codeURL]; u != "" && !g.it.retracted && !slices.Contains(g.it.e.Claim.Flags, flagEarlierFigure) {
			laterOnPage[u] = true
		}
	}
	isCurrent := func(k int) bool {
		g := figs[k]
		if g.it.retracted || last[g.it.voice] != k {
			return false
		}
		return !(slices.Contains(g.it.e.Claim.Flags, flagEarlierFigure) && laterOnPage[g.it.e.Claim.Codes[codeURL]])
	}
	superseded := 0
	timeline := make([]Revision, len(figs))
	for k, g := range figs {
		sup := !g.it.retracted && !isCurrent(k)
		if sup {
			superseded++
		}
		timeline[k] = Revision{Time: g.it.e.at(), Value: g.given, Source: g.it.e.Claim.Source, Voice: g.it.voice,
			Class: g.it.class.String(), ClaimID: g.it.e.Claim.ID, Superseded: sup, Claimant: g.it.claimant, Retracted: g.it.retracted}
	}
	f.Timeline[name] = timeline

	var cur []fig
	claimants := 0
	for k, g := range figs {
		if !isCurrent(k) {
			continue
		}
		if g.it.claimant {
			claimants++
			continue
		}
		if truthy(g.it.e.Claim.Codes[CodeUnconfirmed]) {
			continue
		}
		cur = append(cur, g)
	}
	credibleOnly := cur[:0:0]
	for _, g := range cur {
		if g.it.class > ClassMachine {
			credibleOnly = append(credibleOnly, g)
		}
	}
	note := ""
	if len(credibleOnly) > 0 {
		cur = credibleOnly
	} else if len(cur) > 0 {
		note = "; machine-coded figures only"
	}
	if len(cur) == 0 {
		if claimants > 0 {
			// Only the perpetrator's own figure: it may bound from above
			// but never sets the best.
			hi := 0
			for _, g := range figs {
				if g.it.claimant && !g.it.retracted {
					hi = max(hi, g.r.High, g.r.Best)
				}
			}
			f.Rules[name] = "only the perpetrator's own figure: best not raised above 0, high from the claim"
			return &model.Range{Low: 0, Best: 0, High: hi, Qualifier: model.UpTo}
		}
		f.Rules[name] = "no current credible figure (retracted or unconfirmed only)"
		return nil
	}

	// The best comes from figures of the whole incident; partial ones
	// only when no other figure is left.
	whole := cur[:0:0]
	for _, g := range cur {
		if !g.part {
			whole = append(whole, g)
		}
	}
	parts := len(cur) - len(whole)
	if len(whole) == 0 {
		whole = cur
	}
	bestClass := ClassMachine
	for _, g := range whole {
		bestClass = max(bestClass, g.it.class)
	}
	// Time order: the last one of the class is the most recent. A bound
	// ("at least", "up to") is best only when the class gives no figure.
	var best fig
	found := false
	for _, bounded := range []bool{false, true} {
		for _, g := range whole {
			q := g.r.Qualifier
			if g.it.class == bestClass && (q == model.AtLeast || q == model.UpTo) == bounded {
				best, found = g, true
			}
		}
		if found {
			break
		}
	}
	b := best.r.Best
	lo, hi := -1, -1
	floor, atLeast := -1, -1
	mn, mx := -1, -1
	for _, g := range cur {
		r := g.r
		l, h := min(r.Low, r.Best, r.High), max(r.Low, r.Best, r.High)
		switch r.Qualifier {
		case model.UpTo:
			hi = max(hi, h)
		case model.AtLeast:
			// "At least n" only raises: it never lowers the low that
			// figures give.
			atLeast = max(atLeast, l)
			hi = max(hi, l)
			if g.it.class >= bestClass {
				floor = max(floor, l)
			}
		default:
			if lo < 0 || l < lo {
				lo = l
			}
			hi = max(hi, h)
		}
		if g.part && parts < len(cur) {
			continue // a part is no rival to the whole in the contest
		}
		if mn < 0 || r.Best < mn {
			mn = r.Best
		}
		mx = max(mx, r.Best)
	}
	if lo < 0 {
		lo = max(atLeast, 0)
	}
	lo = min(max(lo, min(floor, b)), b)
	hi = max(hi, b)
	out := &model.Range{Low: lo, Best: b, High: hi}
	switch {
	case lo == b && b == hi:
		out.Qualifier = best.r.Qualifier
		if out.Qualifier == "" {
			out.Qualifier = model.Exact
		}
	case best.r.Qualifier == model.AtLeast && hi == b:
		out.Qualifier = model.AtLeast
	}
	if parts > 0 {
		note += fmt.Sprintf("; %d figures of one site or part kept as lower bounds, not as best", parts)
	}
	f.Rules[name] = fmt.Sprintf("best: most recent figure of the most reliable class (%s, %s: %d); range over %d current credible figures, qualifiers respected; %d superseded by later figures of the same voice; %d perpetrator figures not used%s",
		bestClass, best.it.e.Claim.ID, b, len(cur), superseded, claimants, note)
	if mx > contestedAbs && mx-mn > contestedAbs && (mn == 0 || float64(mx)/float64(mn) > contestedRatio) {
		f.Contested = append(f.Contested, name)
	}
	return out
}

// reconcileAttackers keeps the attackers killed apart: the most recent
// figure of the most reliable class that gives one.
func reconcileAttackers(f *Fused, live []item) {
	var pick *item
	n := -1
	for i := range live {
		it := &live[i]
		if !it.credible() {
			continue
		}
		_, k := attackersIn(&it.e.Claim)
		if v, err := strconv.Atoi(strings.TrimSpace(it.e.Claim.Codes[CodeAttackersKilled])); err == nil && v >= 0 {
			k = v
		}
		if k < 0 || (k == 0 && it.e.Claim.Codes[CodeAttackersKilled] == "" && it.e.Claim.Codes[killedInclAttackers[it.e.Claim.Source]] == "") {
			continue
		}
		if pick == nil || it.class >= pick.class {
			pick, n = it, k
		}
	}
	if pick != nil {
		f.AttackersKilled = model.Point(n, model.Exact)
		f.Rules["attackers_killed"] = fmt.Sprintf("kept apart from killed: most recent figure of the most reliable class (%s)", pick.e.Claim.ID)
	}
}
