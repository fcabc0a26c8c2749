package server

import (
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/vigil-project/vigil/internal/analyze"
	"github.com/vigil-project/vigil/internal/model"
	"github.com/vigil-project/vigil/internal/store"
)

var asciiDigit = regexp.MustCompile(`[0-9]`)

func TestFaDigits(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"2024", "۲۰۲۴"},
		{"0.05", "۰٫۰۵"},
		{"-12%", "−۱۲٪"},
		{"n = 7", "n = ۷"},
	} {
		if got := faDigits(c.in); got != c.want {
			t.Errorf("faDigits(%q) got %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		p    float64
		want string
	}{{0.0004, "p < ۰٫۰۰۱"}, {0.0499, "p = ۰٫۰۴۹"}, {0.05, "p = ۰٫۰۵۰"}, {0.4, "p = ۰٫۴۰"}, {math.NaN(), "p نامعلوم"}} {
		if got := faP(c.p); got != c.want {
			t.Errorf("faP(%v) got %q, want %q", c.p, got, c.want)
		}
	}
}

// day is the i-th day from 2018-01-01.
func day(i int) model.Date {
	return model.Date{Year: 2018, Month: 1, Day: 1}.AddDays(i)
}

// TestFaSentences runs analyses on series with a known direction and
// checks that the Persian sentence says that direction, in Persian
// digits, with the Solar Hijri dates of the window.
func TestFaSentences(t *testing.T) {
	// Incidents ever closer together: gaps of 40 days shrinking to 2.
	var rising []model.Date
	for i, d := 0, 0; i < 60; i++ {
		rising = append(rising, day(d))
		d += max(2, 40-i)
	}
	// Evenly spread incidents, killed growing with time.
	var deadlier []analyze.SeverityItem
	for i := 0; i < 60; i++ {
		k := 1 + i*i/20 + i%3
		deadlier = append(deadlier, analyze.SeverityItem{Date: day(15 * i), Killed: &model.Range{Low: k, Best: k, High: k}})
	}
	tempo, err := analyze.Tempo(rising, analyze.TempoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sev, err := analyze.Severity(deadlier, analyze.SeverityOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		res  sentencer
		says []string
	}{
		// 2018-01-01 is 11 Dey 1396 in the Solar Hijri calendar.
		{"tempo rising", tempo, []string{"پرتکرارتر", "افزایش یافت", "۱۱ دی ۱۳۹۶", "آزمون من–کندال"}},
		{"severity deadlier", sev, []string{"مرگبارتر", "کشته‌ها", "۱۱ دی ۱۳۹۶", "n = ۶۰"}},
	}
	for _, c := range cases {
		got := faSentence(c.res)
		if got == "" || asciiDigit.MatchString(got) {
			t.Errorf("%s: got %q, want a sentence in Persian digits only", c.name, got)
		}
		for _, w := range c.says {
			if !strings.Contains(got, w) {
				t.Errorf("%s: got %q, want it to say %q (English: %q)", c.name, got, w, c.res.Sentence())
			}
		}
	}
	// The opposite direction says the opposite.
	var falling []model.Date
	for i, d := 0, 0; i < 60; i++ {
		falling = append(falling, day(d))
		d += 2 + i
	}
	tf, err := analyze.Tempo(falling, analyze.TempoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := faSentence(tf); !strings.Contains(got, "کم‌تکرارتر") {
		t.Errorf("tempo falling: got %q, want it to say the incidents are becoming less frequent (English: %q)", got, tf.Sentence())
	}
}

// TestFaSentenceEveryAnalysis checks that each analysis the API runs has
// a Persian sentence without Latin digits.
func TestFaSentenceEveryAnalysis(t *testing.T) {
	var incs []model.Incident
	for i := 0; i < 80; i++ {
		k := 1 + (i*7)%23
		incs = append(incs, model.Incident{ID: "i", Start: day(9*i + i%4), DatePrecision: model.PrecisionDay, Country: "IR",
			Admin1: []string{"Kerman", "Fars", "Tehran"}[i%3], Killed: &model.Range{Low: k, Best: k, High: k}})
	}
	for _, c := range []struct{ kind, regions string }{{"tempo", ""}, {"severity", ""}, {"changepoints", ""}, {"tail", ""},
		{"hawkes", ""}, {"hawkes", "admin1"}} {
		res, err := runAnalysis(c.kind, incs, store.Filter{}, analyze.BinMonth, 10, c.regions)
		if err != nil {
			t.Errorf("%s %s: %v", c.kind, c.regions, err)
			continue
		}
		if got := faSentence(res); got == "" || asciiDigit.MatchString(got) {
			t.Errorf("%s %s: Persian sentence %q, want one in Persian digits (English: %q)", c.kind, c.regions, got, res.Sentence())
		}
	}
	fc, err := analyze.Forecast(incs, analyze.ForecastOptions{Level: analyze.Admin1Week, Horizon: 2, Now: day(800)})
	if err != nil {
		t.Fatal(err)
	}
	if got := faSentence(fc); !strings.Contains(got, "بیشترین خطر") || asciiDigit.MatchString(got) {
		t.Errorf("forecast: Persian sentence %q, want the riskiest region in Persian digits", got)
	}
	en, fa := forecastSkill(fc)
	if en == "" || fa == "" || asciiDigit.MatchString(fa) || !strings.Contains(en, "historical rate") {
		t.Errorf("forecast skill: got %q / %q, want it against the historical rate in both languages", en, fa)
	}
}

// TestFaRegion: the Persian forecast sentence names provinces in Persian,
// from the gazetteer, and keeps a name it cannot translate.
func TestFaRegion(t *testing.T) {
	cases := []struct {
		r    analyze.RegionForecast
		want string
	}{
		{analyze.RegionForecast{Region: "IR/Sistan and Baluchestan", Country: "IR", Admin1: "Sistan and Baluchestan"}, "سیستان و بلوچستان"},
		{analyze.RegionForecast{Region: "IR/Kerman", Country: "IR", Admin1: "kerman"}, "کرمان"},
		{analyze.RegionForecast{Region: "IR/Nowhere", Country: "IR", Admin1: "Nowhere"}, "IR/Nowhere"},
		{analyze.RegionForecast{Region: "IQ", Country: "IQ"}, "IQ"},
	}
	for _, c := range cases {
		if got := faRegion(c.r); got != c.want {
			t.Errorf("faRegion(%s) = %q, want %q", c.r.Region, got, c.want)
		}
	}
	s := faForecast(analyze.ForecastResult{Model: "baseline", Regions: []analyze.RegionForecast{{Region: "IR/Kerman", Country: "IR", Admin1: "Kerman",
		Periods: []analyze.PeriodRisk{{Probability: 0.2}}}}})
	if !strings.Contains(s, "کرمان") || strings.Contains(s, "Kerman") {
		t.Errorf("Persian forecast sentence %q, want the province in Persian", s)
	}
}
