package extract

import (
	"errors"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
)

// knownDates are Solar Hijri dates with their Gregorian dates as published
// (Iran's official calendar; the attacks vigil was built around).
var knownDates = []struct {
	jy, jm, jd int
	greg       string
	what       string
}{
	{1396, 1, 1, "2017-03-21", "Nowruz 1396"},
	{1396, 3, 17, "2017-06-07", "Tehran parliament and mausoleum attacks"},
	{1397, 6, 31, "2018-09-22", "Ahvaz military parade attack"},
	{1401, 8, 4, "2022-10-26", "Shah Cheragh attack"},
	{1402, 5, 22, "2023-08-13", "second Shah Cheragh attack"},
	{1402, 10, 13, "2024-01-03", "Kerman bombings"},
	{1399, 12, 30, "2021-03-20", "last day of leap year 1399"},
	{1400, 1, 1, "2021-03-21", "Nowruz 1400"},
	{1403, 12, 30, "2025-03-20", "last day of leap year 1403"},
	{1404, 1, 1, "2025-03-21", "Nowruz 1404"},
	{1357, 11, 22, "1979-02-11", "revolution day"},
	{1300, 1, 1, "1921-03-21", "Nowruz 1300"},
	{1, 1, 1, "0622-03-22", "epoch"},
}

func TestHijriKnownDates(t *testing.T) {
	for _, k := range knownDates {
		got, err := HijriToGregorian(k.jy, k.jm, k.jd)
		if err != nil || got.String() != k.greg {
			t.Errorf("%s: HijriToGregorian(%d, %d, %d) got %s, %v, want %s", k.what, k.jy, k.jm, k.jd, got, err, k.greg)
		}
		d, _ := model.ParseDate(k.greg)
		jy, jm, jd, err := GregorianToHijri(d)
		if err != nil || jy != k.jy || jm != k.jm || jd != k.jd {
			t.Errorf("%s: GregorianToHijri(%s) got %d/%d/%d, %v, want %d/%d/%d", k.what, k.greg, jy, jm, jd, err, k.jy, k.jm, k.jd)
		}
	}
}

func TestHijriLeapYears(t *testing.T) {
	// Leap years of the official calendar around the years vigil cares
	// about; 1403 is leap and 1404–1407 are not (the 5-year gap of the
	// 33-year cycle falls here: the next leap year is 1408).
	leap := map[int]bool{1370: true, 1375: true, 1379: true, 1383: true, 1387: true, 1391: true,
		1395: true, 1399: true, 1403: true, 1408: true}
	for y := 1370; y <= 1410; y++ {
		if got := IsHijriLeap(y); got != leap[y] {
			t.Errorf("IsHijriLeap(%d) got %v, want %v", y, got, leap[y])
		}
	}
	if _, err := HijriToGregorian(1402, 12, 30); !errors.Is(err, ErrHijriRange) {
		t.Errorf("30 Esfand 1402 (common year) got err %v, want ErrHijriRange", err)
	}
}

// TestHijriRoundTrip converts every day of 1300–1500 SH both ways and
// checks that consecutive Hijri days are consecutive Gregorian days.
func TestHijriRoundTrip(t *testing.T) {
	prev, err := HijriToGregorian(1299, 12, HijriMonthDays(1299, 12))
	if err != nil {
		t.Fatal(err)
	}
	days := 0
	for jy := 1300; jy <= 1500; jy++ {
		for jm := 1; jm <= 12; jm++ {
			for jd := 1; jd <= HijriMonthDays(jy, jm); jd++ {
				g, err := HijriToGregorian(jy, jm, jd)
				if err != nil {
					t.Fatalf("%d/%d/%d: %v", jy, jm, jd, err)
				}
				if want := prev.AddDays(1); g != want {
					t.Fatalf("%d/%d/%d got %s, want %s (the day after %s)", jy, jm, jd, g, want, prev)
				}
				y, m, d, err := GregorianToHijri(g)
				if err != nil || y != jy || m != jm || d != jd {
					t.Fatalf("GregorianToHijri(%s) got %d/%d/%d %v, want %d/%d/%d", g, y, m, d, err, jy, jm, jd)
				}
				prev = g
				days++
			}
		}
	}
	// 201 years of 365.2422 days on average
	if days < 73413 || days > 73415 {
		t.Errorf("days in 1300–1500 got %d, want about 73414", days)
	}
}

func TestHijriInvalid(t *testing.T) {
	for _, c := range [][3]int{{0, 1, 1}, {1402, 0, 1}, {1402, 13, 1}, {1402, 7, 31}, {1402, 1, 0}, {3178, 1, 1}, {-5, 1, 1}} {
		if _, err := HijriToGregorian(c[0], c[1], c[2]); !errors.Is(err, ErrHijriRange) {
			t.Errorf("HijriToGregorian(%v) got err %v, want ErrHijriRange", c, err)
		}
	}
	for _, d := range []model.Date{{Year: 600, Month: 1, Day: 1}, {Year: 622, Month: 3, Day: 21}, {}, {Year: 5000, Month: 1, Day: 1}} {
		if _, _, _, err := GregorianToHijri(d); !errors.Is(err, ErrHijriRange) {
			t.Errorf("GregorianToHijri(%v) got err %v, want ErrHijriRange", d, err)
		}
	}
}

func BenchmarkHijriToGregorian(b *testing.B) {
	for i := range b.N {
		if _, err := HijriToGregorian(1300+i%200, 1+i%12, 1+i%29); err != nil {
			b.Fatal(err)
		}
	}
}
