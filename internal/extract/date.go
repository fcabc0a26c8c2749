package extract

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

// Calendar is the calendar a date was written in.
type Calendar string

// Calendars read by ParseDate.
const (
	Gregorian  Calendar = "gregorian"
	SolarHijri Calendar = "solar_hijri" // the Iranian civil calendar (Jalali)
)

// DateOptions tell ParseDateWith what the surrounding text says.
type DateOptions struct {
	// Calendar, when set, is the calendar of a date that names no month
	// and carries no calendar marker: with Gregorian, "1401" is the year
	// 1401 AD. With SolarHijri only years up to 1499 are read as Solar
	// Hijri: a Persian text that writes ۲۰۲۴ means the Gregorian year.
	Calendar Calendar
	// MonthFirst reads a numeric date with the year last whose day and
	// month could be either ("07/04/2016") month first, as the United
	// States writes it. Callers set it only when the text's place is in
	// the US: elsewhere the same string is 7 April.
	MonthFirst bool
}

// ParsedDate is a date as written, converted to the Gregorian period it
// denotes.
type ParsedDate struct {
	// Start and End bound the period: the same day for day precision, the
	// first and last day of the month or year otherwise. A Solar Hijri
	// month or year spans two Gregorian ones ("Dey 1402" is 2023-12-22 to
	// 2024-01-20).
	Start, End model.Date
	Precision  model.DatePrecision
	Calendar   Calendar
	// Year, Month and Day are as written, in Calendar; Month and Day are 0
	// when not given.
	Year, Month, Day int
}

// ErrNotDate is wrapped by ParseDate's errors for text that is not a date.
var ErrNotDate = errors.New("not a date")

// hijriYearMin and hijriYearMax bound the numeric years read as Solar Hijri
// when nothing else tells the calendar: 1200–1499 SH is 1821–2121 AD,
// while Gregorian 1200–1499 is the Middle Ages, which no incident source
// reports. Years outside the band are Gregorian.
const (
	hijriYearMin = 1200
	hijriYearMax = 1499
)

// ParseDate reads a date written as people write it, in either calendar:
//
//	2024-01-03, 2024/01/03, 2024-01, 2024       Gregorian ISO-like (year first)
//	3 January 2024, January 3, 2024, Jan 2024   Gregorian with an English month name
//	Wednesday, 3rd January 2024                 weekdays and ordinal suffixes are ignored
//	۱۴۰۲/۱۰/۱۳, 1402-10-13, ۱۴۰۲/۱۰             Solar Hijri, year first (by the year rule below)
//	۱۳ دی ۱۴۰۲, ۱۳ دی ماه ۱۴۰۲, 13 Dey 1402      Solar Hijri with a Persian or Latin month name
//	۳ ژانویه ۲۰۲۴                               Gregorian with a Persian month name
//	1401 ه.ش, 1401 SH, 2022 میلادی, 2022 AD     a calendar marker decides
//
// The calendar is decided by, in order: a month name (each belongs to one
// calendar); a marker ("هجری شمسی", "ه.ش", "شمسی", "خورشیدی", "SH", "AP"
// for Solar Hijri; "میلادی", "م", "AD", "CE" for Gregorian); the caller's
// DateOptions.Calendar; and last the year rule: a year from 1200 to 1499
// is Solar Hijri, any other Gregorian. So "1402" alone is the Solar Hijri
// year 2023-03-21 to 2024-03-19, "2024" the Gregorian year; an English
// text that really means the year 1402 AD says so with "AD" or passes
// Calendar: Gregorian. Lunar Hijri dates ("قمری", "AH") are refused rather
// than misread.
func ParseDate(s string) (ParsedDate, error) { return ParseDateWith(s, DateOptions{}) }

// dateItem is one meaningful piece of a date: a number or a month name.
type dateItem struct {
	num, digits int
	month       int      // 1–12 when a month name
	cal         Calendar // the month name's calendar
	sep         string   // a separator symbol: "/", "-", "."
}

