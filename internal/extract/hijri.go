package extract

import (
	"errors"
	"fmt"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

// Solar Hijri (Jalali) conversion uses the arithmetic of Borkowski's
// "break years" algorithm as jalaali-js and most Iranian software use it:
// a 33-year leap cycle corrected at listed break years, which reproduces
// the astronomical calendar Iran's civil calendar follows for the years
// 1178–1633 SH (1799–2254). Outside the supported years conversion is
// refused rather than guessed.

// breaks are the Jalali years at which the leap pattern restarts.
var breaks = [...]int{-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210,
	1635, 2060, 2097, 2192, 2262, 2324, 2394, 2456, 3178}

// MinHijriYear and MaxHijriYear bound the Solar Hijri years this package converts.
const (
	MinHijriYear = 1
	MaxHijriYear = 3177
)

// ErrHijriRange is returned for a Solar Hijri date outside the years
// converted or with a month or day that does not exist.
var ErrHijriRange = errors.New("not a valid Solar Hijri date")

// div and mod truncate towards zero, as the published algorithm does.
func div(a, b int) int { return a / b }
func mod(a, b int) int { return a % b }

// jalCal returns, for Jalali year jy, the years since the last leap year
// (0 when jy itself is leap), the Gregorian year in which jy starts and the
// March day of that year on which 1 Farvardin falls.
func jalCal(jy int) (leap, gy, march int) {
	gy = jy + 621
	leapJ := -14
	jp := breaks[0]
	jump := 0
	for i := 1; i < len(breaks); i++ {
		jm := breaks[i]
		jump = jm - jp
		if jy < jm {
			break
		}
		leapJ += div(jump, 33)*8 + div(mod(jump, 33), 4)
		jp = jm
	}
	n := jy - jp
	leapJ += div(n, 33)*8 + div(mod(n, 33)+3, 4)
	if mod(jump, 33) == 4 && jump-n == 4 {
		leapJ++
	}
	leapG := div(gy, 4) - div((div(gy, 100)+1)*3, 4) - 150
	march = 20 + leapJ - leapG
	if jump-n < 6 {
		n = n - jump + div(jump+4, 33)*33
	}
	leap = mod(mod(n+1, 33)-1, 4)
	if leap == -1 {
		leap = 4
	}
	return leap, gy, march
}

// g2d returns the Julian day number of a Gregorian date.
func g2d(gy, gm, gd int) int {
	d := div((gy+div(gm-8, 6)+100100)*1461, 4) + div(153*mod(gm+9, 12)+2, 5) + gd - 34840408
	return d - div(div(gy+100100+div(gm-8, 6), 100)*3, 4) + 752
}

// d2g returns the Gregorian date of a Julian day number.
func d2g(jdn int) (gy, gm, gd int) {
	j := 4*jdn + 139361631
	j += div(div(4*jdn+183187720, 146097)*3, 4)*4 - 3908
	i := div(mod(j, 1461), 4)*5 + 308
	gd = div(mod(i, 153), 5) + 1
	gm = mod(div(i, 153), 12) + 1
	gy = div(j, 1461) - 100100 + div(8-gm, 6)
	return gy, gm, gd
}

// IsHijriLeap reports whether Solar Hijri year jy has 366 days (30 Esfand).
func IsHijriLeap(jy int) bool {
	if jy < MinHijriYear || jy > MaxHijriYear {
		return false
	}
	leap, _, _ := jalCal(jy)
	return leap == 0
}

// HijriMonthDays returns the days of month jm (1–12) of Solar Hijri year
// jy: 31 in the first six months, 30 in the next five, 29 or 30 in Esfand.
func HijriMonthDays(jy, jm int) int {
	switch {
	case jm >= 1 && jm <= 6:
		return 31
	case jm >= 7 && jm <= 11:
		return 30
	case jm == 12:
		if IsHijriLeap(jy) {
			return 30
		}
		return 29
	}
	return 0
}

// HijriToGregorian converts a Solar Hijri date to its Gregorian date.
func HijriToGregorian(jy, jm, jd int) (model.Date, error) {
	if jy < MinHijriYear || jy > MaxHijriYear || jm < 1 || jm > 12 || jd < 1 || jd > HijriMonthDays(jy, jm) {
		return model.Date{}, fmt.Errorf("%04d/%02d/%02d: %w", jy, jm, jd, ErrHijriRange)
	}
	_, gy, march := jalCal(jy)
	jdn := g2d(gy, 3, march) + (jm-1)*31 - div(jm, 7)*(jm-7) + jd - 1
	y, m, d := d2g(jdn)
	return model.Date{Year: y, Month: time.Month(m), Day: d}, nil
}

// GregorianToHijri converts a Gregorian date to Solar Hijri year, month
// and day. Dates before 622-03-22 (1 Farvardin 1) or after the last
// supported year are refused.
func GregorianToHijri(d model.Date) (jy, jm, jd int, err error) {
	if d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > 31 || d.Year < 622 || d.Year > MaxHijriYear+621 {
		return 0, 0, 0, fmt.Errorf("%s: %w", d, ErrHijriRange)
	}
	jdn := g2d(d.Year, int(d.Month), d.Day)
	jy = d.Year - 621
	leap, gy, march := jalCal(jy)
	k := jdn - g2d(gy, 3, march)
	if k >= 0 {
		if k <= 185 {
			return jy, 1 + div(k, 31), mod(k, 31) + 1, nil
		}
		k -= 186
	} else {
		jy--
		k += 179
		if leap == 1 {
			k++
		}
	}
	if jy < MinHijriYear {
		return 0, 0, 0, fmt.Errorf("%s: %w", d, ErrHijriRange)
	}
	return jy, 7 + div(k, 30), mod(k, 30) + 1, nil
}

// HijriMonths are the Persian names of the Solar Hijri months, Farvardin first.
var HijriMonths = [12]string{"فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
	"مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"}

// HijriMonthsLatin are the usual Latin spellings of the Solar Hijri months.
var HijriMonthsLatin = [12]string{"Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
	"Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand"}
