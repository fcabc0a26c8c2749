package extract

import (
	"errors"
	"testing"

	"github.com/vigil-project/vigil/internal/model"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in         string
		start, end string
		prec       model.DatePrecision
		cal        Calendar
		y, m, d    int
	}{
		{"2024-01-03", "2024-01-03", "2024-01-03", model.PrecisionDay, Gregorian, 2024, 1, 3},
		{"2024/01/03", "2024-01-03", "2024-01-03", model.PrecisionDay, Gregorian, 2024, 1, 3},
		{"2018-09", "2018-09-01", "2018-09-30", model.PrecisionMonth, Gregorian, 2018, 9, 0},
		{"2024", "2024-01-01", "2024-12-31", model.PrecisionYear, Gregorian, 2024, 0, 0},
		{"3 January 2024", "2024-01-03", "2024-01-03", model.PrecisionDay, Gregorian, 2024, 1, 3},
		{"January 3, 2024", "2024-01-03", "2024-01-03", model.PrecisionDay, Gregorian, 2024, 1, 3},
		{"Wednesday, 3rd January 2024", "2024-01-03", "2024-01-03", model.PrecisionDay, Gregorian, 2024, 1, 3},
		{"Sept. 22, 2018", "2018-09-22", "2018-09-22", model.PrecisionDay, Gregorian, 2018, 9, 22},
		{"June 2017", "2017-06-01", "2017-06-30", model.PrecisionMonth, Gregorian, 2017, 6, 0},
		{"۱۴۰۲/۱۰/۱۳", "2024-01-03", "2024-01-03", model.PrecisionDay, SolarHijri, 1402, 10, 13},
		{"١٤٠٢/١٠/١٣", "2024-01-03", "2024-01-03", model.PrecisionDay, SolarHijri, 1402, 10, 13},
		{"1397-06-31", "2018-09-22", "2018-09-22", model.PrecisionDay, SolarHijri, 1397, 6, 31},
		{"۱۳ دی ۱۴۰۲", "2024-01-03", "2024-01-03", model.PrecisionDay, SolarHijri, 1402, 10, 13},
		{"چهارشنبه ۱۳ دی‌ماه ۱۴۰۲", "2024-01-03", "2024-01-03", model.PrecisionDay, SolarHijri, 1402, 10, 13},
		{"13 Dey 1402", "2024-01-03", "2024-01-03", model.PrecisionDay, SolarHijri, 1402, 10, 13},
		{"17 Khordad 1396", "2017-06-07", "2017-06-07", model.PrecisionDay, SolarHijri, 1396, 3, 17},
		{"۴ آبان ۱۴۰۱", "2022-10-26", "2022-10-26", model.PrecisionDay, SolarHijri, 1401, 8, 4},
		{"Dey 1402", "2023-12-22", "2024-01-20", model.PrecisionMonth, SolarHijri, 1402, 10, 0},
		{"۱۴۰۲/۱۰", "2023-12-22", "2024-01-20", model.PrecisionMonth, SolarHijri, 1402, 10, 0},
		{"1402", "2023-03-21", "2024-03-19", model.PrecisionYear, SolarHijri, 1402, 0, 0},
		{"1401", "2022-03-21", "2023-03-20", model.PrecisionYear, SolarHijri, 1401, 0, 0},
		{"1403", "2024-03-20", "2025-03-20", model.PrecisionYear, SolarHijri, 1403, 0, 0},
		{"سال ۱۳۹۷ هجری شمسی", "2018-03-21", "2019-03-20", model.PrecisionYear, SolarHijri, 1397, 0, 0},
		{"1401 ه.ش", "2022-03-21", "2023-03-20", model.PrecisionYear, SolarHijri, 1401, 0, 0},
		{"1402 AD", "1402-01-01", "1402-12-31", model.PrecisionYear, Gregorian, 1402, 0, 0},
		{"۲۰۲۴ میلادی", "2024-01-01", "2024-12-31", model.PrecisionYear, Gregorian, 2024, 0, 0},
		{"۳ ژانویه ۲۰۲۴", "2024-01-03", "2024-01-03", model.PrecisionDay, Gregorian, 2024, 1, 3},
		{"۱۳/۱۰/۱۴۰۲", "2024-01-03", "2024-01-03", model.PrecisionDay, SolarHijri, 1402, 10, 13},
		{"13/10/2024", "2024-10-13", "2024-10-13", model.PrecisionDay, Gregorian, 2024, 10, 13},
		{"05/20/2012", "2012-05-20", "2012-05-20", model.PrecisionDay, Gregorian, 2012, 5, 20},
		{"20.05.2012", "2012-05-20", "2012-05-20", model.PrecisionDay, Gregorian, 2012, 5, 20},
		{"16.12.1401", "2023-03-07", "2023-03-07", model.PrecisionDay, SolarHijri, 1401, 12, 16},
		{"Esfand 16, 1401", "2023-03-07", "2023-03-07", model.PrecisionDay, SolarHijri, 1401, 12, 16},
		{"۱۶ اسفندماه ۱۴۰۱", "2023-03-07", "2023-03-07", model.PrecisionDay, SolarHijri, 1401, 12, 16},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if err != nil {
			t.Errorf("ParseDate(%q): %v", tt.in, err)
			continue
		}
		if got.Start.String() != tt.start || got.End.String() != tt.end || got.Precision != tt.prec || got.Calendar != tt.cal ||
			got.Year != tt.y || got.Month != tt.m || got.Day != tt.d {
			t.Errorf("ParseDate(%q) got %s..%s %s %s %d/%d/%d, want %s..%s %s %s %d/%d/%d", tt.in,
				got.Start, got.End, got.Precision, got.Calendar, got.Year, got.Month, got.Day,
				tt.start, tt.end, tt.prec, tt.cal, tt.y, tt.m, tt.d)
		}
	}
}