// ParseDateWith is ParseDate with what the context says about the calendar.
func ParseDateWith(s string, opt DateOptions) (ParsedDate, error) {
	fail := func(reason string) (ParsedDate, error) {
		return ParsedDate{}, fmt.Errorf("date %q: %s: %w", s, reason, ErrNotDate)
	}
	norm := Normalize(s)
	toks := tokenize(norm)
	var items []dateItem
	marker := Calendar("")
	setMarker := func(c Calendar) bool {
		if marker != "" && marker != c {
			return false
		}
		marker = c
		return true
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case tokNum:
			if t.val < 0 || strings.Contains(t.text, ",") {
				return fail("number out of range")
			}
			items = append(items, dateItem{num: t.val, digits: len(t.text)})
		case tokSym:
			switch t.text {
			case "/", "-", ".":
				items = append(items, dateItem{sep: t.text})
			case ",", "(", ")":
			default:
				return fail(fmt.Sprintf("unexpected %q", t.text))
			}
		case tokWord:
			w := strings.TrimSuffix(t.text, ".")
			if m, c, ok := monthName(strings.TrimSuffix(w, "ماه")); ok && w != "ماه" {
				items = append(items, dateItem{month: m, cal: c})
				continue
			}
			switch {
			case weekdays[w], fillerWords[w]:
			case hijriMarkers[w]:
				if !setMarker(SolarHijri) {
					return fail("conflicting calendar markers")
				}
			case gregorianMarkers[w]:
				if !setMarker(Gregorian) {
					return fail("conflicting calendar markers")
				}
			case w == "قمری" || w == "ah" || w == "ق":
				return fail("lunar Hijri dates are not read")
			case (w == "st" || w == "nd" || w == "rd" || w == "th") && i > 0 && toks[i-1].kind == tokNum && toks[i-1].to == t.from:
			case w == "ه" || w == "ش":
				// "ه.ش" / "ه ش": Hijri Shamsi abbreviated; the dot is a separator token
				if !setMarker(SolarHijri) {
					return fail("conflicting calendar markers")
				}
			default:
				return fail(fmt.Sprintf("unknown word %q", t.text))
			}
		}
	}
	// Dots in "ه.ش" are not separators between numbers: drop separators
	// that do not sit between two numbers.
	var clean []dateItem
	for i, it := range items {
		if it.sep != "" && (i == 0 || i == len(items)-1 || items[i-1].sep != "" || items[i-1].month != 0 ||
			items[i+1].sep != "" || items[i+1].month != 0) {
			continue
		}
		clean = append(clean, it)
	}
	y, m, d, cal, err := layout(clean, opt.MonthFirst)
	if err != nil {
		return fail(err.Error())
	}
	if cal != "" && marker != "" && cal != marker {
		return fail("month name and calendar marker disagree")
	}
	if cal == "" {
		cal = marker
	}
	if cal == "" && opt.Calendar == Gregorian || opt.Calendar == SolarHijri && y <= hijriYearMax {
		cal = opt.Calendar
	}
	if cal == "" {
		cal = Gregorian
		if y >= hijriYearMin && y <= hijriYearMax {
			cal = SolarHijri
		}
	}
	pd, err := period(y, m, d, cal)
	if err != nil {
		return fail(err.Error())
	}
	return pd, nil
}

// layout finds year, month and day in the items: numeric year-first with
// separators, or a month name with a day before or after it.
func layout(items []dateItem, monthFirst bool) (y, m, d int, cal Calendar, err error) {
	var nums []dateItem
	mi := -1
	for i, it := range items {
		switch {
		case it.month != 0:
			if mi >= 0 {
				return 0, 0, 0, "", errors.New("two month names")
			}
			mi = i
		case it.sep == "":
			nums = append(nums, it)
		}
	}
	if mi >= 0 {
		cal = items[mi].cal
		m = items[mi].month
		for _, it := range items {
			if it.sep != "" {
				return 0, 0, 0, "", errors.New("separator beside a month name")
			}
		}
		switch len(nums) {
		case 1: // "January 2024", "دی ۱۴۰۲"
			if nums[0].digits < 3 {
				return 0, 0, 0, "", errors.New("month without a year")
			}
			return nums[0].num, m, 0, cal, nil
		case 2: // "3 January 2024", "January 3, 2024", "۱۳ دی ۱۴۰۲"
			a, b := nums[0], nums[1]
			if b.digits >= 3 && a.digits <= 2 {
				return b.num, m, a.num, cal, nil
			}
			return 0, 0, 0, "", errors.New("want day and year beside the month name")
		}
		return 0, 0, 0, "", errors.New("want a day and a year beside the month name")
	}
	// numeric: Y, Y-M, Y-M-D with one kind of separator between numbers
	var seps []string
	for _, it := range items {
		if it.sep != "" {
			seps = append(seps, it.sep)
		}
	}
	for _, sp := range seps {
		if sp != seps[0] {
			return 0, 0, 0, "", errors.New("mixed separators")
		}
	}
	if len(seps) != len(nums)-1 && len(nums) > 1 {
		return 0, 0, 0, "", errors.New("numbers without separators")
	}
	switch len(nums) {
	case 1:
		if nums[0].digits < 3 {
			return 0, 0, 0, "", errors.New("a year has three or four digits")
		}
		return nums[0].num, 0, 0, "", nil
	case 2, 3:
		if len(nums) == 3 && nums[0].digits <= 2 && nums[1].digits <= 2 && nums[2].digits == 4 &&
			nums[2].num >= hijriYearMin && nums[2].num <= hijriYearMax {
			// "۱۳/۱۰/۱۴۰۲": Persian writes a Solar Hijri date day first too,
			// never month first; a Gregorian year must still come first,
			// as 12/06/2017 is June or December by country
			return nums[2].num, nums[1].num, nums[0].num, SolarHijri, nil
		}
		if len(nums) == 3 && nums[0].digits <= 2 && nums[1].digits <= 2 && nums[2].digits == 4 && nums[2].num > hijriYearMax {
			// "05/20/2012" (a US summary) and "20/05/2012" (a European
			// one): a Gregorian year last is read only when a part above
			// 12 tells the day from the month; 12/06/2017 stays unread
			a, b := nums[0].num, nums[1].num
			switch {
			case a > 12 && a <= 31 && b >= 1 && b <= 12:
				return nums[2].num, b, a, "", nil
			case b > 12 && b <= 31 && a >= 1 && a <= 12:
				return nums[2].num, a, b, "", nil
			case monthFirst && a >= 1 && a <= 12 && b >= 1 && b <= 12:
				return nums[2].num, a, b, "", nil
			}
			return 0, 0, 0, "", errors.New("day and month ambiguous: write the year first (YYYY-MM-DD)")
		}
		if nums[0].digits < 3 {
			return 0, 0, 0, "", errors.New("write the year first (YYYY-MM-DD)")
		}
		y, m = nums[0].num, nums[1].num
		if len(nums) == 3 {
			d = nums[2].num
		}
		return y, m, d, "", nil
	}
	return 0, 0, 0, "", errors.New("no date")
}

