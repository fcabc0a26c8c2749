package extract

import "strings"

// secondaryIncidents reads the incidents a text mentions besides the main
// one, as the labels list them: a sentence naming an attack with a date
// of its own that the text writes out with its year ("In August 2016, …
// in clashes in Kermanshah") and that differs from the main incident's;
// and, when the main incident is a state action, the attack it answers.
// They are kept sparse: place, date, attack type and a killed figure of
// their own sentence only.
func (d *doc) secondaryIncidents(main Incident) []Incident {
	var out []Incident
	seen := map[string]bool{}
	if main.Date != nil {
		seen[*main.Date] = true
	}
	for si, s := range d.sents {
		if si == d.anchor {
			continue
		}
		if _, ok := d.first(s.start, s.end, attackNouns); !ok {
			continue
		}
		if _, war := d.first(s.start, s.end, warCues); war {
			continue // the labels code no war as a whole ("the Iran-Iraq war in September 1980")
		}
		if !hasYear(d.n[s.start:s.end]) {
			continue // a written date of its own has a year: skip the date regexps without one
		}
		var date *dateCand
		for _, c := range d.datesIn(s.start, s.end) {
			if c.fromText && c.date != "" {
				date = &c
				break
			}
		}
		if date == nil || seen[date.date] || main.Date != nil && strings.HasPrefix(*main.Date, date.date) {
			continue // no date of its own, or the main incident's at a coarser precision
		}
		seen[date.date] = true
		out = append(out, d.incidentIn(s, date))
	}
	// An attack the text recalls without a date but names well enough to
	// be identified ("the attack on the parliament in Tehran"), somewhere
	// or on a day other than the main incident's: dated from the table of
	// known events, never from the publication date.
	if !d.state {
		for si, s := range d.sents {
			if si == d.anchor {
				continue
			}
			if _, ok := d.first(s.start, s.end, attackNouns); !ok {
				continue
			}
			if _, ok := d.first(s.start, s.end, eventCues); !ok {
				continue // no known event's word: skip reading the sentence
			}
			inc := d.incidentIn(s, nil)
			if inc.City == nil || main.City != nil && *inc.City == *main.City {
				continue
			}
			k, ok := d.knownEventIn(&inc, s.start, s.end, false)
			if !ok || seen[k.date] {
				continue
			}
			seen[k.date] = true
			inc.Date, inc.DatePrecision, inc.DateFromText = ptr(k.date), "day", false
			inc.note("date from the known event: " + k.name)
			out = append(out, inc)
		}
	}
	if d.state {
		for si, s := range d.sents {
			if d.about(si) {
				continue
			}
			if _, ok := d.first(s.start, s.end, attackNouns); !ok {
				continue
			}
			inc := d.incidentIn(s, nil)
			if inc.City == nil {
				continue
			}
			k, ok := d.knownEvent(&inc)
			if !ok || seen[k.date] {
				continue // only an attack the text identifies: other background is too loose to report
			}
			inc.Date, inc.DatePrecision, inc.DateFromText = ptr(k.date), "day", false
			inc.note("date from the known event: " + k.name)
			out = append(out, inc)
			break
		}
	}
	return out
}

// incidentIn reads a secondary incident from one sentence.
func (d *doc) incidentIn(s sent, date *dateCand) Incident {
	inc := Incident{AttackType: "unknown", DateFromText: true, Spans: map[string]Span{}, KilledAllValues: []string{}}
	if date != nil {
		inc.Date, inc.DatePrecision, inc.dateEnd = ptr(date.date), date.prec, date.end
		sp := d.span(date.from, date.to)
		inc.DateAsWritten = ptr(sp.Text)
		inc.Spans["date"] = sp
		if date.note != "" {
			inc.note(date.note)
		}
	}
	if p, sp, pat, ok := d.findPlace(s.start, s.end, false, ""); ok {
		if h, ok := d.first(s.start, s.end, attackNouns); ok {
			p, sp, _ = d.nearestPlace(s, h.from, "", p, sp, pat) // "a brigade in Mosul, in clashes … in Kermanshah"
		}
		setPlace(&inc, p, sp)
	} else if c, sp, _, ok := d.findCountry(s.start, s.end); ok {
		inc.Country = ptr(c)
		inc.Spans["country"] = sp
	}
	for _, c := range attackTypeCues {
		if h, ok := d.first(s.start, s.end, c.ts); ok {
			inc.AttackType = c.typ
			inc.Spans["attack_type"] = d.span(h.from, h.to)
			break
		}
	}
	var best *figureHit
	for _, h := range d.findAll(s.start, s.end, killedWords) {
		if f, ok := d.figureNear(s, h); ok && (best == nil || f.stated > best.stated) {
			best = &f
		}
	}
	if best != nil {
		inc.Killed = &best.c
		inc.Spans["killed"] = best.span
		inc.KilledAllValues = append(inc.KilledAllValues, best.span.Text)
	}
	return inc
}

// hasYear reports whether s has a run of three or four digits.
func hasYear(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			run++
			continue
		}
		if run == 3 || run == 4 {
			return true
		}
		run = 0
	}
	return run == 3 || run == 4
}