func TestParseDateContext(t *testing.T) {
	got, err := ParseDateWith("1402", DateOptions{Calendar: Gregorian})
	if err != nil || got.Calendar != Gregorian || got.Start.String() != "1402-01-01" {
		t.Errorf("1402 with Gregorian context got %+v %v, want Gregorian year 1402", got, err)
	}
	got, err = ParseDateWith("2024-01-03", DateOptions{Calendar: SolarHijri})
	if err != nil || got.Calendar != Gregorian || got.Start.String() != "2024-01-03" {
		t.Errorf("2024-01-03 in a Persian text got %+v %v, want the Gregorian date", got, err)
	}
	got, err = ParseDateWith("1250", DateOptions{Calendar: SolarHijri})
	if err != nil || got.Calendar != SolarHijri || got.Start.String() != "1871-03-21" {
		t.Errorf("1250 in a Persian text got %+v %v, want Solar Hijri 1250 from 1871-03-21", got, err)
	}
}

func TestParseDateErrors(t *testing.T) {
	for _, in := range []string{"", "foo", "2024-02-30", "1402/12/30", "3 January", "2024-13-01", "12/06/2017",
		"2024-01/03", "31/31/2024", "13/13/2024", "0/13/2024", "12/30/1402", "5 Muharram 1445 قمری", "January Dey 1402", "13 دی 2024 میلادی", "2024-01-03 12:00"} {
		if got, err := ParseDate(in); !errors.Is(err, ErrNotDate) {
			t.Errorf("ParseDate(%q) got %+v, %v, want ErrNotDate", in, got, err)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-01-03", "۱۴۰۲/۱۰/۱۳", "۱۳ دی ۱۴۰۲", "13 Dey 1402", "January 3, 2024", "1402", "1401 ه.ش", "\xff۱", "3177/12/30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDate(s)
		if err != nil {
			return
		}
		if got.Start.IsZero() || got.End.Before(got.Start) || !got.Precision.Valid() {
			t.Errorf("ParseDate(%q) got %+v: empty or inverted period", s, got)
		}
	})
}

func BenchmarkParseDate(b *testing.B) {
	ins := []string{"2024-01-03", "۱۴۰۲/۱۰/۱۳", "۱۳ دی ۱۴۰۲", "January 3, 2024"}
	for i := range b.N {
		if _, err := ParseDate(ins[i%len(ins)]); err != nil {
			b.Fatal(err)
		}
	}
}