// period converts a date of a calendar with its precision to the
// Gregorian period it denotes.
func period(y, m, d int, cal Calendar) (ParsedDate, error) {
	pd := ParsedDate{Calendar: cal, Year: y, Month: m, Day: d}
	if m < 0 || m > 12 || d < 0 || (m == 0 && d != 0) {
		return ParsedDate{}, errors.New("month or day out of range")
	}
	if cal == Gregorian {
		start, end, p, err := model.Period(y, m, d)
		if err != nil {
			return ParsedDate{}, err
		}
		pd.Start, pd.End, pd.Precision = start, end, p
		return pd, nil
	}
	var err error
	switch {
	case m == 0:
		pd.Precision = model.PrecisionYear
		pd.Start, err = HijriToGregorian(y, 1, 1)
		if err == nil {
			pd.End, err = HijriToGregorian(y, 12, HijriMonthDays(y, 12))
		}
	case d == 0:
		pd.Precision = model.PrecisionMonth
		pd.Start, err = HijriToGregorian(y, m, 1)
		if err == nil {
			pd.End, err = HijriToGregorian(y, m, HijriMonthDays(y, m))
		}
	default:
		pd.Precision = model.PrecisionDay
		pd.Start, err = HijriToGregorian(y, m, d)
		pd.End = pd.Start
	}
	if err != nil {
		return ParsedDate{}, err
	}
	return pd, nil
}

// monthName finds a month name of either calendar in a normalised word.
func monthName(w string) (int, Calendar, bool) {
	if m, ok := gregorianMonths[w]; ok {
		return m, Gregorian, true
	}
	if m, ok := hijriMonthNames[w]; ok {
		return m, SolarHijri, true
	}
	return 0, "", false
}

var gregorianMonths = func() map[string]int {
	m := map[string]int{"sept": 9,
		"ژانویه": 1, "ژانویهی": 1, "فوریه": 2, "مارس": 3, "آوریل": 4, "مه": 5, "می": 5, "ژوئن": 6,
		"ژوئیه": 7, "جولای": 7, "اوت": 8, "آگوست": 8, "سپتامبر": 9, "اکتبر": 10, "نوامبر": 11, "دسامبر": 12}
	for i := time.January; i <= time.December; i++ {
		name := strings.ToLower(i.String())
		m[name] = int(i)
		m[name[:3]] = int(i)
	}
	return m
}()

var hijriMonthNames = func() map[string]int {
	m := map[string]int{"amordad": 5, "dei": 10, "isfand": 12, "esfend": 12, "ordibehesht": 2,
		"orodbehesht": 2, "shahrivar": 6, "khordad": 3, "azar": 9, "aban": 8}
	for i, n := range HijriMonths {
		m[Normalize(n)] = i + 1
	}
	for i, n := range HijriMonthsLatin {
		m[strings.ToLower(n)] = i + 1
	}
	return m
}()

var weekdays = setOf("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
	"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
	"شنبه", "یکشنبه", "دوشنبه", "سهشنبه", "چهارشنبه", "پنجشنبه", "جمعه", "سه", "یک", "دو", "چهار", "پنج")

var fillerWords = setOf("ماه", "سال", "روز", "of", "the", "on", "in", "year")

var hijriMarkers = setOf("هجری", "شمسی", "خورشیدی", "sh", "ap", "solar", "hijri", "jalali", "hs")

var gregorianMarkers = setOf("میلادی", "م", "ad", "ce", "gregorian")
