package feed

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/extract"
	"github.com/vigil-project/vigil/internal/model"
)

// ParseDate reads a feed date in the forms feeds use, for the items whose
// date the feed parser could not read: RFC 822/1123 with or without the
// weekday, with named zones (EST, CEST, IRST…), one-digit days and full
// month names; RFC 3339 with or without fractions; "2006-01-02 15:04:05"
// and bare dates; month and weekday names in Portuguese, Spanish,
// French, German and Italian ("Seg, 24 Set 2018 19:42:40 -0300"); and
// Solar Hijri dates as Iranian sites write them, with Persian digits and
// month names ("۱۴۰۲/۱۰/۱۳ - ۱۴:۳۰", "۱۳ دی ۱۴۰۲"), read by
// extract.ParseDate and taken in Iran's time (+03:30). Another time
// without a zone is taken as UTC. The result is in UTC.
func ParseDate(s string) (time.Time, error) {
	t, err := parseDate(s)
	if err == nil {
		return t, nil
	}
	if t, ok := writtenDate(s); ok {
		return t, nil
	}
	return time.Time{}, err
}

// clockTime is a time of day inside a written date.
var clockTime = regexp.MustCompile(`\b(\d{1,2}):(\d{2})(?::(\d{2}))?\b`)

// iranTime is Iran's offset: Solar Hijri dates come from Iranian sites.
// (Iran kept summer time, +04:30, until 2022; a day-precise date does not
// move by it.)
var iranTime = time.FixedZone("IRST", 3*3600+1800)

// writtenDate reads a date as people write it, through extract.ParseDate,
// with an optional time of day; only a day-precise date is a publication
// time.
func writtenDate(s string) (time.Time, bool) {
	norm := extract.Normalize(s)
	var h, m, sec int
	if loc := clockTime.FindStringSubmatchIndex(norm); loc != nil {
		h, _ = strconv.Atoi(norm[loc[2]:loc[3]])
		m, _ = strconv.Atoi(norm[loc[4]:loc[5]])
		if loc[6] >= 0 {
			sec, _ = strconv.Atoi(norm[loc[6]:loc[7]])
		}
		if h > 23 || m > 59 || sec > 59 {
			return time.Time{}, false
		}
		norm = norm[:loc[0]] + " " + norm[loc[1]:]
	}
	norm = strings.NewReplacer(" - ", " ", "ساعت", " ", "،", " ").Replace(norm)
	pd, err := extract.ParseDate(strings.TrimSpace(norm))
	if err != nil || pd.Precision != model.PrecisionDay {
		return time.Time{}, false
	}
	zone := time.UTC
	if pd.Calendar == extract.SolarHijri {
		zone = iranTime
	}
	d := pd.Start
	return time.Date(d.Year, d.Month, d.Day, h, m, sec, 0, zone).UTC(), true
}

