package model

import (
	"fmt"
	"time"
)

// Date is a civil (Gregorian) date with no time of day or zone. The zero
// Date means unknown.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// NewDate validates and returns a date.
func NewDate(y int, m time.Month, d int) (Date, error) {
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 {
		return Date{}, fmt.Errorf("invalid date %04d-%02d-%02d", y, m, d)
	}
	if d > DaysIn(y, m) {
		return Date{}, fmt.Errorf("invalid date %04d-%02d-%02d: %s %d has %d days", y, m, d, m, y, DaysIn(y, m))
	}
	return Date{y, m, d}, nil
}

// DaysIn returns the number of days of month m in year y.
func DaysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// ParseDate parses "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// IsZero reports whether the date is unknown.
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight UTC of the date.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return DateOf(d.Time().AddDate(0, 0, n)) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	default:
		return cmpInt(d.Day, e.Day)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// String formats the date as YYYY-MM-DD, or "" when unknown.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// DatePrecision says how exactly a source knew a date.
type DatePrecision string

// Date precisions. Start and End bound the period the source allows: a
// month-precision date runs from the first to the last of that month.
const (
	PrecisionDay   DatePrecision = "day"
	PrecisionWeek  DatePrecision = "week" // UCDP date_prec 2–3: known to within a few days
	PrecisionMonth DatePrecision = "month"
	PrecisionYear  DatePrecision = "year"
)

// Valid reports whether p is a defined date precision.
func (p DatePrecision) Valid() bool {
	switch p {
	case PrecisionDay, PrecisionWeek, PrecisionMonth, PrecisionYear:
		return true
	}
	return false
}

// Period returns the start and end of the period that a year, a month and a
// day with GTD's convention (0 for unknown) denote, and its precision.
func Period(y int, m, d int) (start, end Date, p DatePrecision, err error) {
	switch {
	case m == 0:
		start, err = NewDate(y, 1, 1)
		end = Date{y, 12, 31}
		p = PrecisionYear
	case d == 0:
		start, err = NewDate(y, time.Month(m), 1)
		if err == nil {
			end = Date{y, time.Month(m), DaysIn(y, time.Month(m))}
		}
		p = PrecisionMonth
	default:
		start, err = NewDate(y, time.Month(m), d)
		end = start
		p = PrecisionDay
	}
	if err != nil {
		return Date{}, Date{}, "", err
	}
	return start, end, p, nil
}

// PlacePrecision says how exactly a source knew a place.
type PlacePrecision string

// Place precisions, finest first.
const (
	PlaceExact   PlacePrecision = "exact"   // the spot or its immediate vicinity
	PlaceCity    PlacePrecision = "city"    // a city, town or village
	PlaceAdmin2  PlacePrecision = "admin2"  // a district or county
	PlaceAdmin1  PlacePrecision = "admin1"  // a province or state
	PlaceCountry PlacePrecision = "country" // only the country
	PlaceUnknown PlacePrecision = "unknown"
)

// Valid reports whether p is a defined place precision.
func (p PlacePrecision) Valid() bool {
	switch p {
	case PlaceExact, PlaceCity, PlaceAdmin2, PlaceAdmin1, PlaceCountry, PlaceUnknown:
		return true
	}
	return false
}
