package extract

import (
	"strconv"
	"strings"

	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/model"
)

// A day counted from a known attack: "just three days after a deadly
// assault in the capital Tehran, … killed the mastermind", "سه روز پس از
// حمله تروریستی زاهدان". The attack is identified as a known event
// (events.tsv) by the place named after "after" and the event's cue
// words; the date is its date plus the count.

var (
	smallNumbersEn = map[string]int{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
		"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a": 1}
	smallNumbersFa = map[string]int{"یک": 1, "دو": 2, "سه": 3, "چهار": 4, "پنج": 5, "شش": 6, "هفت": 7, "هشت": 8,
		"نه": 9, "ده": 10, "یازده": 11, "دوازده": 12}
	dayUnits = map[string]int{"day": 1, "days": 1, "week": 7, "weeks": 7, "روز": 1, "هفته": 7}
)

// daysAfterEvent finds "N days|weeks after <attack>" in the anchor
// sentence and the known event that attack is; it returns the date N days
// after the event's, and the words that said so.
func (d *doc) daysAfterEvent() (date string, from, to int, ev knownEv, ok bool) {
	s := d.sents[d.anchor]
	words := wordSpans(d.n, s.start, s.end)
	tok := func(i int) string { return d.n[words[i][0]:words[i][1]] }
	for i := 0; i+2 < len(words); i++ {
		unit, isUnit := dayUnits[tok(i+1)]
		if !isUnit {
			continue
		}
		n, isNum := 0, false
		if v, err := strconv.Atoi(tok(i)); err == nil && v > 0 && v < 400 {
			n, isNum = v, true
		} else if v, ok := smallNumbersEn[tok(i)]; ok && d.lang == "en" {
			n, isNum = v, true
		} else if v, ok := smallNumbersFa[tok(i)]; ok && d.lang == "fa" {
			n, isNum = v, true
		}
		after := tok(i+2) == "after" || d.lang == "fa" && i+3 < len(words) && (tok(i+2) == "پس" || tok(i+2) == "بعد") && tok(i+3) == "از"
		if !isNum || !after {
			continue
		}
		// the attack and its place follow, in the same clause
		a := words[i+2][1]
		b := min(s.end, a+160)
		if c := strings.IndexAny(d.n[a:b], ",;:"); c >= 0 {
			b = a + c
		}
		if _, atk := d.first(a, b, attackNouns); !atk {
			continue
		}
		p, _, _, found := d.findPlace(a, b, false, "")
		if !found {
			continue
		}
		var tmp Incident
		if p.Kind == gazetteer.City {
			tmp.City = ptr(p.Name)
		}
		tmp.Country = ptr(p.Country)
		k, kok := d.knownEvent(&tmp)
		if !kok {
			continue
		}
		day, err := model.ParseDate(k.date)
		if err != nil {
			continue
		}
		return day.AddDays(n * unit).String(), words[i][0], b, k, true
	}
	return "", 0, 0, knownEv{}, false
}
