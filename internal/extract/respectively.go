package extract

import (
	"regexp"
	"strconv"
	"strings"
)

// Two figures told together for two kinds of harm: "killed and wounded 17
// and 43 people respectively", "the number of dead and injured stood at 17
// and 43", "به ترتیب ۱۷ و ۴۳ نفر کشته و زخمی شدند", "شمار کشته‌ها و
// زخمی‌ها به ترتیب ۱۷ و ۴۳ نفر". One verb (or one "stood at") governs
// both figures, so neither keyword has a figure of its own next to it: the
// pair of figures is matched to the pair of kinds in order.

// figurePair is "17 and 43", "۱۷ و ۴۳" (digits; normalised text).
var figurePair = regexp.MustCompile(`(^|[^0-9.,])([0-9]{1,3}(?:,[0-9]{3})*|[0-9]+)(?: people| persons| نفر| تن)? (?:and|و) ([0-9]{1,3}(?:,[0-9]{3})*|[0-9]+)(?:$|[^0-9,.]|[.,](?:$|[^0-9]))`)

// respectivelyWords pair the figures with the kinds in order.
var respectivelyWords = terms("respectively", false, "respectively", "به ترتیب")

// anyNumber finds the figures of a sentence, to tell a lone pair.
var anyNumber = regexp.MustCompile(`[0-9]+`)

// respectiveFigures reads a killed and a wounded figure from sentence s
// when it pairs the two kinds ("killed and wounded") with two figures and
// holds no other number; the first figure goes to the kind named first.
func (d *doc) respectiveFigures(s sent) (killed, wounded figureHit, ok bool) {
	k, kok := d.first(s.start, s.end, killedWords)
	w, wok := d.first(s.start, s.end, woundedWords)
	if !kok || !wok {
		return
	}
	first, second := k, w
	if w.from < k.from {
		first, second = w, k
	}
	if first.to > second.from {
		return
	}
	gap := d.n[first.to:second.from]
	if len(gap) > 40 || !(strings.Contains(" "+gap+" ", " and ") || strings.Contains(" "+gap+" ", " و ")) {
		return
	}
	text := d.n[s.start:s.end]
	m := figurePair.FindStringSubmatchIndex(text)
	if m == nil {
		return
	}
	if len(anyNumber.FindAllStringIndex(strings.ReplaceAll(text, ",", ""), -1)) != 2 {
		return // a lone pair only: other numbers may be the figures' own
	}
	if _, resp := d.first(s.start, s.end, respectivelyWords); !resp {
		// without "respectively" the pair must be what the two kinds came to:
		// "… rose to 17 and 43", "… stood at 17 and 43", "… به ۱۷ و ۴۳ نفر رسید",
		// not "on June 7 and 8 … killed and wounded"
		before := strings.TrimRight(text[:m[4]], " ")
		to := false
		for _, p := range []string{" to", " at", " reached", " به"} {
			to = to || strings.HasSuffix(before, p)
		}
		if s.start+m[4] < second.to || !to {
			return
		}
	}
	a, okA := pairValue(text[m[4]:m[5]])
	b, okB := pairValue(text[m[6]:m[7]])
	if !okA || !okB {
		return
	}
	hitOf := func(v, from, to int) figureHit {
		return figureHit{c: Count{Low: ptr(v), High: ptr(v), Qualifier: "exact"}, stated: v,
			span: d.span(s.start+from, s.start+to), at: s.start + from, end: s.start + to}
	}
	fa, fb := hitOf(a, m[4], m[5]), hitOf(b, m[6], m[7])
	if first == k {
		return fa, fb, true
	}
	return fb, fa, true
}

// pairValue reads one figure of a pair, "1,200" included.
func pairValue(s string) (int, bool) {
	v, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	return v, err == nil && v >= 0 && v < 1_000_000
}
