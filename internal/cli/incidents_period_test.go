package cli

import (
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
)

// TestParsePeriod: the dates a Persian- or English-speaking analyst types
// for --since and --until.
func TestParsePeriod(t *testing.T) {
	d := func(s string) model.Date {
		v, err := model.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		in          string
		first, last model.Date
	}{
		{"2024-01-03", d("2024-01-03"), d("2024-01-03")},
		{"2024-02", d("2024-02-01"), d("2024-02-29")},
		{"2023", d("2023-01-01"), d("2023-12-31")},
		{"1402-10-13", d("2024-01-03"), d("2024-01-03")}, // Solar Hijri: the Kerman bombing
		{"۱۴۰۲/۱۰/۱۳", d("2024-01-03"), d("2024-01-03")}, // Persian digits
		{"1402", d("2023-03-21"), d("2024-03-19")},       // a Solar Hijri year spans two Gregorian ones
		{"دی ۱۴۰۲", d("2023-12-22"), d("2024-01-20")},    // a Persian month name
	}
	for _, c := range cases {
		first, last, err := parsePeriod(c.in)
		if err != nil || first != c.first || last != c.last {
			t.Errorf("parsePeriod(%q) = %s…%s, %v; want %s…%s", c.in, first, last, err, c.first, c.last)
		}
	}
	for _, bad := range []string{"yesterday", "2024-13-01", "1402-13-01", "", "12/13"} {
		if _, _, err := parsePeriod(bad); err == nil {
			t.Errorf("parsePeriod(%q): no error", bad)
		}
	}
}

// TestSelectionSolarHijri: --since and --until in Solar Hijri select the
// same incidents as their Gregorian days.
func TestSelectionSolarHijri(t *testing.T) {
	db := t.TempDir() + "/v.db"
	mustVigil(t, db, "demo")
	greg := mustVigil(t, db, "incidents", "--since", "2023-12-22", "--until", "2024-01-20", "--format", "csv")
	sh := mustVigil(t, db, "incidents", "--since", "۱۴۰۲-۱۰-۰۱", "--until", "1402-10-30", "--format", "csv")
	month := mustVigil(t, db, "incidents", "--since", "دی ۱۴۰۲", "--until", "دی ۱۴۰۲", "--format", "csv")
	if greg != sh || greg != month {
		t.Errorf("Solar Hijri selections differ from the Gregorian one:\n%s\n---\n%s\n---\n%s", greg, sh, month)
	}
	if n := len(splitLines(greg)); n != 2 { // header and the Kerman bombing
		t.Errorf("Dey 1402 holds %d lines, want the header and one incident:\n%s", n, greg)
	}
}

func splitLines(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") }
