package acled

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

// months maps English month names and their abbreviations, lower-cased.
var months = func() map[string]time.Month {
	m := map[string]time.Month{"sept": time.September}
	for i := time.January; i <= time.December; i++ {
		name := strings.ToLower(i.String())
		m[name] = i
		m[name[:3]] = i
	}
	return m
}()

// parseDate reads an ACLED event_date: "09 May 2020" and "9 May 2020"
// (ACLED's exports), "2020-05-09" (the API, optionally with a time of day)
// and "9-May-20" (a spreadsheet's re-save). year is the row's year column,
// 0 when there is none: it settles a two-digit year's century and must
// agree with a four-digit one, since a disagreement means one of the two
// was mangled and vigil cannot tell which.
func parseDate(s string, year int) (model.Date, error) {
	s = strings.TrimSpace(s)
	if len(s) > 4 && s[4] == '-' && isDigits(s[:4]) {
		iso := s
		if i := strings.IndexAny(s, " T"); i >= 0 {
			iso = s[:i]
		}
		d, err := parseISO(iso)
		if err != nil {
			return model.Date{}, err
		}
		return d, checkYear(d, year)
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '/' })
	if len(parts) != 3 || !isDigits(parts[0]) || len(parts[0]) > 2 || !isDigits(parts[2]) {
		return model.Date{}, fmt.Errorf("date %q: want \"09 May 2020\", \"2020-05-09\" or \"9-May-20\"", s)
	}
	m, ok := months[strings.ToLower(strings.TrimSuffix(parts[1], "."))]
	if !ok {
		return model.Date{}, fmt.Errorf("date %q: unknown month %q", s, parts[1])
	}
	day, _ := strconv.Atoi(parts[0])
	y, _ := strconv.Atoi(parts[2])
	switch len(parts[2]) {
	case 4:
	case 2:
		switch {
		case year != 0 && year%100 == y:
			y = year
		case year != 0:
			return model.Date{}, fmt.Errorf("date %q: two-digit year %02d does not match year column %d", s, y, year)
		case y >= 90:
			// ACLED's coverage starts in 1997: 90–99 can only be the 1990s.
			y += 1900
		default:
			y += 2000
		}
	default:
		return model.Date{}, fmt.Errorf("date %q: year %q has neither 2 nor 4 digits", s, parts[2])
	}
	d, err := model.NewDate(y, m, day)
	if err != nil {
		return model.Date{}, fmt.Errorf("date %q: %w", s, err)
	}
	return d, checkYear(d, year)
}

// parseISO reads "YYYY-MM-DD", also with one-digit month or day.
func parseISO(s string) (model.Date, error) {
	p := strings.Split(s, "-")
	if len(p) != 3 || len(p[0]) != 4 || !isDigits(p[0]) || !isDigits(p[1]) || !isDigits(p[2]) ||
		len(p[1]) > 2 || len(p[2]) > 2 {
		return model.Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	y, _ := strconv.Atoi(p[0])
	m, _ := strconv.Atoi(p[1])
	d, _ := strconv.Atoi(p[2])
	date, err := model.NewDate(y, time.Month(m), d)
	if err != nil {
		return model.Date{}, fmt.Errorf("date %q: %w", s, err)
	}
	return date, nil
}

func checkYear(d model.Date, year int) error {
	if year != 0 && d.Year != year {
		return fmt.Errorf("date %s is in %d but the year column says %d", d, d.Year, year)
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