func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("empty date")
	}
	if len(s) > 100 {
		return time.Time{}, errors.New("date too long")
	}
	// The weekday says nothing the date does not, and is where feeds
	// differ most (missing, foreign, "Mon,02"): drop it.
	s = strings.ReplaceAll(s, ",", ", ")
	fields := strings.Fields(s)
	if len(fields) > 1 {
		first := strings.ToLower(strings.TrimRight(fields[0], ",."))
		if _, ok := weekdays[first]; ok {
			fields = fields[1:]
		}
	}
	for i, f := range fields {
		w := strings.ToLower(strings.TrimRight(f, ",."))
		if m, ok := months[w]; ok {
			fields[i] = m
		} else if z, ok := zones[strings.ToUpper(strings.TrimRight(f, ","))]; ok && i == len(fields)-1 && i > 0 {
			fields[i] = z
		} else if d := strings.TrimRight(f, ",."); d != "" && strings.Trim(d, "0123456789") == "" {
			fields[i] = d // "3." is the German way of writing the day
		} else {
			fields[i] = strings.TrimRight(f, ",")
		}
	}
	s = strings.Join(fields, " ")
	for _, layout := range layouts {
		// A year before 1800 is no news date: 1402-10-13 is Solar Hijri,
		// for writtenDate.
		if t, err := time.Parse(layout, s); err == nil && t.Year() >= 1800 {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("unknown date format")
}

// layouts are tried in order on the date with its weekday removed, its
// month names in English and its named zone as an offset.
var layouts = []string{
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04:05",
	"2 Jan 2006",
	"2 January 2006 15:04:05 -0700",
	"2 January 2006 15:04 -0700",
	"2 January 2006 15:04:05",
	"2 January 2006",
	"Jan 2 2006 15:04:05 -0700",
	"January 2 2006 15:04:05 -0700",
	"January 2 2006",
	"Jan 2 2006",
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/01/02 15:04:05",
	"2006/01/02",
}

// zones are the named time zones feeds write, as offsets: Go's parser
// knows a name's offset only when it is the local zone's.
var zones = map[string]string{
	"UT": "+0000", "UTC": "+0000", "GMT": "+0000", "Z": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
	"AKST": "-0900", "AKDT": "-0800", "HST": "-1000",
	"WET": "+0000", "WEST": "+0100", "BST": "+0100", "CET": "+0100", "CEST": "+0200",
	"MET": "+0100", "MEST": "+0200", "EET": "+0200", "EEST": "+0300", "MSK": "+0300",
	"IRST": "+0330", "IRDT": "+0430", "AFT": "+0430", "PKT": "+0500", "JST": "+0900",
	"KST": "+0900", "HKT": "+0800", "SGT": "+0800", "AEST": "+1000", "AEDT": "+1100",
	"NZST": "+1200", "NZDT": "+1300", "BRT": "-0300", "ART": "-0300",
}

// months maps month names and abbreviations (English, Portuguese,
// Spanish, French, German, Italian), lower case without a final dot, to
// the English abbreviation.
var months = monthNames()

// weekdays are weekday names and abbreviations in the same languages.
var weekdays = weekdayNames()

func monthNames() map[string]string {
	months := map[string]string{}
	for en, names := range map[string][]string{
		"Jan": {"jan", "january", "janeiro", "ene", "enero", "janv", "janvier", "januar", "gen", "gennaio"},
		"Feb": {"feb", "february", "fev", "fevereiro", "febrero", "févr", "fevr", "février", "fevrier", "februar", "febbraio"},
		"Mar": {"mar", "march", "março", "marco", "marzo", "mars", "mär", "märz", "maerz"},
		"Apr": {"apr", "april", "abr", "abril", "avr", "avril", "aprile"},
		"May": {"may", "mai", "maio", "mayo", "mag", "maggio"},
		"Jun": {"jun", "june", "junho", "junio", "juin", "juni", "giu", "giugno"},
		"Jul": {"jul", "july", "julho", "julio", "juil", "juillet", "juli", "lug", "luglio"},
		"Aug": {"aug", "august", "ago", "agosto", "août", "aout", "aoû"},
		"Sep": {"sep", "sept", "september", "set", "setembro", "septiembre", "septembre", "settembre"},
		"Oct": {"oct", "october", "out", "outubro", "octubre", "octobre", "okt", "oktober", "ott", "ottobre"},
		"Nov": {"nov", "november", "novembro", "noviembre", "novembre"},
		"Dec": {"dec", "december", "dez", "dezembro", "dic", "diciembre", "déc", "décembre", "decembre", "dezember", "dicembre"},
	} {
		for _, n := range names {
			months[n] = en
		}
	}
	return months
}

func weekdayNames() map[string]struct{} {
	weekdays := map[string]struct{}{}
	for _, d := range []string{
		"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
		"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
		"seg", "ter", "qua", "qui", "sex", "sáb", "sab", "dom", // Portuguese
		"lun", "mié", "mie", "jue", "vie", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo",
		"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "mer", "jeu", "ven", "sam", "dim",
		"mo", "di", "mi", "do", "fr", "sa", "so", "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag",
		"lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "gio",
	} {
		weekdays[d] = struct{}{}
	}
	return weekdays
}
